package org.partita.models.network;

import java.util.List;
import java.util.Locale;
import org.jblas.FloatMatrix;
import org.partita.models.layers.Conv2DSpec;
import org.partita.models.layers.EmbeddingSpec;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.Pool2DSpec;
import org.partita.models.layers.Shape;
import org.partita.models.loss.Loss;

/**
 * A whole model as data: per-sample input shape, layers in order, loss, and the seed every
 * initial weight is derived from. The constructor checks that each layer accepts what the one
 * before produces, and names both layers when it does not.
 */
public record ModelSpec(String name, Shape inputShape, List<LayerSpec> layers, Loss loss, long initSeed) {
  public ModelSpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a model needs a name");
    }
    if (inputShape == null || loss == null) {
      throw new IllegalArgumentException("model '" + name + "' needs an input shape and a loss");
    }
    if (layers == null || layers.isEmpty()) {
      throw new IllegalArgumentException("model '" + name + "' has no layers");
    }
    layers = List.copyOf(layers);
    Shape produced = inputShape;
    String producer = "the input";
    for (int i = 0; i < layers.size(); i++) {
      LayerSpec layer = layers.get(i);
      if (layer instanceof EmbeddingSpec && i > 0) {
        throw new IllegalArgumentException("model '" + name + "': layer " + i + " (" + layer.describe() + ") must be "
            + "the first layer: it reads integer token ids, which only the model's input holds");
      }
      boolean needsExactShape = layer instanceof Conv2DSpec || layer instanceof Pool2DSpec;
      boolean fits = needsExactShape ? layer.inputShape().equals(produced) : layer.inputShape().size() == produced.size();
      if (!fits) {
        throw new IllegalArgumentException("model '" + name + "': layer " + i + " (" + layer.describe() + ") takes "
            + layer.inputShape() + " but " + producer + " produces " + produced);
      }
      produced = layer.outputShape();
      producer = "layer " + i + " (" + layer.describe() + ")";
    }
  }

  public Shape outputShape() {
    return layers.get(layers.size() - 1).outputShape();
  }

  /**
   * Loss groups per sample: 1 for a classifier, T for a per-step output (T×K, time-major), where
   * the loss applies to each step's K outputs on its own.
   */
  public int outputGroups() {
    Shape out = outputShape();
    return out.isVector() ? 1 : out.channels();
  }

  /** Outputs per loss group: the number of classes. */
  public int outputClasses() {
    return outputShape().size() / outputGroups();
  }

  /**
   * A (K·T × B) output, target or gradient matrix seen as (K × T·B): one column per prediction,
   * sharing the data, so the loss treats each step's K outputs on its own.
   */
  public FloatMatrix perPrediction(FloatMatrix matrix) {
    int groups = outputGroups();
    return groups == 1 ? matrix : new FloatMatrix(outputClasses(), matrix.columns * groups, matrix.data);
  }

  public long parameterCount() {
    return layers.stream().mapToLong(LayerSpec::parameterCount).sum();
  }

  public ModelSpec withSeed(long seed) {
    return new ModelSpec(name, inputShape, layers, loss, seed);
  }

  /**
   * The model as a table, like Keras' summary(): a first line naming the model, its input, its
   * parameter count and loss (banners that want one line take it), then each layer's index, type
   * (as a model file names it), output shape, parameter count and description, and the total.
   */
  public String summary() {
    StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "model %s: input %s, %,d parameters, loss %s, "
        + "seed %d", name, dims(inputShape), parameterCount(), ModelVocabulary.lossName(loss), initSeed));
    String row = "%n  %3s  %-15s %-16s %12s  %s";
    text.append(String.format(Locale.ROOT, row, "#", "type", "output shape", "parameters", "details"));
    for (int i = 0; i < layers.size(); i++) {
      LayerSpec layer = layers.get(i);
      text.append(String.format(Locale.ROOT, row, i, ModelVocabulary.typeOf(layer), dims(layer.outputShape()),
          String.format(Locale.ROOT, "%,d", layer.parameterCount()), layer.describe()));
    }
    text.append(String.format(Locale.ROOT, row, "", "total", "", String.format(Locale.ROOT, "%,d", parameterCount()),
        ""));
    return text.toString().stripTrailing();
  }

  /**
   * A shape as a model file writes it: [C, H, W], [T, F] or [N] (a Shape alone cannot tell an
   * image one pixel wide from a sequence; such images print as [C, H]).
   */
  static String dims(Shape shape) {
    int[] dims = shape.width() > 1 ? new int[] {shape.channels(), shape.height(), shape.width()}
        : shape.height() > 1 ? new int[] {shape.channels(), shape.height()} : new int[] {shape.channels()};
    return DataShape.dimsText(dims);
  }
}
