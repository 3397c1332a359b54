package org.partita.models.layers;

/**
 * What SimpleRNN, LSTM and GRU specs share: shapes, parameter counts, costs and the time-major
 * output layout. A slice of units [a, b) owns gate rows for those units only; its weights are
 * (gates·u) × (F + H) — input and recurrent weights side by side — and its bias (biases·u) × 1,
 * both gate-major (row g·u + unit − a).
 */
public sealed interface RecurrentSpec extends LayerSpec permits SimpleRnnSpec, LstmSpec, GruSpec {
  int inputs();

  int hidden();

  int timeSteps();

  boolean returnSequences();

  /** Initial forget-gate bias; only an LSTM has a forget gate. */
  default float forgetBias() {
    return 0f;
  }

  RecurrentCell cell();

  @Override
  default Layer bind(LayerBinding binding) {
    return new RecurrentLayer(this, binding);
  }

  /** E.g. "LSTM 28→128 ×28 last" (the last step's h only) or "GRU 8→6 ×5 seq" (every step's). */
  @Override
  default String describe() {
    return cell().title() + " " + inputs() + "→" + hidden() + " ×" + timeSteps()
        + (returnSequences() ? " seq" : " last");
  }

  static void check(String kind, int inputs, int hidden, int timeSteps) {
    if (inputs < 1 || hidden < 1 || timeSteps < 1) {
      throw new IllegalArgumentException(kind + " needs inputs, hidden units and time steps ≥ 1; got " + inputs + ", "
          + hidden + ", " + timeSteps);
    }
  }

  @Override
  default Shape inputShape() {
    return new Shape(timeSteps(), inputs(), 1);
  }

  @Override
  default Shape outputShape() {
    return returnSequences() ? new Shape(timeSteps(), hidden(), 1) : Shape.vector(hidden());
  }

  @Override
  default int units() {
    return hidden();
  }

  /** Sequence outputs are time-major, so a slice's rows interleave with the others' across time. */
  @Override
  default int wholeOutputRow(UnitRange range, int row) {
    return returnSequences() ? range.timeMajorRow(row, hidden()) : range.begin() + row;
  }

  @Override
  default long parameterCount(UnitRange range) {
    return (long) range.size() * (cell().gates() * (inputs() + hidden()) + cell().biases());
  }

  @Override
  default long forwardFlops(UnitRange range, int batch) {
    return 2L * batch * timeSteps() * cell().gates() * range.size() * (inputs() + hidden());
  }

  @Override
  default long backwardFlops(UnitRange range, int batch) {
    return 2 * forwardFlops(range, batch);
  }
}
