package org.partita.bench.peers;

/**
 * One system in the side-by-side run, inside its own worker process: a network already built,
 * trained one step at a time on batch k of the {@link SharedBatches} every system got.
 * Implementations keep their batches in their own format, converted before timing, so a timed step
 * is the training step alone.
 */
public interface TrainingSide {
  long parameterCount();

  /** One optimizer step on batch {@code batch}; returns that batch's mean loss per sample. */
  double trainStep(int batch);
}
