package org.partita.models.layers;

/**
 * LSTM with input, forget, output and candidate gates; forget-gate bias initialised to
 * {@code forgetBias} (1 by convention). Shapes as {@link SimpleRnnSpec}. A unit owns its cell and
 * all four of its gates, so a slice of hidden units is self-contained given x_t and the full h_{t-1}.
 */
public record LstmSpec(int inputs, int hidden, int timeSteps, boolean returnSequences, float forgetBias)
    implements RecurrentSpec {
  public LstmSpec {
    RecurrentSpec.check("LSTM", inputs, hidden, timeSteps);
    if (!Float.isFinite(forgetBias)) {
      throw new IllegalArgumentException("LSTM forget bias must be finite, got " + forgetBias);
    }
  }

  public LstmSpec(int inputs, int hidden, int timeSteps, boolean returnSequences) {
    this(inputs, hidden, timeSteps, returnSequences, 1f);
  }

  @Override
  public RecurrentCell cell() {
    return RecurrentCell.LSTM;
  }
}
