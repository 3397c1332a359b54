package org.partita.models.data;

import java.nio.file.Path;
import java.util.List;
import org.partita.models.layers.Shape;

/**
 * How to read samples from a file, beyond what its format says: which columns or arrays hold the
 * targets, how wide sparse rows are, what size images become, and what the model (or the
 * checkpoint it was trained into) expects.
 *
 * @param format the format, or null to tell it from the path ({@link DataFormat#of})
 * @param labelColumns CSV target columns; empty: the checkpoint's, else the last column
 * @param labelsFile NumPy or IDX labels beside a features file; null: none
 * @param arrays the names of the features and labels arrays of an .npz (two names)
 * @param features LibSVM: values per row; 0: the model's input size, else the largest index seen
 * @param images the size images are resized to and their channels (0: the model's)
 * @param expected what the samples must fit
 */
public record ReadOptions(DataFormat format, List<String> labelColumns, Path labelsFile, List<String> arrays,
    int features, ImageSize images, Expected expected) {

  public ReadOptions {
    labelColumns = List.copyOf(labelColumns);
    arrays = List.copyOf(arrays);
    if (arrays.size() != 2) {
      throw new IllegalArgumentException("an .npz needs the names of two arrays (features, labels), got " + arrays);
    }
    if (features < 0) {
      throw new IllegalArgumentException("--features must be ≥ 0, got " + features);
    }
  }

  /** Defaults for a format-by-extension file read for {@code expected}. */
  public static ReadOptions of(Expected expected) {
    return new ReadOptions(null, List.of(), null, List.of("x", "y"), 0, ImageSize.MODEL, expected);
  }

  public ReadOptions withExpected(Expected other) {
    return new ReadOptions(format, labelColumns, labelsFile, arrays, features, images, other);
  }

  public ReadOptions withFormat(DataFormat other) {
    return new ReadOptions(other, labelColumns, labelsFile, arrays, features, images, expected);
  }

  /** Height × width images are resized to and their channels (1 grey, 3 RGB); 0 takes the model's. */
  public record ImageSize(int height, int width, int channels) {
    public static final ImageSize MODEL = new ImageSize(0, 0, 0);

    public ImageSize {
      if (height < 0 || width < 0 || (height == 0) != (width == 0)) {
        throw new IllegalArgumentException("--image-size must be two positive numbers H,W, got " + height + "," + width);
      }
      if (channels != 0 && channels != 1 && channels != 3) {
        throw new IllegalArgumentException("--channels must be 1 (grey) or 3 (RGB), got " + channels);
      }
    }
  }

  /** Whether the targets are read (train, evaluate) or left aside (predict). */
  public enum LabelUse { REQUIRED, IGNORED }

  /** Classes (one-hot targets, softmax models) or real values (regression, mse models). */
  public enum TargetKind { CLASSES, VALUES }

  /**
   * What the samples must fit: the model's input shape and output units, its kind of target, and
   * from a checkpoint the class and column names training saw (empty when training).
   */
  public record Expected(Shape input, int outputs, TargetKind kind, LabelUse labels, List<String> classNames,
      List<String> featureNames) {
    public Expected {
      classNames = List.copyOf(classNames);
      featureNames = List.copyOf(featureNames);
    }

    /** For training a model: nothing known yet but its shapes. */
    public static Expected training(Shape input, int outputs, TargetKind kind) {
      return new Expected(input, outputs, kind, LabelUse.REQUIRED, List.of(), List.of());
    }
  }
}
