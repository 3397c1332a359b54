package org.partita.models.network;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.partita.models.layers.Activation;
import org.partita.models.layers.LayerSpec;
import org.partita.models.loss.Loss;
import org.partita.models.network.DataShape.Kind;
import org.partita.models.network.LayerRecipe.OutputUse;

/**
 * A network written in Java the way a model file writes it: the input shape once, then the layers,
 * then the loss — shapes inferred, so no layer's input size is ever written.
 * <pre>{@code
 * ModelSpec cnn = Model.input(1, 28, 28)
 *     .conv2d(32, 3, Activation.RELU).maxpool(2)
 *     .flatten().dense(128, Activation.RELU).dense(10)
 *     .softmaxCrossEntropy();
 * }</pre>
 * The shortcuts take each kind's common keys; {@link #add} takes any {@link LayerRecipe} with all of
 * them. A model file is read into the same recipes ({@code ModelFile}), so both give the same
 * {@link ModelSpec}, and so the same initial weights. Immutable: each step returns a new Model.
 *
 * <p>{@link #build} refuses, before anything trains, layers that cannot follow what comes before
 * them and a loss that does not fit the last layer (docs/MODELS.md states the rules), with a
 * {@link ModelDefinitionException} naming the layer, its type, the key and the shapes.
 */
public final class Model {
  /** The default name and seed of a model built here ({@code partita train --seed} defaults to 1 too). */
  public static final String DEFAULT_NAME = "model";
  public static final long DEFAULT_SEED = 1;

  private final int[] input;
  private final List<LayerRecipe> layers;
  private final String name;
  private final long seed;

  private Model(int[] input, List<LayerRecipe> layers, String name, long seed) {
    this.input = input;
    this.layers = List.copyOf(layers);
    this.name = name;
    this.seed = seed;
  }

  /** [N] a vector, [T, F] a sequence, [C, H, W] an image, [T] token ids before an embedding. */
  public static Model input(int... dims) {
    return new Model(dims.clone(), List.of(), DEFAULT_NAME, DEFAULT_SEED);
  }

  public Model named(String modelName) {
    return new Model(input, layers, modelName, seed);
  }

  /** The seed every initial weight (and dropout mask) derives from. */
  public Model seed(long initSeed) {
    return new Model(input, layers, name, initSeed);
  }

  public Model add(LayerRecipe layer) {
    if (layer == null) {
      throw new IllegalArgumentException("model '" + name + "': layer " + layers.size() + " is null");
    }
    List<LayerRecipe> more = new ArrayList<>(layers);
    more.add(layer);
    return new Model(input, more, name, seed);
  }

  /** Linear (raw scores or values). */
  public Model dense(int units) {
    return add(new LayerRecipe.Dense(units, Activation.IDENTITY));
  }

  public Model dense(int units, Activation activation) {
    return add(new LayerRecipe.Dense(units, activation));
  }

  /** Square kernel, stride 1, no padding ("valid"), linear. */
  public Model conv2d(int filters, int kernel) {
    return conv2d(filters, kernel, Activation.IDENTITY);
  }

  /** Square kernel, stride 1, no padding ("valid"). */
  public Model conv2d(int filters, int kernel, Activation activation) {
    return add(new LayerRecipe.Conv2D(filters, kernel, 1, Padding.VALID, activation));
  }

  /** Windows of size × size, moving by size. */
  public Model maxpool(int size) {
    return add(new LayerRecipe.MaxPool(size, size));
  }

  /** Windows of size × size, moving by size. */
  public Model avgpool(int size) {
    return add(new LayerRecipe.AvgPool(size, size));
  }

  /** Each channel's mean: [C, H, W] → [C]. */
  public Model globalAvgpool() {
    return add(new LayerRecipe.GlobalAvgPool());
  }

  public Model flatten() {
    return add(new LayerRecipe.Flatten());
  }

  public Model dropout(float rate) {
    return add(new LayerRecipe.Dropout(rate));
  }

  /** Returns the last step's state only. */
  public Model rnn(int units) {
    return add(new LayerRecipe.Rnn(units, false));
  }

  /** Returns the last step's state only; forget bias 1. */
  public Model lstm(int units) {
    return add(new LayerRecipe.Lstm(units, false, 1f));
  }

  /** Returns the last step's state only. */
  public Model gru(int units) {
    return add(new LayerRecipe.Gru(units, false));
  }

  /** Token ids [T] to vectors [T, dim]: the first layer, over {@code input(T)}. */
  public Model embedding(int vocabulary, int dim) {
    return add(new LayerRecipe.Embedding(vocabulary, dim));
  }

  public List<LayerRecipe> layers() {
    return layers;
  }

  public ModelSpec softmaxCrossEntropy() {
    return build(Loss.SOFTMAX_CROSS_ENTROPY);
  }

  public ModelSpec mse() {
    return build(Loss.MEAN_SQUARED_ERROR);
  }

  /** The spec, every layer's input size inferred; refuses what cannot train (see the class comment). */
  public ModelSpec build(Loss loss) {
    if (loss == null) {
      throw new ModelDefinitionException(ModelDefinitionException.NO_LAYER, null, "loss", "is missing; give "
          + String.join(" or ", ModelVocabulary.LOSSES.keySet()));
    }
    if (layers.isEmpty()) {
      throw new ModelDefinitionException(ModelDefinitionException.NO_LAYER, null, "layers", "the model has no layers");
    }
    DataShape flow;
    try {
      flow = DataShape.input(input, layers.get(0).readsTokens());
    } catch (IllegalArgumentException e) {
      throw new ModelDefinitionException(ModelDefinitionException.NO_LAYER, null, "input", e.getMessage());
    }
    List<LayerSpec> specs = new ArrayList<>();
    List<DataShape> outputs = new ArrayList<>();
    String producer = "the input";
    for (int i = 0; i < layers.size(); i++) {
      LayerRecipe layer = layers.get(i);
      if (!layer.accepts().contains(flow.kind())) {
        throw new ModelDefinitionException(i, layer.type(), null, "takes " + describe(layer) + ", but " + producer
            + " gives " + flow + "; " + layer.hint(flow.kind()));
      }
      LayerSpec spec;
      try {
        spec = layer.spec(flow);
      } catch (ModelDefinitionException e) {
        throw e.at(i);
      }
      specs.add(spec);
      flow = layer.output(flow, spec);
      outputs.add(flow);
      producer = "layer " + i + " (" + layer.type() + ")";
    }
    checkLoss(loss, outputs);
    return new ModelSpec(name, DataShape.input(input, layers.get(0).readsTokens()).shape(), specs, loss, seed);
  }

  private static String describe(LayerRecipe layer) {
    return Arrays.stream(Kind.values()).filter(layer.accepts()::contains).map(Kind::described)
        .collect(Collectors.joining(" or "));
  }

  /**
   * The loss rules: the model ends in a vector [K] or a sequence [T, K] of per-step outputs; what
   * the last weighted layer computes reaches the loss unbounded (linear), since
   * softmax-cross-entropy applies the softmax itself and mse compares with standardised targets;
   * a classifier has at least 2 classes.
   */
  private void checkLoss(Loss loss, List<DataShape> outputs) {
    String lossName = ModelVocabulary.lossName(loss);
    int last = layers.size() - 1;
    DataShape output = outputs.get(last);
    if (output.kind() == Kind.IMAGE) {
      throw new ModelDefinitionException(last, layers.get(last).type(), null, "the loss (" + lossName
          + ") needs the model to end in a vector [K] or a sequence [T, K], but this layer gives " + output
          + "; add { type = flatten } or { type = global-avgpool }, and a dense layer");
    }
    int producer = last;
    while (producer > 0 && layers.get(producer).asOutput() == OutputUse.PASSES_ON) {
      producer--;
    }
    LayerRecipe computing = layers.get(producer);
    if (computing.asOutput() != OutputUse.WEIGHTED) {
      throw new ModelDefinitionException(producer, computing.type(), null, "the loss (" + lossName
          + ") needs the model's outputs computed by a linear dense or conv2d layer, but they come from this one"
          + "; add { type = dense, units = " + (loss == Loss.SOFTMAX_CROSS_ENTROPY ? "<classes>" : "<targets>")
          + " } after it");
    }
    if (computing.activation() != Activation.IDENTITY) {
      String why = loss == Loss.SOFTMAX_CROSS_ENTROPY
          ? "softmax-cross-entropy applies the softmax itself, so this layer must give raw scores"
          : "mse compares the outputs with standardised targets (mean 0, variance 1), which a "
              + ModelVocabulary.activationName(computing.activation()) + " output cannot reach";
      throw new ModelDefinitionException(producer, computing.type(), "activation", why + ", but it has activation = "
          + ModelVocabulary.activationName(computing.activation()) + "; make it linear (leave the key out)");
    }
    int perStep = output.kind() == Kind.SEQUENCE ? output.shape().height() : output.shape().size();
    if (loss == Loss.SOFTMAX_CROSS_ENTROPY && perStep < 2) {
      throw new ModelDefinitionException(last, layers.get(last).type(), null, "softmax-cross-entropy needs ≥ 2 "
          + "classes, but the model ends in " + output + "; give units = <classes>, or use loss = mse");
    }
  }
}
