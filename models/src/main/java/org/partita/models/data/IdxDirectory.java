package org.partita.models.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A directory in the MNIST layout — train-images-idxN-ubyte, train-labels-idx1-ubyte and the same
 * for t10k, each plain or .gz — such as Debian's Fashion-MNIST in /usr/share/datasets/fashion-mnist:
 * a training split and a test split, read as {@link IdxReader} reads a file pair. With 10 classes
 * the classes carry Fashion-MNIST's names.
 */
final class IdxDirectory {
  private IdxDirectory() {}

  /** Both splits, unstandardised. */
  record Splits(SampleData train, SampleData test) {}

  static boolean holdsOne(Path directory) {
    return find(directory, "train", "images") != null;
  }

  static Splits read(Path directory, ReadOptions options) throws IOException {
    if (!Files.isDirectory(directory)) {
      throw new DataFormatException(directory, "Fashion-MNIST directory not found; install it with "
          + "'apt-get install dataset-fashion-mnist' (deploy/bin/setup does) or pass the directory holding "
          + "train-images-idx3-ubyte[.gz] and friends");
    }
    ReadOptions named = options;
    ReadOptions.Expected expected = options.expected();
    if (expected.classNames().isEmpty() && expected.outputs() == FashionMnist.CLASSES
        && expected.kind() == ReadOptions.TargetKind.CLASSES) {
      named = options.withExpected(new ReadOptions.Expected(expected.input(), expected.outputs(), expected.kind(),
          expected.labels(), List.of(FashionMnist.CLASS_NAMES), expected.featureNames()));
    }
    SampleData train = split(directory, "train", named);
    SampleData test = split(directory, "t10k", named);
    if (!test.sampleShape().equals(train.sampleShape())) {
      String what = test.isImages() ? "images are " + test.sampleShape().height() + "×" + test.sampleShape().width()
          : "samples are " + test.sampleShape();
      throw new DataFormatException(Path.of(test.name()), what + " but " + Path.of(train.name()).getFileName() + " holds "
          + train.sampleShape());
    }
    return new Splits(train, test);
  }

  private static SampleData split(Path directory, String prefix, ReadOptions options) throws IOException {
    Path images = find(directory, prefix, "images");
    if (images == null) {
      throw new DataFormatException(directory.resolve(prefix + "-images-idx3-ubyte.gz"), "missing (neither " + prefix
          + "-images-idx3-ubyte.gz nor " + prefix + "-images-idx3-ubyte is in " + directory + ")");
    }
    Path labels = find(directory, prefix, "labels");
    if (labels == null && options.expected().labels() == ReadOptions.LabelUse.REQUIRED) {
      throw new DataFormatException(directory.resolve(prefix + "-labels-idx1-ubyte.gz"), "missing (neither " + prefix
          + "-labels-idx1-ubyte.gz nor " + prefix + "-labels-idx1-ubyte is in " + directory + ")");
    }
    return IdxReader.read(images, labels, options);
  }

  /** PREFIX-KIND-idxN-ubyte, or the same with .gz; the gzip file first, as today's Debian package has it. */
  private static Path find(Path directory, String prefix, String kind) {
    for (String rank : new String[] {"3", "1", "2", "4", "5"}) {
      String base = prefix + "-" + kind + "-idx" + rank + "-ubyte";
      for (String name : new String[] {base + ".gz", base}) {
        Path candidate = directory.resolve(name);
        if (Files.isRegularFile(candidate)) {
          return candidate;
        }
      }
    }
    return null;
  }
}
