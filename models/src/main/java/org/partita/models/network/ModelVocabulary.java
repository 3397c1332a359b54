package org.partita.models.network;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.partita.models.layers.Activation;
import org.partita.models.layers.AvgPool2DSpec;
import org.partita.models.layers.Conv2DSpec;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.DropoutSpec;
import org.partita.models.layers.EmbeddingSpec;
import org.partita.models.layers.FlattenSpec;
import org.partita.models.layers.GruSpec;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.LstmSpec;
import org.partita.models.layers.MaxPool2DSpec;
import org.partita.models.layers.SimpleRnnSpec;
import org.partita.models.loss.Loss;

/**
 * The words a model file uses for losses, activations and layer kinds, in one place, so the file's
 * reader, {@link Model}'s messages and the summary table ({@link ModelSpec#summary}) say the same.
 */
public final class ModelVocabulary {
  /** The file's loss names, in the order messages list them. */
  public static final Map<String, Loss> LOSSES;

  /** The file's activation names. */
  public static final Map<String, Activation> ACTIVATIONS;

  static {
    Map<String, Loss> losses = new LinkedHashMap<>();
    losses.put("softmax-cross-entropy", Loss.SOFTMAX_CROSS_ENTROPY);
    losses.put("mse", Loss.MEAN_SQUARED_ERROR);
    LOSSES = java.util.Collections.unmodifiableMap(losses);
    Map<String, Activation> activations = new LinkedHashMap<>();
    for (Activation activation : Activation.values()) {
      activations.put(activationName(activation), activation);
    }
    ACTIVATIONS = java.util.Collections.unmodifiableMap(activations);
  }

  private ModelVocabulary() {}

  public static String lossName(Loss loss) {
    return LOSSES.entrySet().stream().filter(entry -> entry.getValue() == loss).map(Map.Entry::getKey).findFirst()
        .orElse(loss.name().toLowerCase(Locale.ROOT));
  }

  /** relu, tanh, sigmoid or linear (Partita's identity: Keras' name for it). */
  public static String activationName(Activation activation) {
    return activation == Activation.IDENTITY ? "linear" : activation.name().toLowerCase(Locale.ROOT);
  }

  /** The file's type of a layer spec from any source (a file, a named model, a ModelSpecProto). */
  public static String typeOf(LayerSpec spec) {
    if (spec instanceof DenseSpec) {
      return LayerRecipe.Dense.TYPE;
    } else if (spec instanceof Conv2DSpec) {
      return LayerRecipe.Conv2D.TYPE;
    } else if (spec instanceof MaxPool2DSpec) {
      return LayerRecipe.MaxPool.TYPE;
    } else if (spec instanceof AvgPool2DSpec pool) {
      return pool.isGlobal() ? LayerRecipe.GlobalAvgPool.TYPE : LayerRecipe.AvgPool.TYPE;
    } else if (spec instanceof FlattenSpec) {
      return LayerRecipe.Flatten.TYPE;
    } else if (spec instanceof DropoutSpec) {
      return LayerRecipe.Dropout.TYPE;
    } else if (spec instanceof SimpleRnnSpec) {
      return LayerRecipe.Rnn.TYPE;
    } else if (spec instanceof LstmSpec) {
      return LayerRecipe.Lstm.TYPE;
    } else if (spec instanceof GruSpec) {
      return LayerRecipe.Gru.TYPE;
    } else if (spec instanceof EmbeddingSpec) {
      return LayerRecipe.Embedding.TYPE;
    }
    return spec.getClass().getSimpleName();
  }
}
