package org.partita.deploy.model;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.partita.deploy.ExitCode;
import org.partita.deploy.BlasThreads;
import org.partita.models.data.FashionMnist;
import org.partita.models.train.Evaluation;
import org.partita.models.train.LocalTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code partita evaluate}: a checkpoint's loss and accuracy on the Fashion-MNIST test split. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Test loss and accuracy of a trained checkpoint on the Fashion-MNIST test images.",
    footer = {"", "Examples:",
        "  partita evaluate --checkpoint runs/cnn-20261124-040420/checkpoint",
        "  partita evaluate --checkpoint runs/cnn-20261124-040420/checkpoints    # the newest step-N",
        "", "Any checkpoint Partita writes works: whole or saved by the shards of any plan."})
public final class EvaluateCommand implements Callable<Integer> {

  @Option(names = "--checkpoint", required = true,
      description = "A checkpoint directory, or a directory of step-N checkpoints (the newest complete one).")
  Path checkpoint;

  @Option(names = "--data", description = "Directory with the Fashion-MNIST IDX files (default: Debian's).")
  Path data = FashionMnist.DEBIAN_DIRECTORY;

  @Mixin
  BlasThreads blasThreads = new BlasThreads();

  @Override
  public Integer call() throws Exception {
    Integer restarted = blasThreads.restartIfNeeded("evaluate");
    if (restarted != null) {
      return restarted;
    }
    LocalTrainer trainer = TrainedCheckpoint.load(checkpoint, data, System.out).trainer();
    FashionMnist.Splits splits = FashionMnist.load(data);
    long start = System.nanoTime();
    Evaluation result = trainer.evaluate(splits.test());
    System.out.printf(Locale.ROOT, "test loss %.4f, accuracy %.2f%% on %,d images (%.1f s)%n", result.loss(),
        100 * result.accuracy(), result.samples(), (System.nanoTime() - start) / 1e9);
    System.out.printf(Locale.ROOT, "RESULT test_accuracy=%.4f test_loss=%.4f%n", result.accuracy(), result.loss());
    return ExitCode.OK;
  }
}
