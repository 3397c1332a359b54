package org.partita.models.train;

import org.partita.models.data.DataPreparation;
import org.partita.models.optim.OptimizerSpec;

/**
 * How to train: epochs, global batch size, the seed of the data order, the optimizer, how
 * batches are drawn, and how the samples were prepared (null: not recorded), which every
 * checkpoint of the run saves so that evaluate and predict prepare new samples the same way.
 */
public record TrainingConfig(int epochs, int batchSize, long shuffleSeed, OptimizerSpec optimizer, BatchOrder order,
    DataPreparation preparation) {

  /** How samples become batches. */
  public enum BatchOrder {
    /** A fresh permutation of all samples every epoch, from (shuffle seed, epoch). */
    SHUFFLED,
    /**
     * Sample k·B + b is window k of stream b: batches are taken in order, and recurrent state is
     * carried from each batch to the next within an epoch (truncated BPTT over long streams).
     */
    STREAMS
  }

  public TrainingConfig(int epochs, int batchSize, long shuffleSeed, OptimizerSpec optimizer) {
    this(epochs, batchSize, shuffleSeed, optimizer, BatchOrder.SHUFFLED);
  }

  public TrainingConfig(int epochs, int batchSize, long shuffleSeed, OptimizerSpec optimizer, BatchOrder order) {
    this(epochs, batchSize, shuffleSeed, optimizer, order, null);
  }

  public TrainingConfig withPreparation(DataPreparation other) {
    return new TrainingConfig(epochs, batchSize, shuffleSeed, optimizer, order, other);
  }

  public TrainingConfig {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be ≥ 1, got " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
    }
    if (optimizer == null || order == null) {
      throw new IllegalArgumentException("an optimizer and a batch order are required");
    }
  }
}
