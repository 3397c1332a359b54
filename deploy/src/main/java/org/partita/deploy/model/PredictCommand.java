package org.partita.deploy.model;

import java.io.BufferedWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jblas.FloatMatrix;
import org.partita.deploy.ExitCode;
import org.partita.deploy.BlasThreads;
import org.partita.models.data.FashionMnist;
import org.partita.models.layers.BatchContext;
import org.partita.models.loss.Loss;
import org.partita.models.network.Network;
import org.partita.models.train.LocalTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code partita predict}: class predictions of a checkpoint for the images of an IDX file, as CSV. */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "Classify 28×28 images (an IDX or CSV file) with a trained checkpoint; writes CSV.",
    footer = {"", "Examples:",
        "  partita predict --checkpoint runs/cnn-…/checkpoint --images my-images-idx3-ubyte --out predictions.csv",
        "", "Images are scaled and standardized as the training images were (statistics from --data).",
        "CSV columns: index, class, class_name, probability, then the probability of each class."})
public final class PredictCommand implements Callable<Integer> {
  private static final int BATCH = 500;

  @Option(names = "--checkpoint", required = true,
      description = "A checkpoint directory, or a directory of step-N checkpoints (the newest complete one).")
  Path checkpoint;

  @Option(names = "--images", required = true, description = "IDX file of 28×28 unsigned-byte images (.gz too),"
      + " or .csv: 784 intensities 0–255 per line (or 785 after a 'label,…' header, label first).")
  Path images;

  @Option(names = "--out", required = true, description = "CSV file to write (replaced).")
  Path out;

  @Option(names = "--data", description = "Fashion-MNIST directory, for the training images' statistics "
      + "(default: Debian's).")
  Path data = FashionMnist.DEBIAN_DIRECTORY;

  @Mixin
  BlasThreads blasThreads = new BlasThreads();

  @Override
  public Integer call() throws Exception {
    Integer restarted = blasThreads.restartIfNeeded("predict");
    if (restarted != null) {
      return restarted;
    }
    PrintStream console = System.out;
    TrainedCheckpoint.Loaded loaded = TrainedCheckpoint.load(checkpoint, data, console);
    LocalTrainer trainer = loaded.trainer();
    int width = FashionMnist.IMAGE.size();
    float[] pixels = images.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")
        ? FashionMnist.csvPixels(images, width) : FashionMnist.pixels(images);
    loaded.preparation().features().apply(pixels, width);
    int count = pixels.length / width;
    Network network = trainer.network();
    int[] perClass = new int[FashionMnist.CLASSES];
    Path partial = out.resolveSibling(out.getFileName() + ".partial");
    try (BufferedWriter writer = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
      StringBuilder header = new StringBuilder("index,class,class_name,probability");
      for (String name : FashionMnist.CLASS_NAMES) {
        header.append(",p_").append(name.replaceAll("[^A-Za-z]", "").toLowerCase(Locale.ROOT));
      }
      writer.write(header.append('\n').toString());
      for (int from = 0; from < count; from += BATCH) {
        int n = Math.min(BATCH, count - from);
        FloatMatrix inputs = new FloatMatrix(width, n);
        System.arraycopy(pixels, from * width, inputs.data, 0, n * width);
        FloatMatrix logits = network.forward(inputs, BatchContext.inference());
        for (int b = 0; b < n; b++) {
          double[] probability = Loss.softmax(logits, b);
          int best = Loss.argmax(logits.data, b * logits.rows, logits.rows);
          perClass[best]++;
          StringBuilder line = new StringBuilder().append(from + b).append(',').append(best).append(",\"")
              .append(FashionMnist.CLASS_NAMES[best]).append("\",").append(String.format(Locale.ROOT, "%.6f",
                  probability[best]));
          for (double p : probability) {
            line.append(',').append(String.format(Locale.ROOT, "%.6f", p));
          }
          writer.write(line.append('\n').toString());
        }
      }
    }
    Files.move(partial, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    console.printf(Locale.ROOT, "predicted %,d images from %s into %s%n", count, images, out);
    for (int c = 0; c < perClass.length; c++) {
      console.printf(Locale.ROOT, "  %-12s %,7d%n", FashionMnist.CLASS_NAMES[c], perClass[c]);
    }
    return ExitCode.OK;
  }
}
