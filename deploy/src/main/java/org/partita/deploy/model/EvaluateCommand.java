package org.partita.deploy.model;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.partita.deploy.BlasThreads;
import org.partita.deploy.DataOptions;
import org.partita.deploy.ExitCode;
import org.partita.deploy.RunData;
import org.partita.models.data.ArrayDataset;
import org.partita.models.train.Evaluation;
import org.partita.models.train.RegressionMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code partita evaluate}: a checkpoint's loss and accuracy (regression: R², RMSE, MAE in the
 * targets' units) on held-out samples — the ones training
 * held out (--test-data, --validation-split, Fashion-MNIST's test split) or a file of labelled
 * samples — prepared with the statistics saved in the checkpoint.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Test loss and accuracy (regression: R², RMSE, MAE) of a trained checkpoint on held-out samples "
        + "(default: the Fashion-MNIST test images).",
    footer = {"", "Examples:",
        "  partita evaluate --checkpoint runs/cnn-20261124-040420/checkpoint",
        "  partita evaluate --checkpoint runs/cnn-20261124-040420/checkpoints    # the newest step-N",
        "  partita evaluate --checkpoint runs/iris/best --data iris-test.csv",
        "  partita evaluate --checkpoint runs/iris/checkpoint --data iris.csv --validation-split 0.2",
        "", "Any checkpoint Partita writes works: whole or saved by the shards of any plan. Samples are read with the",
        "same flags as train takes and standardised with the checkpoint's statistics; --validation-split holds out",
        "the same rows as training did (it draws them from the checkpoint's seed)."})
public final class EvaluateCommand implements Callable<Integer> {

  @Option(names = "--checkpoint", required = true,
      description = "A checkpoint directory, or a directory of step-N checkpoints (the newest complete one).")
  Path checkpoint;

  @Mixin
  DataOptions data = new DataOptions();

  @Mixin
  BlasThreads blasThreads = new BlasThreads();

  @Override
  public Integer call() throws Exception {
    Integer restarted = blasThreads.restartIfNeeded("evaluate");
    if (restarted != null) {
      return restarted;
    }
    data.validate();
    TrainedCheckpoint.Loaded loaded = TrainedCheckpoint.load(checkpoint, data.fashionMnistDirectory(), System.out);
    ArrayDataset heldOut = RunData.evaluation(data, loaded.spec(), loaded.preparation(),
        loaded.checkpoint().position().seed());
    long start = System.nanoTime();
    Evaluation result = loaded.trainer().evaluate(heldOut);
    double seconds = (System.nanoTime() - start) / 1e9;
    if (loaded.preparation().isRegression()) {
      RegressionMetrics metrics = RegressionMetrics.of(loaded.trainer().network(), heldOut, loaded.preparation());
      for (int t = 0; t < metrics.targets().size(); t++) {
        System.out.printf(Locale.ROOT, "%s: R² %.4f, RMSE %.6g, MAE %.6g%n", metrics.targets().get(t), metrics.r2()[t],
            metrics.rmse()[t], metrics.mae()[t]);
      }
      System.out.printf(Locale.ROOT, "test loss %.4f (standardised targets), R² %.4f on %,d samples (%.1f s)%n",
          result.loss(), metrics.meanR2(), result.samples(), seconds);
      System.out.printf(Locale.ROOT, "RESULT test_r2=%.4f test_rmse=%.6g test_mae=%.6g test_loss=%.4f%n",
          metrics.meanR2(), metrics.meanRmse(), metrics.meanMae(), result.loss());
      return ExitCode.OK;
    }
    System.out.printf(Locale.ROOT, "test loss %.4f, accuracy %.2f%% on %,d samples (%.1f s)%n", result.loss(),
        100 * result.accuracy(), result.samples(), seconds);
    System.out.printf(Locale.ROOT, "RESULT test_accuracy=%.4f test_loss=%.4f%n", result.accuracy(), result.loss());
    return ExitCode.OK;
  }
}
