package org.partita.deploy.model;

import java.io.BufferedWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jblas.FloatMatrix;
import org.partita.deploy.BlasThreads;
import org.partita.deploy.DataOptions;
import org.partita.deploy.ExitCode;
import org.partita.deploy.RunData;
import org.partita.models.data.DataPreparation;
import org.partita.models.data.SampleData;
import org.partita.models.layers.BatchContext;
import org.partita.models.loss.Loss;
import org.partita.models.network.Network;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code partita predict}: a checkpoint's answers for every sample of a file, as CSV — the class
 * and its probabilities for a classifier, the targets in their own units for a regression.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "Predict with a trained checkpoint for every sample of --data (any format train reads); writes CSV.",
    footer = {"", "Examples:",
        "  partita predict --checkpoint runs/cnn-…/checkpoint --data my-images-idx3-ubyte --out predictions.csv",
        "  partita predict --checkpoint runs/iris/checkpoint --data new-flowers.csv --out species.csv",
        "", "Samples are prepared as the training samples were (statistics saved in the checkpoint). A CSV needs the",
        "feature columns training used, by name; its label column, if present, is ignored. A CSV given to a model",
        "trained on images holds pixel intensities 0–255, one image per line (785 after a 'label,…' header).",
        "Classifier CSV: index, class, class_name, probability, then the probability of each class.",
        "Regression CSV: index, then one column per target, in the targets' units."})
public final class PredictCommand implements Callable<Integer> {
  private static final int BATCH = 500;

  @Option(names = "--checkpoint", required = true,
      description = "A checkpoint directory, or a directory of step-N checkpoints (the newest complete one).")
  Path checkpoint;

  @Option(names = "--images", description = "Older name for the file to predict (--data then only names the "
      + "Fashion-MNIST directory that checkpoints from before saved statistics need).")
  Path images;

  @Option(names = "--out", required = true, description = "CSV file to write (replaced).")
  Path out;

  @Mixin
  DataOptions data = new DataOptions();

  @Mixin
  BlasThreads blasThreads = new BlasThreads();

  @Override
  public Integer call() throws Exception {
    Integer restarted = blasThreads.restartIfNeeded("predict");
    if (restarted != null) {
      return restarted;
    }
    data.validate();
    PrintStream console = System.out;
    TrainedCheckpoint.Loaded loaded = TrainedCheckpoint.load(checkpoint, data.fashionMnistDirectory(), console);
    Path input = images != null ? images : data.data();
    DataPreparation preparation = loaded.preparation();
    SampleData samples = RunData.prediction(data, input, loaded.spec(), preparation);
    int width = samples.sampleShape().size();
    int count = samples.size();
    Network network = loaded.trainer().network();
    List<String> classes = preparation.classNames();
    int[] perClass = new int[classes.size()];
    Path partial = out.resolveSibling(out.getFileName() + ".partial");
    try (BufferedWriter writer = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
      StringBuilder header = new StringBuilder("index");
      if (preparation.isRegression()) {
        preparation.labelNames().forEach(name -> header.append(',').append(name.matches("[^,\"\\s]*") ? name
            : quoted(name)));
      } else {
        header.append(",class,class_name,probability");
        classes.forEach(name -> header.append(",p_").append(name.replaceAll("[^A-Za-z0-9]", "")
            .toLowerCase(Locale.ROOT)));
      }
      writer.write(header.append('\n').toString());
      for (int from = 0; from < count; from += BATCH) {
        int n = Math.min(BATCH, count - from);
        FloatMatrix inputs = new FloatMatrix(width, n);
        System.arraycopy(samples.features(), from * width, inputs.data, 0, n * width);
        FloatMatrix outputs = network.forward(inputs, BatchContext.inference());
        if (preparation.isRegression()) {
          writeValues(writer, from, outputs, preparation);
        } else {
          writeClasses(writer, from, outputs, classes, perClass);
        }
      }
    }
    Files.move(partial, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    console.printf(Locale.ROOT, "predicted %,d samples from %s into %s%n", count, input, out);
    for (int c = 0; c < perClass.length; c++) {
      console.printf(Locale.ROOT, "  %-12s %,7d%n", classes.get(c), perClass[c]);
    }
    return ExitCode.OK;
  }

  /** One line per sample: its index, best class, the class's name and probability, every class's probability. */
  private static void writeClasses(BufferedWriter writer, int from, FloatMatrix logits, List<String> classes,
      int[] perClass) throws java.io.IOException {
    for (int b = 0; b < logits.columns; b++) {
      double[] probability = Loss.softmax(logits, b);
      int best = Loss.argmax(logits.data, b * logits.rows, logits.rows);
      perClass[best]++;
      StringBuilder line = new StringBuilder().append(from + b).append(',').append(best).append(',')
          .append(quoted(classes.get(best))).append(',').append(String.format(Locale.ROOT, "%.6f", probability[best]));
      for (double p : probability) {
        line.append(',').append(String.format(Locale.ROOT, "%.6f", p));
      }
      writer.write(line.append('\n').toString());
    }
  }

  /** One line per sample: its index and each target, taken back to its own units. */
  private static void writeValues(BufferedWriter writer, int from, FloatMatrix outputs, DataPreparation preparation)
      throws java.io.IOException {
    float[] values = outputs.data.clone();
    preparation.targetsInUnits(values, outputs.rows);
    for (int b = 0; b < outputs.columns; b++) {
      StringBuilder line = new StringBuilder().append(from + b);
      for (int k = 0; k < outputs.rows; k++) {
        line.append(',').append(String.format(Locale.ROOT, "%.7g", values[b * outputs.rows + k]));
      }
      writer.write(line.append('\n').toString());
    }
  }

  private static String quoted(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }
}
