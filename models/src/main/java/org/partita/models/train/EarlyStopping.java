package org.partita.models.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.ToDoubleFunction;
import org.partita.models.io.ModelCheckpoint;

/**
 * Watches a held-out metric after every epoch: the checkpoint of the best epoch so far is saved
 * into one directory (each better epoch's replacing the last, manifest last as always), and once
 * the metric has not improved for {@code patience} epochs in a row training ends there (0: never
 * end early, only keep the best). Its state lives as long as the run, so a cluster run that
 * recovers from a lost worker and repeats epochs goes on comparing with the best seen.
 */
public final class EarlyStopping {
  /** Which way is better. */
  public enum Goal { LOWER, HIGHER }

  /** A named metric of an epoch's held-out evaluation, and which way is better. */
  public record Monitor(String name, ToDoubleFunction<EpochMetrics> value, Goal goal) {}

  private final Monitor monitor;
  private final int patience;
  private final Path bestDirectory;
  private double best = Double.NaN;
  private int bestEpoch = -1;
  private int sinceBest;
  private boolean stopped;

  public EarlyStopping(Monitor monitor, int patience, Path bestDirectory) {
    if (patience < 0) {
      throw new IllegalArgumentException("patience must be ≥ 0 epochs, got " + patience);
    }
    this.monitor = monitor;
    this.patience = patience;
    this.bestDirectory = bestDirectory;
  }

  /**
   * After epoch {@code metrics.epoch()} ends with the runner at {@code position}: saves its
   * checkpoint when it is the best yet; true when training should end here.
   */
  boolean afterEpoch(StepRunner runner, EpochMetrics metrics, ModelCheckpoint.Position position) {
    if (metrics.test() == null) {
      return false;
    }
    double value = monitor.value().applyAsDouble(metrics);
    boolean better = Double.isFinite(value) && (bestEpoch < 0 || !Double.isFinite(best)
        || (monitor.goal() == Goal.LOWER ? value < best : value > best));
    if (better || bestEpoch < 0) {
      best = value;
      bestEpoch = metrics.epoch();
      sinceBest = 0;
      try {
        Files.createDirectories(bestDirectory);
        runner.saveCheckpoint(bestDirectory, position);
      } catch (IOException e) {
        throw new UncheckedIOException("saving the best checkpoint " + bestDirectory + ": " + e.getMessage(), e);
      }
      return false;
    }
    sinceBest++;
    stopped = patience > 0 && sinceBest >= patience;
    return stopped;
  }

  public Monitor monitor() {
    return monitor;
  }

  public Path bestDirectory() {
    return bestDirectory;
  }

  /** The best epoch so far (0-based), −1 before any. */
  public int bestEpoch() {
    return bestEpoch;
  }

  public double best() {
    return best;
  }

  /** True when training ended because the metric stopped improving. */
  public boolean stoppedEarly() {
    return stopped;
  }

  public int patience() {
    return patience;
  }
}
