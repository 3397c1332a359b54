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

  /**
   * Runs steps on the same batch, in groups of {@code group}, until the time per step stops
   * improving ({@link WarmUpPlateau}) after at least {@code minSeconds}, or for {@code maxSeconds}
   * in all. A runner's first steps are slow while the JIT compiles its kernels. Worker JVMs started
   * just before a benchmark compile theirs, their messaging and TLS code for 15–25 s of steps on a
   * shared 2-core machine; two groups within 10% of each other said "settled" after 10 s there,
   * and the timed rounds then came out 20–30% slower than later ones. Returns what it ran.
   */
  default WarmUp warmUp(FloatMatrix inputs, FloatMatrix targets, int group, double minSeconds, double maxSeconds) {
    long start = System.nanoTime();
    WarmUpPlateau plateau = new WarmUpPlateau(minSeconds);
    double first = Double.NaN;
    int steps = 0;
    while (true) {
      double perStep = timeSteps(inputs, targets, group) / group;
      steps += group;
      first = Double.isNaN(first) ? perStep : first;
      double elapsed = (System.nanoTime() - start) / 1e9;
      boolean settled = plateau.settled(elapsed, perStep);
      if (settled || elapsed >= maxSeconds) {
        return new WarmUp(steps, elapsed, first, plateau.recentSecondsPerStep(), settled);
      }
    }
  }

  /**
   * What {@link #warmUp} ran: steps, seconds, the first group's seconds per step and the recent
   * window's median, and whether it stopped improving.
   */
  record WarmUp(int steps, double seconds, double firstStepSeconds, double lastStepSeconds, boolean settled) {
    public String describe() {
      return String.format(java.util.Locale.ROOT, "%d steps in %.1f s, %.1f → %.1f ms per step%s", steps, seconds,
          firstStepSeconds * 1e3, lastStepSeconds * 1e3, settled ? "" : " (still improving)");
    }
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
