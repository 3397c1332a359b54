package org.partita.models.train;

/**
 * Where {@link TrainingLoop}'s global batches come from and how each becomes an optimizer step:
 * a {@link org.partita.models.data.Dataset} in this process copied batch by batch ({@link TrainingLoop#fit}), or samples
 * kept on the nodes that train on them, where only the batch's number travels.
 */
public interface BatchFeed {
  /** Names the data in messages. */
  String name();

  /** Samples per epoch. */
  int samples();

  /**
   * One optimizer step on batch {@code batch} of {@code epoch}: the epoch's samples
   * [{@code from}, {@code from + count}) in the feed's order for that epoch.
   */
  StepRunner.StepResult trainStep(int epoch, int batch, int from, int count);
}
