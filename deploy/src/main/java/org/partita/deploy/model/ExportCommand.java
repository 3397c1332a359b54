package org.partita.deploy.model;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.partita.deploy.ExitCode;
import org.partita.models.data.DataPreparation;
import org.partita.models.data.FashionMnist;
import org.partita.models.network.ModelSpec;
import org.partita.models.onnx.ExportOptions;
import org.partita.models.onnx.OnnxExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code partita export}: a checkpoint of any plan, its shards merged, as an ONNX model (opset 17)
 * for ONNX Runtime and any other server that reads ONNX — see docs/EXPORT.md. The same weights
 * give the same file whichever plan saved them.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Write a trained checkpoint as an ONNX model (opset 17) to serve with ONNX Runtime & co.",
    footer = {"", "Examples:",
        "  partita export --checkpoint runs/cnn-20261124-040420/checkpoint --out cnn.onnx",
        "  partita export --checkpoint runs/cnn-20261124-040420/checkpoints --out cnn.onnx --force  # newest step-N",
        "", "Any checkpoint Partita writes works: whole or saved by the shards of any plan. The file takes",
        "samples as training read them before standardisation (for Fashion-MNIST: pixels / 255, shape",
        "N×1×28×28, or N×28×28 for the recurrent models); the standardisation is folded into the graph.",
        "Outputs: 'logits' and 'probabilities' for classifiers, 'predictions' for regression (docs/EXPORT.md)."})
public final class ExportCommand implements Callable<Integer> {

  @Option(names = "--checkpoint", required = true,
      description = "A checkpoint directory, or a directory of step-N checkpoints (the newest complete one).")
  Path checkpoint;

  @Option(names = "--out", required = true, description = "The ONNX file to write (e.g. model.onnx).")
  Path out;

  @Option(names = "--force", description = "Replace --out if it exists (default: refuse).")
  boolean force;

  @Option(names = "--data", description = "Fashion-MNIST directory, for the pixel statistics of an image classifier "
      + "whose checkpoint predates saved statistics (default: Debian's).")
  Path data = FashionMnist.DEBIAN_DIRECTORY;

  @Override
  public Integer call() throws Exception {
    if (Files.isDirectory(out)) {
      throw new IllegalArgumentException("--out " + out + " is a directory; name the .onnx file to write");
    }
    if (Files.exists(out) && !force) {
      throw new IllegalArgumentException("--out " + out + " already exists; pass --force to replace it");
    }
    PrintStream console = System.out;
    TrainedCheckpoint.Loaded loaded = TrainedCheckpoint.loadAny(checkpoint, data, console);
    ModelSpec spec = loaded.spec();
    ExportOptions options = options(loaded.preparation());
    OnnxExport.write(loaded.trainer().network(), options, out);
    console.printf(Locale.ROOT, "wrote %s (%,d bytes): ONNX opset %d, input '%s' %s%s; outputs %s%n", out,
        Files.size(out), OnnxExport.OPSET, OnnxExport.INPUT, OnnxExport.inputLayout(spec),
        options.inputs().isNone() ? "" : ", standardisation folded in",
        String.join(" and ", OnnxExport.outputNames(spec)));
    return ExitCode.OK;
  }

  /**
   * What the graph folds in: the feature standardisation training applied, the targets' for a
   * regression, the class names; nothing for a checkpoint trained on its inputs as they are.
   */
  private static ExportOptions options(DataPreparation preparation) {
    if (preparation == null) {
      return ExportOptions.NONE;
    }
    return ExportOptions.NONE.withInputs(preparation.features())
        .withTargets(preparation.targets()).withClassNames(preparation.classNames());
  }
}
