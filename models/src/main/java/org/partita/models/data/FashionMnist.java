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
    if (!Files.isDirectory(directory)) {
      throw new DataFormatException(directory, "Fashion-MNIST directory not found; install it with "
          + "'apt-get install dataset-fashion-mnist' (deploy/bin/setup does) or pass the directory holding "
          + "train-images-idx3-ubyte[.gz] and friends");
    }
    ArrayDataset train = split(directory, "train");
    ArrayDataset test = split(directory, "t10k");
    double[] stats = train.meanAndStd();
    train.standardize(stats[0], stats[1]);
    test.standardize(stats[0], stats[1]);
    return new Splits(train, test, stats[0], stats[1]);
  }

  private static ArrayDataset split(Path directory, String prefix) throws IOException {
    IdxFile images = IdxFile.read(find(directory, prefix + "-images-idx3-ubyte"), 3);
    IdxFile labels = IdxFile.read(find(directory, prefix + "-labels-idx1-ubyte"), 1);
    if (images.dimensions()[1] != IMAGE.height() || images.dimensions()[2] != IMAGE.width()) {
      throw new DataFormatException(images.path(), "images are " + images.dimensions()[1] + "×"
          + images.dimensions()[2] + ", Fashion-MNIST's are 28×28");
    }
    if (images.count() != labels.count()) {
      throw new DataFormatException(labels.path(), labels.count() + " labels but " + images.path().getFileName()
          + " holds " + images.count() + " images");
    }
    int[] classes = new int[labels.count()];
    for (int i = 0; i < classes.length; i++) {
      classes[i] = labels.values()[i] & 0xff;
      if (classes[i] >= CLASSES) {
        throw new DataFormatException(labels.path(), "label " + i + " is " + classes[i] + "; Fashion-MNIST has 10 classes");
      }
    }
    return new ArrayDataset("fashion-mnist " + prefix, IMAGE, CLASSES, pixels(images), classes);
  }

  /**
   * The 28×28 images of an IDX file (e.g. new images to classify), scaled to [0, 1] and standardized
   * with {@code mean} and {@code std} as the training split was: one row of 784 values per image.
   */
  public static float[] images(Path file, double mean, double std) throws IOException {
    IdxFile images = IdxFile.read(file, 3);
    if (images.dimensions()[1] != IMAGE.height() || images.dimensions()[2] != IMAGE.width()) {
      throw new DataFormatException(images.path(), "images are " + images.dimensions()[1] + "×"
          + images.dimensions()[2] + ", the models take 28×28");
    }
    float[] pixels = pixels(images);
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) ((pixels[i] - mean) / std);
    }
    return pixels;
  }

  /**
   * Images as CSV, one per line: 784 pixel intensities 0–255 (row by row), or 785 values with the
   * label first when the first line is a header starting with "label" (the common Fashion-MNIST CSV
   * layout; the labels are ignored). Scaled and standardized like {@link #images(Path, double, double)}.
   */
  public static float[] csvImages(Path file, double mean, double std) throws IOException {
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
    int width = IMAGE.size();
    int columns = width + (labelled ? 1 : 0);
    java.util.List<float[]> rows = new java.util.ArrayList<>();
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
      float[] pixels = new float[width];
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
        float scaled = (float) value / 255f; // as the IDX path scales, so both give the same inputs
        pixels[j] = (float) ((scaled - mean) / std);
      }
      rows.add(pixels);
    }
    if (rows.isEmpty()) {
      throw new DataFormatException(file, "no images in it");
    }
    float[] all = new float[rows.size() * width];
    for (int r = 0; r < rows.size(); r++) {
      System.arraycopy(rows.get(r), 0, all, r * width, width);
    }
    return all;
  }

  private static float[] pixels(IdxFile images) {
    float[] pixels = new float[images.values().length];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (images.values()[i] & 0xff) / 255f;
    }
    return pixels;
  }

  /** The file as given, or with .gz. */
  private static Path find(Path directory, String base) throws DataFormatException {
    for (String name : new String[] {base + ".gz", base}) {
      Path candidate = directory.resolve(name);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new DataFormatException(directory.resolve(base + ".gz"), "missing (neither " + base + ".gz nor " + base
        + " is in " + directory + ")");
  }
}
