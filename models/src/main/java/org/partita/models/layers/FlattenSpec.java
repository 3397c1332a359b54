package org.partita.models.layers;

/**
 * C×H×W → a feature vector. Samples are already stored flattened channel-major, so this only
 * changes the declared shape; units are features.
 */
public record FlattenSpec(Shape input) implements LayerSpec {
  public FlattenSpec {
    if (input == null) {
      throw new IllegalArgumentException("Flatten needs an input shape");
    }
  }

  @Override
  public Shape inputShape() {
    return input;
  }

  @Override
  public Shape outputShape() {
    return Shape.vector(input.size());
  }

  @Override
  public int units() {
    return input.size();
  }

  @Override
  public long parameterCount(UnitRange range) {
    return 0;
  }

  @Override
  public long forwardFlops(UnitRange range, int batch) {
    return 0;
  }

  @Override
  public long backwardFlops(UnitRange range, int batch) {
    return 0;
  }

  @Override
  public Layer bind(LayerBinding binding) {
    return new FeatureRangeLayer(this, binding, 0f);
  }

  @Override
  public String describe() {
    return "Flatten " + input + "→" + input.size();
  }
}
