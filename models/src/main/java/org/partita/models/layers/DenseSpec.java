package org.partita.models.layers;

/**
 * Fully connected: Y = f(W·X + b), W outputs × inputs. Units are output rows. With
 * {@code timeSteps} T > 1 the same weights apply at every step of a time-major sequence (input
 * T×inputs, output T×outputs per sample), as after a sequence-returning LSTM.
 */
public record DenseSpec(int inputs, int outputs, Activation activation, int timeSteps) implements LayerSpec {
  public DenseSpec {
    if (inputs < 1 || outputs < 1 || timeSteps < 1) {
      throw new IllegalArgumentException("Dense needs ≥ 1 input, output and time step, got " + inputs + "→" + outputs
          + " ×" + timeSteps);
    }
    if (activation == null) {
      throw new IllegalArgumentException("Dense " + inputs + "→" + outputs + " needs an activation");
    }
  }

  public DenseSpec(int inputs, int outputs, Activation activation) {
    this(inputs, outputs, activation, 1);
  }

  @Override
  public Shape inputShape() {
    return timeSteps == 1 ? Shape.vector(inputs) : new Shape(timeSteps, inputs, 1);
  }

  @Override
  public Shape outputShape() {
    return timeSteps == 1 ? Shape.vector(outputs) : new Shape(timeSteps, outputs, 1);
  }

  /** Per-step outputs are time-major, so a slice's rows interleave with the others' across time. */
  @Override
  public int wholeOutputRow(UnitRange range, int row) {
    return range.timeMajorRow(row, outputs);
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
    return 2L * batch * timeSteps * inputs * range.size();
  }

  @Override
  public long backwardFlops(UnitRange range, int batch) {
    return 4L * batch * timeSteps * inputs * range.size();
  }

  @Override
  public Layer bind(LayerBinding binding) {
    return new DenseLayer(this, binding);
  }

  @Override
  public String describe() {
    return "Dense " + inputs + "→" + outputs + " " + activation.name().toLowerCase(java.util.Locale.ROOT)
        + (timeSteps > 1 ? " per step ×" + timeSteps : "");
  }
}
