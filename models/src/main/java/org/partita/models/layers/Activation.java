package org.partita.models.layers;

/**
 * Element-wise activations. The derivative is computed from the activation's *output*, so a layer
 * needs to keep only its output for backward, not its pre-activation.
 */
public enum Activation {
  IDENTITY,
  RELU,
  TANH,
  SIGMOID;

  /** values[from, to) = f(values[from, to)) in place. */
  public void apply(float[] values, int from, int to) {
    switch (this) {
      case IDENTITY -> { }
      case RELU -> {
        for (int i = from; i < to; i++) {
          values[i] = Math.max(values[i], 0f);
        }
      }
      case TANH -> {
        for (int i = from; i < to; i++) {
          values[i] = (float) Math.tanh(values[i]);
        }
      }
      case SIGMOID -> {
        for (int i = from; i < to; i++) {
          values[i] = (float) (1.0 / (1.0 + Math.exp(-values[i])));
        }
      }
    }
  }

  /** gradient[i] = upstream[i] · f'(z_i), with f'(z) expressed through y = f(z) = output[i]. */
  public void backward(float[] output, float[] upstream, float[] gradient, int from, int to) {
    switch (this) {
      case IDENTITY -> System.arraycopy(upstream, from, gradient, from, to - from);
      case RELU -> {
        for (int i = from; i < to; i++) {
          gradient[i] = output[i] > 0f ? upstream[i] : 0f;
        }
      }
      case TANH -> {
        for (int i = from; i < to; i++) {
          gradient[i] = upstream[i] * (1f - output[i] * output[i]);
        }
      }
      case SIGMOID -> {
        for (int i = from; i < to; i++) {
          gradient[i] = upstream[i] * output[i] * (1f - output[i]);
        }
      }
    }
  }

  /** He initialisation suits ReLU; Xavier the saturating and linear ones. */
  public Initializer defaultInitializer() {
    return this == RELU ? Initializer.HE_UNIFORM : Initializer.XAVIER_UNIFORM;
  }
}
