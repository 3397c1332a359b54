package org.partita.models.layers;

/** The two recurrent cells: how many gate rows a hidden unit has. */
public enum RecurrentCell {
  /** One pre-activation per unit, through tanh. */
  SIMPLE_RNN(1),
  /** Gates i, f, o (sigmoid) and candidate g (tanh), in that order. */
  LSTM(4);

  private final int gates;

  RecurrentCell(int gates) {
    this.gates = gates;
  }

  public int gates() {
    return gates;
  }
}
