package org.partita.deploy.train;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.partita.models.train.EarlyStopping;
import picocli.CommandLine.Option;

/**
 * {@code --early-stop} and {@code --monitor}: watch a held-out metric every epoch, keep the best
 * epoch's checkpoint in RUN/best beside the last one in RUN/checkpoint, and end training once the
 * metric has not improved for a number of epochs.
 */
final class EarlyStopOptions {
  static final String BEST = "best";

  @Option(names = "--early-stop", paramLabel = "PATIENCE",
      description = "End training once the --monitor metric has not improved for PATIENCE epochs; RUN/best keeps the "
          + "best epoch's checkpoint. Needs held-out data.")
  Integer patience;

  @Option(names = "--monitor", paramLabel = "METRIC",
      description = "Held-out metric for --early-stop and RUN/best: test_loss (lower is better), test_accuracy or "
          + "test_r2 (higher is better); alone it only keeps RUN/best (default: test_loss).")
  String monitor;

  boolean active() {
    return patience != null || monitor != null;
  }

  /** Refuses a patience below 1 or an unknown metric before any work. */
  void validate() {
    if (patience != null && patience < 1) {
      throw new IllegalArgumentException("--early-stop takes a patience of at least 1 epoch, got " + patience);
    }
    if (monitor != null && !List.of("test_loss", "test_accuracy", "test_r2").contains(monitor)) {
      throw new IllegalArgumentException("--monitor '" + monitor + "' is not one of test_loss, test_accuracy, test_r2");
    }
  }

  /**
   * The watch for a run into {@code runDirectory}, or null without these flags. {@code r2OfLoss}
   * turns a held-out loss into R² for regression models (null for classifiers), and decides which
   * metrics make sense; {@code heldOut} says whether there is held-out data at all.
   */
  EarlyStopping create(Path runDirectory, boolean heldOut, DoubleUnaryOperator r2OfLoss) {
    if (!active()) {
      return null;
    }
    if (!heldOut) {
      throw new IllegalArgumentException("--early-stop and --monitor watch held-out data: give --test-data or "
          + "--validation-split");
    }
    String metric = monitor == null ? "test_loss" : monitor;
    EarlyStopping.Monitor watched = switch (metric) {
      case "test_accuracy" -> {
        if (r2OfLoss != null) {
          throw new IllegalArgumentException("--monitor test_accuracy is for classifiers; a regression has test_loss "
              + "and test_r2");
        }
        yield new EarlyStopping.Monitor(metric, epoch -> epoch.test().accuracy(), EarlyStopping.Goal.HIGHER);
      }
      case "test_r2" -> {
        if (r2OfLoss == null) {
          throw new IllegalArgumentException("--monitor test_r2 is for regression models (loss mse); a classifier has "
              + "test_loss and test_accuracy");
        }
        yield new EarlyStopping.Monitor(metric, epoch -> r2OfLoss.applyAsDouble(epoch.test().loss()),
            EarlyStopping.Goal.HIGHER);
      }
      default -> new EarlyStopping.Monitor(metric, epoch -> epoch.test().loss(), EarlyStopping.Goal.LOWER);
    };
    return new EarlyStopping(watched, patience == null ? 0 : patience, runDirectory.resolve(BEST));
  }

  /** What the watch saw, to the console and metrics.json. */
  static void report(EarlyStopping watch, PrintStream console, Map<String, Object> metrics) {
    if (watch == null || watch.bestEpoch() < 0) {
      return;
    }
    String name = watch.monitor().name();
    metrics.put("monitor", name);
    metrics.put("best_epoch", watch.bestEpoch() + 1);
    metrics.put("best_" + name, watch.best());
    metrics.put("stopped_early", watch.stoppedEarly());
    console.printf(Locale.ROOT, "%sbest epoch %d (%s %.4f): checkpoint in %s%n", watch.stoppedEarly()
        ? "early stop: " + name + " did not improve for " + watch.patience() + " epochs; " : "",
        watch.bestEpoch() + 1, name, watch.best(), watch.bestDirectory());
  }
}
