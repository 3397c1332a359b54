package org.partita.models.data;

import java.util.List;

/**
 * How raw samples become a model's inputs and its outputs become answers, saved with every
 * checkpoint: the feature standardisation fitted on the training rows, the names of the feature
 * columns and of the classes or targets, and for regression the target standardisation that
 * predictions are taken back out of.
 *
 * @param format the format the training samples were read in; files to predict are read the same
 *     way (a CSV given to an image model is read as pixel intensities 0–255, as IDX bytes are)
 * @param featureNames CSV feature columns in order (empty for other formats)
 * @param classNames one per class of a classifier (empty for regression)
 * @param labelNames the columns or arrays the targets came from; for regression one per target
 * @param targets the regression targets' standardisation ({@link Standardization#NONE} for classes)
 */
public record DataPreparation(DataFormat format, Standardization features, List<String> featureNames,
    List<String> classNames, List<String> labelNames, Standardization targets) {

  public DataPreparation {
    featureNames = List.copyOf(featureNames);
    classNames = List.copyOf(classNames);
    labelNames = List.copyOf(labelNames);
  }

  /** How feature statistics are grouped: as the reader's shape says, per feature, per channel, or not at all. */
  public enum Normalization {
    /** Per channel of the shape the file gave: per feature for tables, per channel for images. */
    AUTO,
    FEATURE,
    /** Per channel of the shape the model sees (after --input-shape). */
    CHANNEL,
    NONE;

    public static Normalization named(String name) {
      for (Normalization mode : values()) {
        if (mode.name().equalsIgnoreCase(name)) {
          return mode;
        }
      }
      throw new IllegalArgumentException("--normalize '" + name + "' is not one of auto, feature, channel, none");
    }
  }

  /**
   * Fits the statistics on {@code train} (its own rows only): features grouped as {@code mode}
   * says ({@code channels} are those of the shape the model sees), and for regression the targets
   * per target.
   */
  public static DataPreparation fit(SampleData train, Normalization mode, int channels) {
    int width = train.sampleShape().size();
    Standardization features = switch (mode) {
      case NONE -> Standardization.NONE;
      case FEATURE -> Standardization.fit(train.features(), width, width);
      case CHANNEL -> Standardization.fit(train.features(), width, channels);
      case AUTO -> Standardization.fit(train.features(), width, train.sampleShape().channels());
    };
    List<String> classes = List.of();
    Standardization targets = Standardization.NONE;
    if (train.targets() instanceof Targets.Classes labels) {
      classes = labels.names();
    } else if (train.targets() instanceof Targets.Values values) {
      targets = Standardization.fit(values.values(), values.rows(), values.rows());
    }
    return new DataPreparation(train.format(), features, train.featureNames(), classes, train.labelNames(), targets);
  }

  /**
   * Fashion-MNIST as versions before this record were trained on it: one mean and standard
   * deviation over all pixels of the training images, its ten class names.
   */
  public static DataPreparation fashionMnist(double mean, double std) {
    return new DataPreparation(DataFormat.IDX, Standardization.single(mean, std), List.of(),
        List.of(FashionMnist.CLASS_NAMES), List.of(), Standardization.NONE);
  }

  /**
   * {@code data} standardised — features and, for regression, targets — in place, as a dataset;
   * the one way samples are prepared for training and evaluation.
   */
  public ArrayDataset prepare(SampleData data) {
    features.apply(data.features(), data.sampleShape().size());
    if (data.targets() instanceof Targets.Values values) {
      targets.apply(values.values(), values.rows());
    }
    return data.dataset();
  }

  /** Model outputs of a regression (rows of {@code width}) back in the targets' own units, in place. */
  public void targetsInUnits(float[] outputs, int width) {
    targets.undo(outputs, width);
  }

  public boolean isRegression() {
    return classNames.isEmpty();
  }
}
