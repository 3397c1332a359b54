package org.partita.models.io;

import static org.partita.models.io.FileKey.optional;
import static org.partita.models.io.FileKey.required;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.partita.models.layers.Activation;
import org.partita.models.network.LayerRecipe;
import org.partita.models.network.LayerRecipe.AvgPool;
import org.partita.models.network.LayerRecipe.Conv2D;
import org.partita.models.network.LayerRecipe.Dense;
import org.partita.models.network.LayerRecipe.Dropout;
import org.partita.models.network.LayerRecipe.Embedding;
import org.partita.models.network.LayerRecipe.Flatten;
import org.partita.models.network.LayerRecipe.GlobalAvgPool;
import org.partita.models.network.LayerRecipe.Gru;
import org.partita.models.network.LayerRecipe.Lstm;
import org.partita.models.network.LayerRecipe.MaxPool;
import org.partita.models.network.Padding;
import org.partita.models.network.LayerRecipe.Rnn;

/**
 * The {@code type}s of a model file's layers, one entry each: the keys the type takes (required,
 * or their default) and how their values make the {@link LayerRecipe}. Shape rules live in the
 * recipe, so the Java API ({@code Model}) shares them; a new layer kind is one entry here.
 */
final class LayerTypes {
  /** One layer type: its keys besides {@code type}, and the recipe their values make. */
  record Entry(String type, List<FileKey<?>> keys, Function<Values, LayerRecipe> build) {
    List<String> keyNames() {
      return keys.stream().map(FileKey::name).toList();
    }
  }

  /** A layer's values, read and type-checked, by key; a key the file leaves out reads as its fallback. */
  interface Values {
    <T> T get(FileKey<T> key);

    /** A key without a fallback, whose default the entry derives. */
    default <T> Optional<T> optional(FileKey<T> key) {
      return Optional.ofNullable(get(key));
    }
  }

  private static final FileKey<Integer> UNITS = required("units", FileKey.WHOLE);
  private static final FileKey<Activation> ACTIVATION = optional("activation", FileKey.ACTIVATION, Activation.IDENTITY);
  private static final FileKey<Integer> FILTERS = required("filters", FileKey.WHOLE);
  private static final FileKey<int[]> KERNEL = required("kernel", FileKey.SIZE);
  private static final FileKey<Integer> STRIDE = optional("stride", FileKey.WHOLE, 1);
  private static final FileKey<Padding> PADDING = optional("padding", FileKey.PADDING, Padding.VALID);
  private static final FileKey<Integer> SIZE = required("size", FileKey.WHOLE);
  /** A pool's stride: its size unless given. */
  private static final FileKey<Integer> POOL_STRIDE = optional("stride", FileKey.WHOLE, null);
  private static final FileKey<Float> RATE = required("rate", FileKey.NUMBER);
  private static final FileKey<Boolean> RETURN_SEQUENCES = optional("return-sequences", FileKey.BOOLEAN, false);
  private static final FileKey<Float> FORGET_BIAS = optional("forget-bias", FileKey.NUMBER, 1f);
  private static final FileKey<Integer> VOCABULARY = required("vocabulary", FileKey.WHOLE);
  private static final FileKey<Integer> DIM = required("dim", FileKey.WHOLE);

  static final List<Entry> ALL = List.of(
      new Entry(Dense.TYPE, List.of(UNITS, ACTIVATION), v -> new Dense(v.get(UNITS), v.get(ACTIVATION))),
      new Entry(Conv2D.TYPE, List.of(FILTERS, KERNEL, STRIDE, PADDING, ACTIVATION), v -> new Conv2D(v.get(FILTERS),
          v.get(KERNEL)[0], v.get(KERNEL)[1], v.get(STRIDE), v.get(PADDING), v.get(ACTIVATION))),
      new Entry(MaxPool.TYPE, List.of(SIZE, POOL_STRIDE),
          v -> new MaxPool(v.get(SIZE), v.optional(POOL_STRIDE).orElse(v.get(SIZE)))),
      new Entry(AvgPool.TYPE, List.of(SIZE, POOL_STRIDE),
          v -> new AvgPool(v.get(SIZE), v.optional(POOL_STRIDE).orElse(v.get(SIZE)))),
      new Entry(GlobalAvgPool.TYPE, List.of(), v -> new GlobalAvgPool()),
      new Entry(Flatten.TYPE, List.of(), v -> new Flatten()),
      new Entry(Dropout.TYPE, List.of(RATE), v -> new Dropout(v.get(RATE))),
      new Entry(Rnn.TYPE, List.of(UNITS, RETURN_SEQUENCES), v -> new Rnn(v.get(UNITS), v.get(RETURN_SEQUENCES))),
      new Entry(Lstm.TYPE, List.of(UNITS, RETURN_SEQUENCES, FORGET_BIAS),
          v -> new Lstm(v.get(UNITS), v.get(RETURN_SEQUENCES), v.get(FORGET_BIAS))),
      new Entry(Gru.TYPE, List.of(UNITS, RETURN_SEQUENCES), v -> new Gru(v.get(UNITS), v.get(RETURN_SEQUENCES))),
      new Entry(Embedding.TYPE, List.of(VOCABULARY, DIM), v -> new Embedding(v.get(VOCABULARY), v.get(DIM))));

  /**
   * Names users of other frameworks may write for a type, to suggest ours ("did you mean"); never
   * accepted as they are, so every file reads the same.
   */
  static final Map<String, String> OTHER_NAMES = Map.ofEntries(
      Map.entry("linear", Dense.TYPE), Map.entry("fc", Dense.TYPE), Map.entry("fully-connected", Dense.TYPE),
      Map.entry("conv", Conv2D.TYPE), Map.entry("convolution", Conv2D.TYPE), Map.entry("convolution2d", Conv2D.TYPE),
      Map.entry("maxpooling2d", MaxPool.TYPE), Map.entry("maxpool2d", MaxPool.TYPE), Map.entry("max-pool", MaxPool.TYPE),
      Map.entry("max_pool2d", MaxPool.TYPE), Map.entry("max-pooling", MaxPool.TYPE),
      Map.entry("averagepooling2d", AvgPool.TYPE), Map.entry("avgpool2d", AvgPool.TYPE),
      Map.entry("avg-pool", AvgPool.TYPE), Map.entry("avg_pool2d", AvgPool.TYPE),
      Map.entry("globalaveragepooling2d", GlobalAvgPool.TYPE), Map.entry("adaptiveavgpool2d", GlobalAvgPool.TYPE),
      Map.entry("global-average-pooling", GlobalAvgPool.TYPE), Map.entry("globalavgpool", GlobalAvgPool.TYPE),
      Map.entry("embed", Embedding.TYPE), Map.entry("lookup", Embedding.TYPE),
      Map.entry("simplernn", Rnn.TYPE), Map.entry("simple-rnn", Rnn.TYPE), Map.entry("elman", Rnn.TYPE));

  private LayerTypes() {}

  static Map<String, Entry> byType() {
    Map<String, Entry> types = new LinkedHashMap<>();
    ALL.forEach(entry -> types.put(entry.type(), entry));
    return types;
  }
}
