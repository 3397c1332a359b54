package org.partita.models.network;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.partita.models.layers.Activation;
import org.partita.models.layers.Conv2DSpec;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.DropoutSpec;
import org.partita.models.layers.FlattenSpec;
import org.partita.models.layers.GruSpec;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.LstmSpec;
import org.partita.models.layers.MaxPool2DSpec;
import org.partita.models.layers.Shape;
import org.partita.models.layers.Window;
import org.partita.models.loss.Loss;

/**
 * The named models the command line offers, for 28×28 grey images in 10 classes (Fashion-MNIST).
 * The LSTM and the GRU read an image row by row: 28 time steps of 28 pixels, which is exactly the
 * image's stored layout, so the same data feeds every model.
 */
public final class StandardModels {
  public static final List<String> NAMES = List.of("mlp", "cnn", "lstm", "gru", "wide-mlp");

  private StandardModels() {}

  public static ModelSpec byName(String name, long seed) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "mlp" -> mlp(seed);
      case "cnn" -> cnn(seed);
      case "lstm" -> lstm(seed);
      case "gru" -> gru(seed);
      case "wide-mlp" -> wideMlp(seed);
      default -> throw new IllegalArgumentException("unknown model '" + name + "'; choose one of " + NAMES);
    };
  }

  /** 784-256-128-10 with ReLU (the published reference reaches 0.883 on the test set). */
  public static ModelSpec mlp(long seed) {
    return denseStack("mlp", seed, 784, 256, 128, 10);
  }

  /** ReLU dense layers of the given widths, input first, with a linear output layer for softmax. */
  private static ModelSpec denseStack(String name, long seed, int... widths) {
    List<LayerSpec> layers = new ArrayList<>();
    for (int i = 0; i + 1 < widths.length; i++) {
      Activation activation = i + 2 == widths.length ? Activation.IDENTITY : Activation.RELU;
      layers.add(new DenseSpec(widths[i], widths[i + 1], activation));
    }
    return new ModelSpec(name, Shape.vector(widths[0]), layers, Loss.SOFTMAX_CROSS_ENTROPY, seed);
  }

  /**
   * Two conv + pool blocks and a dense head: conv 32 3×3 → pool 2 → conv 64 3×3 → pool 2 →
   * dense 128 → dropout 0.3 → dense 10 (published references for this shape: ~0.916).
   */
  public static ModelSpec cnn(long seed) {
    Shape image = new Shape(1, 28, 28);
    Conv2DSpec conv1 = new Conv2DSpec(image, 32, Window.square(3, 1, 1), Activation.RELU);
    MaxPool2DSpec pool1 = new MaxPool2DSpec(conv1.outputShape(), Window.square(2, 2, 0));
    Conv2DSpec conv2 = new Conv2DSpec(pool1.outputShape(), 64, Window.square(3, 1, 1), Activation.RELU);
    MaxPool2DSpec pool2 = new MaxPool2DSpec(conv2.outputShape(), Window.square(2, 2, 0));
    FlattenSpec flatten = new FlattenSpec(pool2.outputShape());
    int features = flatten.outputShape().size();
    return new ModelSpec("cnn", image, List.of(conv1, pool1, conv2, pool2, flatten,
        new DenseSpec(features, 128, Activation.RELU),
        new DropoutSpec(Shape.vector(128), 0.3f),
        new DenseSpec(128, 10, Activation.IDENTITY)), Loss.SOFTMAX_CROSS_ENTROPY, seed);
  }

  /**
   * 784-4096-4096-10: 20 million parameters, 320 MB with gradients and Adam state — the model that
   * does not fit a small node and needs model parallelism.
   */
  public static ModelSpec wideMlp(long seed) {
    return denseStack("wide-mlp", seed, 784, 4096, 4096, 10);
  }

  /** LSTM(128) over the 28 rows, classifying from the last hidden state (references: GRU 0.888–0.897). */
  public static ModelSpec lstm(long seed) {
    return new ModelSpec("lstm", new Shape(28, 28, 1), List.of(
        new LstmSpec(28, 128, 28, false, 1f),
        new DenseSpec(128, 10, Activation.IDENTITY)), Loss.SOFTMAX_CROSS_ENTROPY, seed);
  }

  /** GRU(128) over the 28 rows, classifying from the last hidden state (references: 0.888–0.897). */
  public static ModelSpec gru(long seed) {
    return new ModelSpec("gru", new Shape(28, 28, 1), List.of(
        new GruSpec(28, 128, 28, false),
        new DenseSpec(128, 10, Activation.IDENTITY)), Loss.SOFTMAX_CROSS_ENTROPY, seed);
  }

  /**
   * Character language model: one-hot symbols in, LSTM over windows of T steps returning every
   * step, and a per-step dense layer to next-symbol logits.
   */
  public static ModelSpec charLstm(int vocabulary, int timeSteps, int hidden, long seed) {
    return new ModelSpec("char-lstm", new Shape(timeSteps, vocabulary, 1), List.of(
        new LstmSpec(vocabulary, hidden, timeSteps, true, 1f),
        new DenseSpec(hidden, vocabulary, Activation.IDENTITY, timeSteps)), Loss.SOFTMAX_CROSS_ENTROPY, seed);
  }
}
