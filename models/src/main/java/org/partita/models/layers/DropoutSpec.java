package org.partita.models.layers;

/**
 * Inverted dropout: in training each feature is zeroed with probability {@code rate} and the
 * survivors scaled by 1/(1−rate); in inference it is the identity. The mask of feature u of sample
 * n at step t is a pure function of (seed, layer, u, t, n). Units are features.
 */
public record DropoutSpec(Shape shape, float rate) implements LayerSpec {
  public DropoutSpec {
    if (shape == null) {
      throw new IllegalArgumentException("Dropout needs a shape");
    }
    if (!(rate >= 0f && rate < 1f)) {
      throw new IllegalArgumentException("Dropout rate must be in [0, 1), got " + rate);
    }
  }

  @Override
  public Shape inputShape() {
    return shape;
  }

  @Override
  public Shape outputShape() {
    return shape;
  }

  @Override
  public int units() {
    return shape.size();
  }

  @Override
  public long parameterCount(UnitRange range) {
    return 0;
  }

  @Override
  public long forwardFlops(UnitRange range, int batch) {
    return (long) batch * range.size();
  }

  @Override
  public long backwardFlops(UnitRange range, int batch) {
    return (long) batch * range.size();
  }

  @Override
  public Layer bind(LayerBinding binding) {
    return new FeatureRangeLayer(this, binding, rate);
  }

  @Override
  public String describe() {
    return "Dropout " + rate + " over " + shape;
  }
}
