package org.partita.models.layers;

/**
 * Elman RNN: h_t = tanh(Wx·x_t + Wh·h_{t-1} + b). Input per sample is T×F, time-major (row
 * t·F + f); output is the last h_T (H rows) or every h_t (T·H rows, time-major) when
 * {@code returnSequences}. Units are hidden units.
 */
public record SimpleRnnSpec(int inputs, int hidden, int timeSteps, boolean returnSequences) implements RecurrentSpec {
  public SimpleRnnSpec {
    RecurrentSpec.check("SimpleRNN", inputs, hidden, timeSteps);
  }

  @Override
  public RecurrentCell cell() {
    return RecurrentCell.SIMPLE_RNN;
  }
}
