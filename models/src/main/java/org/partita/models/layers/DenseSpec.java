package org.partita.models.layers;

/** Fully connected: Y = f(W·X + b), W outputs × inputs. Units are output rows. */
public record DenseSpec(int inputs, int outputs, Activation activation) implements LayerSpec {
  public DenseSpec {
    if (inputs < 1 || outputs < 1) {
      throw new IllegalArgumentException("Dense needs ≥ 1 input and output, got " + inputs + "→" + outputs);
    }
    if (activation == null) {
      throw new IllegalArgumentException("Dense " + inputs + "→" + outputs + " needs an activation");
    }
  }

  @Override
  public Shape inputShape() {
    return Shape.vector(inputs);
  }

  @Override
  public Shape outputShape() {
    return Shape.vector(outputs);
  }

  @Override
  public int units() {
    return outputs;
  }

  @Override
  public long parameterCount(UnitRange range) {
    return (long) range.size() * (inputs + 1);
  }

  @Override
  public long forwardFlops(UnitRange range, int batch) {
    return 2L * batch * inputs * range.size();
  }

  @Override
  public long backwardFlops(UnitRange range, int batch) {
    return 4L * batch * inputs * range.size();
  }

  @Override
  public Layer bind(LayerBinding binding) {
    return new DenseLayer(this, binding);
  }

  @Override
  public String describe() {
    return "Dense " + inputs + "→" + outputs + " " + activation.name().toLowerCase(java.util.Locale.ROOT);
  }
}
