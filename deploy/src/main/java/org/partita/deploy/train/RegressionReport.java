package org.partita.deploy.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.IntStream;
import org.partita.deploy.RunData;
import org.partita.deploy.report.PngChart;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.DataPreparation;
import org.partita.models.network.Network;
import org.partita.models.train.EpochMetrics;
import org.partita.models.train.RegressionMetrics;
import org.partita.models.train.TrainingReport;

/**
 * What a regression run (a model with loss mse) reports instead of accuracy: R² every epoch,
 * from the mean squared error of the standardised targets (so the cluster's per-epoch losses give
 * it too), plotted in r2.png; and the final model's RMSE, MAE and R² on the held-out samples in the
 * targets' own units, in metrics.json and the RESULT line.
 */
final class RegressionReport {
  private final DoubleUnaryOperator trainR2;
  private final DoubleUnaryOperator heldOutR2;
  private final ArrayDataset heldOut;
  private final DataPreparation preparation;

  RegressionReport(RunData.ForTraining data) {
    this.trainR2 = RegressionMetrics.r2OfLoss(data.train());
    this.heldOut = data.heldOut();
    this.heldOutR2 = heldOut == null ? loss -> Double.NaN : RegressionMetrics.r2OfLoss(heldOut);
    this.preparation = data.preparation();
  }

  /** R² of a training loss. */
  DoubleUnaryOperator trainR2() {
    return trainR2;
  }

  /** R² of a held-out loss (NaN without held-out samples). */
  DoubleUnaryOperator heldOutR2() {
    return heldOutR2;
  }

  double trainR2(EpochMetrics epoch) {
    return trainR2.applyAsDouble(epoch.trainLoss());
  }

  double heldOutR2(EpochMetrics epoch) {
    return epoch.test() == null ? Double.NaN : heldOutR2.applyAsDouble(epoch.test().loss());
  }

  /** r2.png: train and held-out R² by epoch. */
  void plot(Path runDirectory, String model, List<EpochMetrics> epochs) throws IOException {
    double[] x = IntStream.rangeClosed(1, epochs.size()).asDoubleStream().toArray();
    PngChart.lines(runDirectory.resolve("r2.png"), model + ": R² by epoch", new PngChart.Axis("epoch",
        PngChart.Scale.LINEAR), new PngChart.Axis("R² (1 = perfect, 0 = the mean)", PngChart.Scale.LINEAR), List.of(
            new PngChart.Series("train", PngChart.Style.LINE, x, epochs.stream().mapToDouble(this::trainR2).toArray()),
            new PngChart.Series("test", PngChart.Style.LINE, x,
                epochs.stream().mapToDouble(this::heldOutR2).toArray())));
  }

  /**
   * Replaces the accuracy entries of {@code metrics} with R² by epoch and, with held-out samples,
   * the final {@code network}'s metrics on them (returned; null without held-out samples).
   */
  RegressionMetrics addTo(Map<String, Object> metrics, TrainingReport report, Network network) {
    metrics.remove("test_accuracy");
    metrics.remove("train_accuracy_per_epoch");
    metrics.remove("test_accuracy_per_epoch");
    metrics.put("targets", preparation.labelNames());
    metrics.put("train_r2_per_epoch", report.epochs().stream().map(e -> (Object) trainR2(e)).toList());
    if (heldOut == null) {
      return null;
    }
    metrics.put("test_r2_per_epoch", report.epochs().stream().map(e -> (Object) heldOutR2(e)).toList());
    RegressionMetrics last = RegressionMetrics.of(network, heldOut, preparation);
    metrics.put("test_r2", last.meanR2());
    metrics.put("test_rmse", last.meanRmse());
    metrics.put("test_mae", last.meanMae());
    if (last.targets().size() > 1) {
      metrics.put("test_r2_per_target", perTarget(last, last.r2()));
      metrics.put("test_rmse_per_target", perTarget(last, last.rmse()));
      metrics.put("test_mae_per_target", perTarget(last, last.mae()));
    }
    return last;
  }

  private static Map<String, Object> perTarget(RegressionMetrics metrics, double[] values) {
    Map<String, Object> named = new LinkedHashMap<>();
    for (int t = 0; t < values.length; t++) {
      named.put(metrics.targets().get(t), values[t]);
    }
    return named;
  }

  /** The closing lines: the held-out metrics per target and the machine-readable RESULT. */
  static void printResult(PrintStream console, RegressionMetrics last, double samplesPerSecond) {
    for (int t = 0; t < last.targets().size(); t++) {
      console.printf(Locale.ROOT, "test %s: R² %.4f, RMSE %.6g, MAE %.6g%n", last.targets().get(t), last.r2()[t],
          last.rmse()[t], last.mae()[t]);
    }
    console.printf(Locale.ROOT, "test R² %.4f on %,d samples · %,.0f samples/s%n", last.meanR2(), last.samples(),
        samplesPerSecond);
    console.printf(Locale.ROOT, "RESULT test_r2=%.4f test_rmse=%.6g test_mae=%.6g samples_per_second=%.1f%n",
        last.meanR2(), last.meanRmse(), last.meanMae(), samplesPerSecond);
  }
}
