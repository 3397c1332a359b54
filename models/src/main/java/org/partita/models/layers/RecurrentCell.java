package org.partita.models.layers;

/** The recurrent cells: how many gate rows of weights and how many biases a hidden unit has. */
public enum RecurrentCell {
  /** One pre-activation per unit, through tanh. */
  SIMPLE_RNN("SimpleRNN", 1, 1),
  /** Gates i, f, o (sigmoid) and candidate g (tanh), in that order. */
  LSTM("LSTM", 4, 4),
  /**
   * Gates r, z (sigmoid) and candidate n (tanh), in that order; the fourth bias, b_hn, is added to
   * the recurrent part of n inside the reset product (see {@link GruSpec}).
   */
  GRU("GRU", 3, 4);

  private final String title;
  private final int gates;
  private final int biases;

  RecurrentCell(String title, int gates, int biases) {
    this.title = title;
    this.gates = gates;
    this.biases = biases;
  }

  /** As layer descriptions name it, e.g. "SimpleRNN". */
  public String title() {
    return title;
  }

  /** Rows of the weight matrix per hidden unit. */
  public int gates() {
    return gates;
  }

  /** Rows of the bias per hidden unit. */
  public int biases() {
    return biases;
  }
}
