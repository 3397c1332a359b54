package org.partita.models.layers;

/** Which tensor of a layer a parameter is; weight decay applies to weights, not biases. */
public enum ParameterKind {
  WEIGHTS,
  BIAS,
  RECURRENT_WEIGHTS;

  public boolean decays() {
    return this != BIAS;
  }
}
