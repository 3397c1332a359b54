package org.partita.deploy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.DataFormat;
import org.partita.models.data.DataFormatException;
import org.partita.models.data.DataPreparation;
import org.partita.models.data.DataReader;
import org.partita.models.data.FashionMnist;
import org.partita.models.data.ReadOptions;
import org.partita.models.data.SampleData;
import org.partita.models.layers.EmbeddingSpec;
import org.partita.models.layers.Shape;
import org.partita.models.network.ModelSpec;

/**
 * The samples a command runs on, read as {@link DataOptions} say and prepared for the model:
 * for training, the training rows and the held-out rows, standardised with statistics fitted on
 * the training rows alone; for evaluation, the held-out rows as training defined them; for
 * prediction, every sample of the file. A CSV given to a model trained on images (IDX, image
 * folders) holds pixel intensities 0–255. Shapes are checked against the model's input before
 * anything runs, and a mismatch names both.
 */
public final class RunData {
  private RunData() {}

  /** What training runs on; {@code heldOut} is null when nothing is held out. */
  public record ForTraining(ArrayDataset train, ArrayDataset heldOut, DataPreparation preparation) {}

  /**
   * --data read for {@code spec}; held out: --test-data, else --validation-split of it drawn from
   * {@code seed}, else the t10k split of an MNIST-layout directory, else nothing. Statistics come
   * from all training rows, before --train-samples keeps the first {@code trainSamples} (null: all).
   */
  public static ForTraining training(DataOptions options, ModelSpec spec, long seed, Integer trainSamples)
      throws IOException {
    ReadOptions read = options.readOptions(DataOptions.expected(spec, ReadOptions.LabelUse.REQUIRED, null), List.of());
    DataReader.Source source = DataReader.read(options.data(), read);
    SampleData train = source.samples();
    SampleData heldOut = source.heldOut();
    if (options.testData() != null) {
      // Held-out classes must be the training file's: string labels map to its class names.
      DataPreparation names = DataPreparation.fit(train, DataPreparation.Normalization.NONE, 1);
      ReadOptions test = options.readOptions(DataOptions.expected(spec, ReadOptions.LabelUse.REQUIRED, names),
          train.labelNames());
      heldOut = DataReader.read(options.testData(), test).samples();
    } else if (options.validationSplit() != null) {
      SampleData[] parts = train.split(options.validationSplit(), seed);
      train = parts[0];
      heldOut = parts[1];
    }
    Shape shape = modelShape(options, train, spec);
    if (heldOut != null) {
      modelShape(options, heldOut, spec);
    }
    // Token ids are read as they are: standardising them would make them no ids at all.
    DataPreparation.Normalization normalization = embedding(spec) != null ? DataPreparation.Normalization.NONE
        : options.normalization();
    refuseNonTokens(train, spec);
    if (heldOut != null) {
      refuseNonTokens(heldOut, spec);
    }
    DataPreparation preparation = DataPreparation.fit(train, normalization, shape.channels());
    ArrayDataset trainSet = preparation.prepare(train).reshaped(shape);
    if (trainSamples != null) {
      if (trainSamples > trainSet.size()) {
        throw new IllegalArgumentException("--train-samples " + trainSamples + " is more than the " + trainSet.size()
            + " training samples of " + options.data());
      }
      trainSet = trainSet.subset(0, trainSamples);
    }
    ArrayDataset heldOutSet = heldOut == null ? null : preparation.prepare(heldOut).reshaped(shape);
    return new ForTraining(trainSet, heldOutSet, preparation);
  }

  /**
   * The held-out rows as training defined them — --test-data, or --validation-split of --data
   * drawn from the training {@code seed}, or an MNIST layout's t10k split — else all of --data;
   * prepared with the checkpoint's {@code preparation}.
   */
  public static ArrayDataset evaluation(DataOptions options, ModelSpec spec, DataPreparation preparation, long seed)
      throws IOException {
    ReadOptions read = options.readOptions(DataOptions.expected(spec, ReadOptions.LabelUse.REQUIRED, preparation),
        preparation.labelNames());
    SampleData samples;
    Path file = options.testData() != null ? options.testData() : options.data();
    if (options.testData() != null) {
      samples = DataReader.read(file, read).samples();
    } else {
      DataReader.Source source = DataReader.read(file, read);
      samples = options.validationSplit() != null ? source.samples().split(options.validationSplit(), seed)[1]
          : source.heldOut() != null ? source.heldOut() : source.samples();
    }
    if (isImageModel(preparation) && samples.format() == DataFormat.CSV) {
      intensities(samples);
    }
    Shape shape = modelShape(options, samples, spec);
    refuseNonTokens(samples, spec);
    return preparation.prepare(samples).reshaped(shape);
  }

  /** Trained on IDX images or an image folder: its pixels were intensities scaled to [0, 1]. */
  private static boolean isImageModel(DataPreparation preparation) {
    return preparation.format() == DataFormat.IDX || preparation.format() == DataFormat.IMAGES;
  }

  /** A CSV's pixel intensities 0–255, for a model trained on images, scaled to [0, 1] as image bytes are. */
  private static void intensities(SampleData samples) throws DataFormatException {
    float[] values = samples.features();
    int width = samples.sampleShape().size();
    for (int i = 0; i < values.length; i++) {
      if (!(values[i] >= 0 && values[i] <= 255)) {
        throw new DataFormatException(Path.of(samples.name()), "sample " + i / width + ", column '"
            + samples.featureNames().get(i % width) + "': " + values[i] + " is not a pixel intensity 0–255 (the model"
            + " was trained on images)");
      }
      values[i] /= 255f;
    }
  }

  /**
   * Every sample of {@code file} (an MNIST-layout directory: its t10k images), features prepared
   * as {@code preparation} says; labels, if the file has them, are not read. A CSV given to a model
   * trained on images (IDX, image folders) holds pixel intensities 0–255, one image per line.
   */
  public static SampleData prediction(DataOptions options, Path file, ModelSpec spec, DataPreparation preparation)
      throws IOException {
    ReadOptions read = options.readOptions(DataOptions.expected(spec, ReadOptions.LabelUse.IGNORED, preparation),
        preparation.labelNames());
    SampleData samples;
    boolean csv = read.format() == null ? file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")
        : read.format() == DataFormat.CSV;
    if (isImageModel(preparation) && csv) {
      int width = spec.inputShape().size();
      samples = new SampleData(file.toString(), DataFormat.CSV, Shape.vector(width), FashionMnist.csvPixels(file, width),
          null, List.of(), List.of());
    } else {
      DataReader.Source source = DataReader.read(file, read);
      samples = source.heldOut() != null ? source.heldOut() : source.samples();
    }
    Shape shape = modelShape(options, samples, spec);
    refuseNonTokens(samples, spec);
    preparation.features().apply(samples.features(), shape.size());
    return samples.withShape(shape);
  }

  /** The model's first layer when it is an embedding, else null. */
  private static EmbeddingSpec embedding(ModelSpec spec) {
    return spec.layers().get(0) instanceof EmbeddingSpec embedding ? embedding : null;
  }

  /**
   * A model that starts with an embedding reads integer token ids in [0, vocabulary): anything
   * else (pixels, standardised values) is refused before training, naming the sample and position.
   */
  private static void refuseNonTokens(SampleData samples, ModelSpec spec) throws DataFormatException {
    EmbeddingSpec embedding = embedding(spec);
    if (embedding == null) {
      return;
    }
    float[] values = samples.features();
    int width = samples.sampleShape().size();
    for (int i = 0; i < values.length; i++) {
      float value = values[i];
      if (!(value >= 0 && value < embedding.vocabulary() && value == Math.rint(value))) {
        throw new DataFormatException(Path.of(samples.name()), "sample " + i / width + ", position " + i % width
            + ": " + value + " is not a token id; model '" + spec.name() + "' starts with an embedding of "
            + embedding.vocabulary() + " tokens, which reads integer ids in [0, " + embedding.vocabulary() + ")");
      }
    }
  }

  /**
   * The shape the model sees {@code samples} as: --input-shape, which must hold as many values as
   * a sample and be the model's input; else the samples' own, which must hold as many values as
   * the model's input.
   */
  private static Shape modelShape(DataOptions options, SampleData samples, ModelSpec spec) throws DataFormatException {
    Shape given = options.shape();
    Shape read = samples.sampleShape();
    Shape model = spec.inputShape();
    Path file = Path.of(samples.name());
    if (given != null && given.size() != read.size()) {
      throw new DataFormatException(file, "samples of " + describe(read) + " cannot be seen as --input-shape "
          + describe(given));
    }
    Shape shape = given != null ? given : read;
    if (shape.size() != model.size() || (given != null && !given.equals(model))) {
      throw new DataFormatException(file, "samples are " + describe(shape) + " but model '" + spec.name() + "' takes "
          + describe(model));
    }
    return shape;
  }

  private static String describe(Shape shape) {
    return shape.isVector() ? shape.size() + " values" : shape + " (" + shape.size() + " values)";
  }
}
