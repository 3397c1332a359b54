package org.partita.models.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.partita.models.layers.Shape;

/**
 * Fashion-MNIST from IDX files — by default Debian's {@code dataset-fashion-mnist} package at
 * /usr/share/datasets/fashion-mnist: 60,000 training and 10,000 test images of 28×28 grey pixels
 * in 10 classes. Pixels become floats in [0, 1], then are standardised with the training set's
 * mean and standard deviation (applied to both splits).
 */
public final class FashionMnist {
  public static final Path DEBIAN_DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");
  public static final Shape IMAGE = new Shape(1, 28, 28);
  public static final int CLASSES = 10;
  public static final String[] CLASS_NAMES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
      "Shirt", "Sneaker", "Bag", "Ankle boot"};

  private FashionMnist() {}

  /** Both splits, standardized with the training split's pixel mean and standard deviation. */
  public record Splits(ArrayDataset train, ArrayDataset test, double mean, double std) {}

  public static Splits load(Path directory) throws IOException {
    ReadOptions options = ReadOptions.of(ReadOptions.Expected.training(IMAGE, CLASSES, ReadOptions.TargetKind.CLASSES));
    IdxDirectory.Splits splits = IdxDirectory.read(directory, options);
    SampleData train = splits.train();
    if (!train.sampleShape().equals(IMAGE)) {
      throw new DataFormatException(Path.of(train.name()), "images are " + train.sampleShape() + ", Fashion-MNIST's are"
          + " 28×28");
    }
    Standardization pixels = Standardization.fit(train.features(), IMAGE.size(), 1);
    pixels.apply(train.features(), IMAGE.size());
    pixels.apply(splits.test().features(), IMAGE.size());
    return new Splits(dataset("fashion-mnist train", train), dataset("fashion-mnist t10k", splits.test()),
        pixels.mean()[0], pixels.std()[0]);
  }

  private static ArrayDataset dataset(String name, SampleData data) {
    return new ArrayDataset(name, data.sampleShape(), data.features(), data.targets());
  }

  /**
   * The images of an IDX file as intensities in [0, 1] (byte / 255, as training reads them), before
   * any standardisation: what a served model takes (its statistics are folded into the export).
   */
  public static float[] intensities(Path images) throws IOException {
    float[] pixels = IdxFile.read(images, 3).floats();
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] /= 255f;
    }
    return pixels;
  }

  /**
   * Images as CSV, one per line: {@code width} pixel intensities 0–255, or {@code width} + 1 values
   * with the label first when the first line is a header starting with "label" (the common
   * Fashion-MNIST CSV layout; the labels are ignored) — the layout predict reads for models trained
   * on images. Scaled to [0, 1] as IDX bytes are, so both give the same inputs.
   */
  public static float[] csvPixels(Path file, int width) throws IOException {
    java.util.List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new DataFormatException(file, "file not found", e);
    }
    String head = lines.isEmpty() ? "" : lines.get(0).trim();
    boolean header = !head.isEmpty() && !Character.isDigit(head.charAt(0));
    boolean labelled = header && head.toLowerCase(java.util.Locale.ROOT).startsWith("label");
    int first = header ? 1 : 0;
    int columns = width + (labelled ? 1 : 0);
    CsvReader.FloatBuffer pixels = new CsvReader.FloatBuffer();
    float[] row = new float[width];
    for (int i = first; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty()) {
        continue;
      }
      String[] values = line.split(",");
      if (values.length != columns) {
        throw new DataFormatException(file, "line " + (i + 1) + " has " + values.length + " values; an image is "
            + width + " pixel values" + (labelled ? " after the label" : ""));
      }
      for (int j = 0; j < width; j++) {
        String text = values[j + (labelled ? 1 : 0)].trim();
        double value;
        try {
          value = Double.parseDouble(text);
        } catch (NumberFormatException e) {
          throw new DataFormatException(file, "line " + (i + 1) + ", pixel " + j + ": '" + text + "' is not a number");
        }
        if (!(value >= 0 && value <= 255)) {
          throw new DataFormatException(file, "line " + (i + 1) + ", pixel " + j + ": " + text
              + " is not an intensity 0–255");
        }
        row[j] = (float) value / 255f; // as the IDX path scales
      }
      pixels.add(row, width);
    }
    if (pixels.size() == 0) {
      throw new DataFormatException(file, "no images in it");
    }
    return pixels.toArray();
  }
}
