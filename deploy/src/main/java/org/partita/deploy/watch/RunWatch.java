package org.partita.deploy.watch;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import org.partita.deploy.tensorboard.TensorBoardLog;
import org.partita.models.train.EpochMetrics;
import org.partita.models.train.StepMetrics;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;

/**
 * Everything that watches one training run from the side: the TensorBoard log in RUN/tb. It hears
 * the run through the listener {@link #listener} wraps around the progress lines, on the training
 * thread, and never stops or slows it: a watcher that fails says so once and drops out.
 */
public final class RunWatch implements AutoCloseable {
  private final TensorBoardLog tensorBoard;

  private RunWatch(TensorBoardLog tensorBoard) {
    this.tensorBoard = tensorBoard;
  }

  /** Starts watching a run that writes into {@code runDirectory} with {@code config}; notes go to {@code console}. */
  public static RunWatch open(Path runDirectory, TrainingConfig config, PrintStream console) throws IOException {
    return new RunWatch(TensorBoardLog.open(runDirectory, config.optimizer(),
        message -> console.println("watch: " + message)));
  }

  /** {@code progress} (which decides when to stop) followed by every watcher. */
  public TrainingListener listener(TrainingListener progress) {
    return new TrainingListener() {
      @Override
      public void onStep(StepMetrics metrics) {
        progress.onStep(metrics);
        tensorBoard.onStep(metrics);
      }

      @Override
      public void onEpoch(EpochMetrics metrics) {
        progress.onEpoch(metrics);
        tensorBoard.onEpoch(metrics);
      }

      @Override
      public boolean stopRequested() {
        return progress.stopRequested();
      }
    };
  }

  @Override
  public void close() {
    tensorBoard.close();
  }
}
