package org.partita.models.layers;

/**
 * Which samples a forward or backward call processes: the optimizer step, the index of the first
 * column within the step's <em>global</em> batch, and the phase. Dropout masks are drawn at
 * (step, firstSample + column), so cutting a batch into micro-batches or across replicas
 * draws the same masks as running it whole.
 */
public record BatchContext(long step, int firstSample, Phase phase) {
  public BatchContext {
    if (step < 0 || firstSample < 0) {
      throw new IllegalArgumentException("step and firstSample must be ≥ 0, got " + step + ", " + firstSample);
    }
  }

  public static BatchContext training(long step) {
    return new BatchContext(step, 0, Phase.TRAIN);
  }

  public static BatchContext inference() {
    return new BatchContext(0, 0, Phase.INFER);
  }
}
