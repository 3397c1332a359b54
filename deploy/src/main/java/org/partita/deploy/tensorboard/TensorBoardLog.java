package org.partita.deploy.tensorboard;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.partita.deploy.tensorboard.EventFile.Scalar;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.EpochMetrics;
import org.partita.models.train.StepMetrics;
import org.partita.models.train.TrainingListener;

/**
 * A run's curves as TensorBoard scalars in {@code RUN/tb}: per optimizer step the batch's loss and
 * accuracy, samples per second and the learning rate the step used ({@code train/…}); per epoch
 * the epoch's means and the held-out evaluation ({@code epoch/…}) at the epoch's last step. Point
 * TensorBoard at the run folder, or at a folder of runs to compare them.
 *
 * <p>Writes go to a buffer that is flushed at most about once a second and at every epoch, so a
 * step costs a protobuf encoding and a copy. A write that fails (disk full) stops the log with one
 * message rather than failing the training it watches.
 */
public final class TensorBoardLog implements TrainingListener, AutoCloseable {
  private static final long FLUSH_NANOS = 1_000_000_000L;

  private final EventFile file;
  private final OptimizerSpec optimizer;
  private final java.util.function.Consumer<String> warn;
  private long lastFlush = System.nanoTime();
  private long lastStep;
  private boolean failed;

  private TensorBoardLog(EventFile file, OptimizerSpec optimizer, java.util.function.Consumer<String> warn) {
    this.file = file;
    this.optimizer = optimizer;
    this.warn = warn;
  }

  /** A new event file in {@code runDirectory/tb}; {@code optimizer} gives each step's learning rate. */
  public static TensorBoardLog open(Path runDirectory, OptimizerSpec optimizer, java.util.function.Consumer<String> warn)
      throws IOException {
    return new TensorBoardLog(EventFile.create(runDirectory.resolve("tb")), optimizer, warn);
  }

  public Path path() {
    return file.path();
  }

  @Override
  public void onStep(StepMetrics m) {
    lastStep = m.globalStep();
    // globalStep counts the steps done; the one just done ran with the rate of index globalStep - 1.
    write(m.globalStep(), List.of(new Scalar("train/loss", m.loss()), new Scalar("train/accuracy", m.accuracy()),
        new Scalar("train/samples_per_second", m.samplesPerSecond()),
        new Scalar("train/learning_rate", optimizer.learningRateAt(Math.max(0, m.globalStep() - 1)))), false);
  }

  @Override
  public void onEpoch(EpochMetrics m) {
    List<Scalar> scalars = new ArrayList<>(List.of(new Scalar("epoch/train_loss", m.trainLoss()),
        new Scalar("epoch/train_accuracy", m.trainAccuracy()), new Scalar("epoch/seconds", m.seconds())));
    if (m.test() != null) {
      scalars.add(new Scalar("epoch/test_loss", m.test().loss()));
      scalars.add(new Scalar("epoch/test_accuracy", m.test().accuracy()));
    }
    write(lastStep, scalars, true);
  }

  private void write(long step, List<Scalar> scalars, boolean flush) {
    if (failed) {
      return;
    }
    try {
      file.scalars(step, scalars);
      long now = System.nanoTime();
      if (flush || now - lastFlush > FLUSH_NANOS) {
        file.flush();
        lastFlush = now;
      }
    } catch (IOException | UncheckedIOException e) {
      failed = true;
      warn.accept("TensorBoard log " + file.path() + " stopped: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    try {
      file.close();
    } catch (IOException e) {
      warn.accept("TensorBoard log " + file.path() + ": " + e.getMessage());
    }
  }
}
