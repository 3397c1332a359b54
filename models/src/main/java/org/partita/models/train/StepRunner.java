package org.partita.models.train;

import java.io.IOException;
import java.nio.file.Path;
import org.jblas.FloatMatrix;
import org.partita.models.data.Dataset;
import org.partita.models.io.ModelCheckpoint;
import org.partita.models.network.ModelSpec;

/**
 * What {@link TrainingLoop} needs from whatever computes optimizer steps: the single-process
 * {@link LocalTrainer}, or a cluster of shards behind the runtime's gateway. The loop owns the data
 * order and the metrics; a runner owns the model.
 */
public interface StepRunner {
  ModelSpec spec();

  /** Optimizer steps taken so far; the next step's index. */
  long step();

  /**
   * One optimizer step on one global batch: inputs (features × B), one-hot targets
   * (classes·groups × B). Returns the loss summed over the batch's predictions and how many were
   * right. Throws {@link TrainingDivergedException} without applying the update when the loss or
   * a gradient is not finite.
   */
  StepResult trainStep(FloatMatrix inputs, FloatMatrix targets, int epoch);

  /**
   * Wall-clock seconds for {@code steps} training steps on the same batch: what benchmarks time
   * (the values learned are beside the point there).
   */
  default double timeSteps(FloatMatrix inputs, FloatMatrix targets, int steps) {
    long start = System.nanoTime();
    for (int s = 0; s < steps; s++) {
      trainStep(inputs, targets, 0);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /** Mean loss and accuracy per prediction over a dataset, without dropout and without updates. */
  Evaluation evaluate(Dataset data);

  /** Recurrent layers start the next batch from a zero state (a new epoch of streams). */
  void resetRecurrentState();

  /** Recurrent layers start the next batch from the final state of the last one (streams continue). */
  void carryRecurrentState();

  /**
   * Saves the model's state (parameters and optimizer state, however split) into the empty
   * checkpoint directory {@code directory} with the training position.
   */
  void saveCheckpoint(Path directory, ModelCheckpoint.Position position) throws IOException;

  /** Loss summed over a batch's predictions and the number of correct ones. */
  record StepResult(double lossSum, long correct) {}
}
