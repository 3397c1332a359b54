package org.partita.models.layers;

import org.partita.models.random.CounterRandom;

/**
 * Weight initialisation, as a pure function of (seed, layer, unit, index): the weight connecting
 * output unit {@code unit} to input position {@code index} of layer {@code layer} is the same
 * number whether the layer is whole or split. Uniform variants: He U(±√(6/fan_in)), Xavier
 * U(±√(6/(fan_in+fan_out))), and U(±0.05) for embedding tables (Keras' default: a table is looked
 * up, not summed over its fan-in).
 */
public enum Initializer {
  HE_UNIFORM,
  XAVIER_UNIFORM,
  EMBEDDING_UNIFORM;

  public float limit(int fanIn, int fanOut) {
    return switch (this) {
      case HE_UNIFORM -> (float) Math.sqrt(6.0 / fanIn);
      case XAVIER_UNIFORM -> (float) Math.sqrt(6.0 / (fanIn + fanOut));
      case EMBEDDING_UNIFORM -> 0.05f;
    };
  }

  /** The initial value of weight (unit, index) of a layer. */
  public float weight(long seed, int layer, int unit, int index, float limit) {
    float u = CounterRandom.uniform(seed, CounterRandom.STREAM_INIT, layer, unit, index);
    return (2f * u - 1f) * limit;
  }
}
