package org.partita.models.network;

import java.util.Set;
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
import org.partita.models.layers.Shape;
import org.partita.models.layers.SimpleRnnSpec;
import org.partita.models.layers.Window;
import org.partita.models.network.DataShape.Kind;

/**
 * One layer as a person describes it — an entry of a model file's {@code layers} list, or a step
 * of {@link Model} — without its input size: {@link Model} infers that from the layer before and
 * turns each recipe into the {@link LayerSpec} the rest of Partita sees. Each record is one
 * {@code type} of the file ({@code TYPE}); its components are the file's keys, and its
 * constructor refuses bad values naming the key. A new layer kind is one record here and one entry
 * in the file's key table (docs/MODELS.md lists both).
 */
public sealed interface LayerRecipe {
  /** The file's name of the kind, e.g. "conv2d". */
  String type();

  /** The kinds of data this layer can follow. */
  Set<Kind> accepts();

  /** The spec over {@code input}, whose kind {@link #accepts} holds; refuses a misfit naming the key. */
  LayerSpec spec(DataShape input);

  /** What this layer gives for {@code input}, of a kind it accepts, as {@code spec}. */
  default DataShape output(DataShape input, LayerSpec spec) {
    return new DataShape(input.kind(), spec.outputShape());
  }

  /** How to fix feeding this layer data of a kind it does not accept. */
  String hint(Kind given);

  /** What a loss may make of this layer's outputs when the model ends with it (docs/MODELS.md, "Losses"). */
  default OutputUse asOutput() {
    return OutputUse.UNFIT;
  }

  /** The activation applied to the outputs; identity for layers without one. */
  default Activation activation() {
    return Activation.IDENTITY;
  }

  /** Whether this layer reads integer token ids, and so may only come first. */
  default boolean readsTokens() {
    return false;
  }

  enum OutputUse {
    /** Weights and an activation compute the outputs (dense, conv2d): fit for a loss when linear. */
    WEIGHTED,
    /** The outputs rearrange or pool the layer before's (flatten, pooling): that layer decides. */
    PASSES_ON,
    /** Bounded (recurrent), randomly dropped, or looked up: never the model's last word. */
    UNFIT
  }

  /** Convolution and pooling: they take an image [C, H, W]. */
  sealed interface OverImage extends LayerRecipe permits Conv2D, Pooling, GlobalAvgPool {
    @Override
    default Set<Kind> accepts() {
      return Set.of(Kind.IMAGE);
    }

    @Override
    default String hint(Kind given) {
      return given == Kind.TOKENS
          ? "an embedding must come first to read token ids"
          : "convolution and pooling need input = [C, H, W] and must come before flatten or dense layers";
    }
  }

  /** Max and average pooling over square windows: they pass the layer before's outputs on. */
  sealed interface Pooling extends OverImage permits MaxPool, AvgPool {
    int size();

    int stride();

    @Override
    default OutputUse asOutput() {
      return OutputUse.PASSES_ON;
    }

    /** A square, unpadded window (the only kind max pooling's wire format holds) that fits {@code input}. */
    default Window window(DataShape input) {
      if (size() > input.shape().height() || size() > input.shape().width()) {
        throw ModelDefinitionException.of(type(), "size", size() + "×" + size() + " does not fit " + input
            + "; use a smaller size or pool earlier");
      }
      return Window.square(size(), stride(), 0);
    }

    private static void check(String type, int size, int stride) {
      atLeastOne(type, "size", size);
      atLeastOne(type, "stride", stride);
    }
  }

  /** Recurrent layers: over a sequence [T, F], giving the last step's state [units], or every step's [T, units]. */
  sealed interface Recurrent extends LayerRecipe permits Rnn, Lstm, Gru {
    boolean returnSequences();

    @Override
    default Set<Kind> accepts() {
      return Set.of(Kind.SEQUENCE);
    }

    @Override
    default DataShape output(DataShape input, LayerSpec spec) {
      return new DataShape(returnSequences() ? Kind.SEQUENCE : Kind.VECTOR, spec.outputShape());
    }

    @Override
    default String hint(Kind given) {
      return switch (given) {
        case VECTOR -> "give input = [T, F], or return-sequences = true on the recurrent layer before";
        case IMAGE -> "read an image's rows as a sequence with input = [H, W] (e.g. [28, 28]) instead of [1, H, W]";
        default -> "an embedding must come first to read token ids, giving [T, dim]";
      };
    }
  }

  /** Fully connected; over a sequence [T, F] the same weights apply at every step. */
  record Dense(int units, Activation activation) implements LayerRecipe {
    public static final String TYPE = "dense";

    public Dense {
      atLeastOne(TYPE, "units", units);
      notNull(TYPE, "activation", activation);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public Set<Kind> accepts() {
      return Set.of(Kind.VECTOR, Kind.SEQUENCE);
    }

    @Override
    public LayerSpec spec(DataShape input) {
      Shape in = input.shape();
      return input.kind() == Kind.SEQUENCE
          ? new DenseSpec(in.height(), units, activation, in.channels())
          : new DenseSpec(in.size(), units, activation);
    }

    @Override
    public String hint(Kind given) {
      return "put { type = flatten } or { type = global-avgpool } before it";
    }

    @Override
    public OutputUse asOutput() {
      return OutputUse.WEIGHTED;
    }
  }

  /** 2-D convolution of an image; {@code kernelHeight × kernelWidth} windows moving by {@code stride}. */
  record Conv2D(int filters, int kernelHeight, int kernelWidth, int stride, Padding padding, Activation activation)
      implements OverImage {
    public static final String TYPE = "conv2d";

    public Conv2D {
      atLeastOne(TYPE, "filters", filters);
      atLeastOne(TYPE, "kernel", Math.min(kernelHeight, kernelWidth));
      atLeastOne(TYPE, "stride", stride);
      notNull(TYPE, "padding", padding);
      notNull(TYPE, "activation", activation);
      padding.pixels(kernelHeight, kernelWidth);
    }

    /** A square kernel. */
    public Conv2D(int filters, int kernel, int stride, Padding padding, Activation activation) {
      this(filters, kernel, kernel, stride, padding, activation);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public LayerSpec spec(DataShape input) {
      int pad = padding.pixels(kernelHeight, kernelWidth);
      Shape in = input.shape();
      if (in.height() + 2 * pad < kernelHeight || in.width() + 2 * pad < kernelWidth) {
        throw ModelDefinitionException.of(TYPE, "kernel", kernelHeight + "×" + kernelWidth + " (padding " + padding
            + ") does not fit " + input + "; use a smaller kernel or more padding");
      }
      return new Conv2DSpec(in, filters, new Window(kernelHeight, kernelWidth, stride, pad), activation);
    }

    @Override
    public OutputUse asOutput() {
      return OutputUse.WEIGHTED;
    }
  }

  /** Max pooling per channel over {@code size × size} windows moving by {@code stride} (the file's default: size). */
  record MaxPool(int size, int stride) implements Pooling {
    public static final String TYPE = "maxpool";

    public MaxPool {
      Pooling.check(TYPE, size, stride);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public LayerSpec spec(DataShape input) {
      return new MaxPool2DSpec(input.shape(), window(input));
    }
  }

  /** Average pooling per channel over {@code size × size} windows moving by {@code stride} (the file's default: size). */
  record AvgPool(int size, int stride) implements Pooling {
    public static final String TYPE = "avgpool";

    public AvgPool {
      Pooling.check(TYPE, size, stride);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public LayerSpec spec(DataShape input) {
      return new AvgPool2DSpec(input.shape(), window(input));
    }
  }

  /** The mean of each channel: an image [C, H, W] becomes a vector [C]. */
  record GlobalAvgPool() implements OverImage {
    public static final String TYPE = "global-avgpool";

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public LayerSpec spec(DataShape input) {
      return AvgPool2DSpec.global(input.shape());
    }

    @Override
    public DataShape output(DataShape input, LayerSpec spec) {
      return new DataShape(Kind.VECTOR, spec.outputShape());
    }

    @Override
    public OutputUse asOutput() {
      return OutputUse.PASSES_ON;
    }
  }

  /** An image or a sequence as one vector (samples are stored flattened already: no copy). */
  record Flatten() implements LayerRecipe {
    public static final String TYPE = "flatten";

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public Set<Kind> accepts() {
      return Set.of(Kind.IMAGE, Kind.SEQUENCE, Kind.VECTOR);
    }

    @Override
    public LayerSpec spec(DataShape input) {
      return new FlattenSpec(input.shape());
    }

    @Override
    public DataShape output(DataShape input, LayerSpec spec) {
      return new DataShape(Kind.VECTOR, spec.outputShape());
    }

    @Override
    public String hint(Kind given) {
      return "flatten reads floats; an embedding must come first to read token ids";
    }

    @Override
    public OutputUse asOutput() {
      return OutputUse.PASSES_ON;
    }
  }

  /** Inverted dropout of each feature (each step's features of a sequence) with probability {@code rate}. */
  record Dropout(float rate) implements LayerRecipe {
    public static final String TYPE = "dropout";

    public Dropout {
      if (!(rate >= 0f && rate < 1f)) {
        throw ModelDefinitionException.of(TYPE, "rate", "must be in [0, 1), got " + rate);
      }
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public Set<Kind> accepts() {
      return Set.of(Kind.VECTOR, Kind.SEQUENCE);
    }

    /**
     * As a vector, which is how the wire format and checkpoints hold a dropout layer; the layers
     * after it still see the sequence it keeps ({@link #output}).
     */
    @Override
    public LayerSpec spec(DataShape input) {
      return new DropoutSpec(Shape.vector(input.shape().size()), rate);
    }

    @Override
    public DataShape output(DataShape input, LayerSpec spec) {
      return input;
    }

    @Override
    public String hint(Kind given) {
      return given == Kind.IMAGE
          ? "dropout over an image is not supported (checkpoints hold dropout over vectors); put it after flatten"
          : "dropout reads floats; an embedding must come first to read token ids";
    }
  }

  /** Elman RNN, h_t = tanh(W·[x_t; h_{t−1}] + b), over a sequence [T, F]. */
  record Rnn(int units, boolean returnSequences) implements Recurrent {
    public static final String TYPE = "rnn";

    public Rnn {
      atLeastOne(TYPE, "units", units);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public LayerSpec spec(DataShape input) {
      return new SimpleRnnSpec(input.shape().height(), units, input.shape().channels(), returnSequences);
    }
  }

  /** LSTM over a sequence [T, F]; the forget gate's bias starts at {@code forgetBias} (1 by convention). */
  record Lstm(int units, boolean returnSequences, float forgetBias) implements Recurrent {
    public static final String TYPE = "lstm";

    public Lstm {
      atLeastOne(TYPE, "units", units);
      if (!Float.isFinite(forgetBias)) {
        throw ModelDefinitionException.of(TYPE, "forget-bias", "must be a finite number, got " + forgetBias);
      }
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public LayerSpec spec(DataShape input) {
      return new LstmSpec(input.shape().height(), units, input.shape().channels(), returnSequences, forgetBias);
    }
  }

  /** GRU over a sequence [T, F], in PyTorch's formulation (reset gate applied after the recurrent product). */
  record Gru(int units, boolean returnSequences) implements Recurrent {
    public static final String TYPE = "gru";

    public Gru {
      atLeastOne(TYPE, "units", units);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public LayerSpec spec(DataShape input) {
      return new GruSpec(input.shape().height(), units, input.shape().channels(), returnSequences);
    }
  }

  /** A lookup table from integer token ids [T] to vectors [T, dim]; only the first layer can read ids. */
  record Embedding(int vocabulary, int dim) implements LayerRecipe {
    public static final String TYPE = "embedding";

    public Embedding {
      atLeastOne(TYPE, "vocabulary", vocabulary);
      atLeastOne(TYPE, "dim", dim);
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public Set<Kind> accepts() {
      return Set.of(Kind.TOKENS);
    }

    @Override
    public boolean readsTokens() {
      return true;
    }

    @Override
    public LayerSpec spec(DataShape input) {
      return new EmbeddingSpec(vocabulary, dim, input.shape().channels());
    }

    @Override
    public DataShape output(DataShape input, LayerSpec spec) {
      return new DataShape(Kind.SEQUENCE, spec.outputShape());
    }

    @Override
    public String hint(Kind given) {
      return "an embedding reads integer token ids, which only the input holds: make it the first layer, over "
          + "input = [T] (one id per step)";
    }
  }

  private static void atLeastOne(String type, String key, int value) {
    if (value < 1) {
      throw ModelDefinitionException.of(type, key, "must be ≥ 1, got " + value);
    }
  }

  private static void notNull(String type, String key, Object value) {
    if (value == null) {
      throw ModelDefinitionException.of(type, key, "is missing");
    }
  }
}
