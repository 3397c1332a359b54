package org.partita.models.train;

import org.partita.models.optim.OptimizerSpec;

/** How to train: epochs, global batch size, the seed of the data order, the optimizer. */
public record TrainingConfig(int epochs, int batchSize, long shuffleSeed, OptimizerSpec optimizer) {
  public TrainingConfig {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be ≥ 1, got " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
    }
    if (optimizer == null) {
      throw new IllegalArgumentException("an optimizer is required");
    }
  }
}
