package org.partita.bench.dl4j;

/**
 * One system in the side-by-side run: a network already built, trained one step at a time on
 * batch k of the {@link SharedBatches} both systems got. Implementations keep their batches in
 * their own format, converted before timing, so a timed step is the training step alone.
 */
interface TrainingSide {
  String system();

  long parameterCount();

  /** One optimizer step on batch {@code batch}; returns that batch's mean loss per sample. */
  double trainStep(int batch);
}
