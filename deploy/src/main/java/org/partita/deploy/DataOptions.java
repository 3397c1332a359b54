package org.partita.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.partita.models.data.DataFormat;
import org.partita.models.data.DataPreparation;
import org.partita.models.data.FashionMnist;
import org.partita.models.data.ReadOptions;
import org.partita.models.layers.Shape;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import picocli.CommandLine.Option;

/**
 * The data flags of {@code train}, {@code evaluate} and {@code predict}, declared once with the
 * same defaults: where the samples are and in what format, which columns or arrays are the
 * targets, how images are sized, how rows are shaped for the model, how they are standardised,
 * and what is held out. {@link RunData} reads them.
 */
public final class DataOptions {
  @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist", paramLabel = "PATH",
      description = "Samples: a CSV (.csv, .csv.gz), LibSVM (.libsvm, .svm), NumPy (.npy with --labels, .npz) or IDX "
          + "file, a directory in the MNIST layout (train-/t10k-images-idx3-ubyte…), or an image folder DIR/CLASS/*.png"
          + " (default: ${DEFAULT-VALUE}, Debian's Fashion-MNIST).")
  Path data;

  @Option(names = "--format", paramLabel = "NAME",
      description = "csv, libsvm, npy, npz, idx or images (default: told by --data's name).")
  String format;

  @Option(names = "--label", split = ",", paramLabel = "COLUMN",
      description = "CSV target column(s): one class column, or several for regression (default: the last column; "
          + "evaluate and predict: the checkpoint's).")
  List<String> labelColumns;

  @Option(names = "--labels", paramLabel = "FILE",
      description = "Labels beside an .npy or IDX features file: an .npy of class indices or target values, or an "
          + "IDX file.")
  Path labels;

  @Option(names = "--arrays", split = ",", defaultValue = "x,y", paramLabel = "X,Y",
      description = "The features and labels arrays of an .npz (default: ${DEFAULT-VALUE}).")
  List<String> arrays;

  @Option(names = "--features", defaultValue = "0", paramLabel = "N",
      description = "LibSVM: values per row (default: the model's input size).")
  int features;

  @Option(names = "--image-size", split = ",", paramLabel = "H,W",
      description = "Image folders: resize every image to H×W with bilinear interpolation, pixel centres aligned, no "
          + "anti-aliasing (default: the model's input).")
  List<Integer> imageSize;

  @Option(names = "--channels", defaultValue = "0", paramLabel = "1|3",
      description = "Image folders: 1 grey (BT.601 luma of colour images) or 3 RGB (default: the model's input).")
  int channels;

  @Option(names = "--input-shape", split = ",", paramLabel = "DIMS",
      description = "Shape the model sees each flat row as: C,H,W for images (64 values → 1,8,8), T,F for a "
          + "recurrent layer (784 → 28,28); must be the model's input shape.")
  List<Integer> inputShape;

  @Option(names = "--normalize", defaultValue = "auto", paramLabel = "MODE",
      description = "Standardise features with the training rows' statistics: auto (per feature for tables, per "
          + "channel for images), feature, channel (of --input-shape), or none (default: ${DEFAULT-VALUE}).")
  String normalize;

  @Option(names = "--test-data", paramLabel = "PATH",
      description = "Held-out samples in --data's format, evaluated every epoch (default: the MNIST layout's t10k "
          + "split; none for other data unless --validation-split).")
  Path testData;

  @Option(names = "--validation-split", paramLabel = "F",
      description = "Hold out this fraction of --data, drawn from --seed (evaluate: the checkpoint's seed), instead "
          + "of --test-data.")
  Double validationSplit;

  /** Refuses contradictory or malformed data flags before any work. */
  public void validate() {
    if (format != null) {
      DataFormat.named(format);
    }
    DataPreparation.Normalization.named(normalize);
    imageSize();
    if (channels != 0 && channels != 1 && channels != 3) {
      throw new IllegalArgumentException("--channels must be 1 (grey) or 3 (RGB), got " + channels);
    }
    if (features < 0) {
      throw new IllegalArgumentException("--features must be ≥ 0, got " + features);
    }
    if (arrays.size() != 2) {
      throw new IllegalArgumentException("--arrays takes two names, FEATURES,LABELS; got " + arrays);
    }
    if (testData != null && validationSplit != null) {
      throw new IllegalArgumentException("give --test-data or --validation-split, not both");
    }
    if (validationSplit != null && !(validationSplit > 0 && validationSplit < 1)) {
      throw new IllegalArgumentException("--validation-split must be between 0 and 1 (exclusive), got "
          + validationSplit);
    }
    shape();
  }

  /** How to read --data (and --test-data) for {@code expected}. */
  ReadOptions readOptions(ReadOptions.Expected expected, List<String> checkpointLabels) {
    List<String> columns = labelColumns != null ? labelColumns : checkpointLabels;
    return new ReadOptions(format == null ? null : DataFormat.named(format), columns, labels, arrays, features,
        imageSize(), expected);
  }

  private ReadOptions.ImageSize imageSize() {
    if (imageSize == null) {
      return new ReadOptions.ImageSize(0, 0, channels);
    }
    if (imageSize.size() != 2 || imageSize.get(0) < 1 || imageSize.get(1) < 1) {
      throw new IllegalArgumentException("--image-size takes two positive numbers H,W; got " + imageSize);
    }
    return new ReadOptions.ImageSize(imageSize.get(0), imageSize.get(1), channels);
  }

  /** --input-shape as a shape: C,H,W; T,F (time steps × features); or N; null when not given. */
  Shape shape() {
    if (inputShape == null) {
      return null;
    }
    if (inputShape.isEmpty() || inputShape.size() > 3 || inputShape.stream().anyMatch(d -> d < 1)) {
      throw new IllegalArgumentException("--input-shape takes 1 to 3 positive numbers (N; T,F; or C,H,W), got "
          + inputShape);
    }
    return switch (inputShape.size()) {
      case 1 -> Shape.vector(inputShape.get(0));
      case 2 -> new Shape(inputShape.get(0), inputShape.get(1), 1);
      default -> new Shape(inputShape.get(0), inputShape.get(1), inputShape.get(2));
    };
  }

  DataPreparation.Normalization normalization() {
    return DataPreparation.Normalization.named(normalize);
  }

  /** What the model takes and predicts, for reading its samples. */
  static ReadOptions.Expected expected(ModelSpec spec, ReadOptions.LabelUse labels, DataPreparation known) {
    ReadOptions.TargetKind kind = spec.loss() == Loss.MEAN_SQUARED_ERROR ? ReadOptions.TargetKind.VALUES
        : ReadOptions.TargetKind.CLASSES;
    return new ReadOptions.Expected(spec.inputShape(), spec.outputClasses() * spec.outputGroups(), kind, labels,
        known == null ? List.of() : known.classNames(), known == null ? List.of() : known.featureNames());
  }

  /** The Fashion-MNIST directory whose statistics a checkpoint from before preparations were saved needs. */
  public Path fashionMnistDirectory() {
    return Files.isDirectory(data) ? data : FashionMnist.DEBIAN_DIRECTORY;
  }

  public Path data() {
    return data;
  }

  Path testData() {
    return testData;
  }

  Double validationSplit() {
    return validationSplit;
  }
}
