package org.partita.bench.dl4j;

import java.util.List;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.partita.models.layers.Activation;
import org.partita.models.layers.Conv2DSpec;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.DropoutSpec;
import org.partita.models.layers.FlattenSpec;
import org.partita.models.layers.Initializer;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.LstmSpec;
import org.partita.models.layers.MaxPool2DSpec;
import org.partita.models.layers.Window;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.optim.UpdateRule;

/**
 * Builds the Deeplearning4j network that computes what a Partita {@link ModelSpec} computes, layer
 * for layer, read from the spec itself rather than written out a second time: Dense → DenseLayer,
 * Conv2D → ConvolutionLayer (truncate mode with the spec's explicit padding), MaxPool2D →
 * SubsamplingLayer(MAX), Dropout(rate) → DropoutLayer(retain 1 − rate), Flatten → DL4J's implicit
 * CNN-to-dense preprocessor, a last-step LSTM → LastTimeStep(LSTM) without peepholes, and the final
 * linear Dense with softmax cross-entropy → OutputLayer(softmax, MCXENT). Weights are drawn from the
 * same distributions as Partita's (He uniform for ReLU layers, Xavier uniform otherwise), but from
 * DL4J's own random generator, so the two start from different weights.
 *
 * <p>Does not translate what the benchmark does not need (per-step outputs, SimpleRNN, other
 * losses or optimizers than Adam): those fail loudly instead of being approximated.
 */
final class Dl4jNetworks {
  private Dl4jNetworks() {}

  static MultiLayerNetwork build(ModelSpec spec, OptimizerSpec optimizer) {
    if (spec.loss() != Loss.SOFTMAX_CROSS_ENTROPY) {
      throw new IllegalArgumentException("DL4J translation supports softmax cross-entropy only, not " + spec.loss());
    }
    if (!(optimizer.rule() instanceof UpdateRule.Adam adam) || optimizer.weightDecay() != 0f
        || optimizer.clipGlobalNorm() != 0f) {
      throw new IllegalArgumentException("DL4J translation supports plain Adam only, not " + optimizer.describe());
    }
    NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
        .seed(spec.initSeed())
        .dataType(DataType.FLOAT)
        .updater(new Adam(optimizer.learningRate(), adam.beta1(), adam.beta2(), adam.epsilon()))
        .list();
    List<LayerSpec> specs = spec.layers();
    for (int i = 0; i < specs.size(); i++) {
      boolean last = i == specs.size() - 1;
      org.deeplearning4j.nn.conf.layers.Layer layer = translate(specs.get(i), last);
      if (layer != null) {
        layers.layer(layer);
      }
    }
    MultiLayerConfiguration configuration = layers.setInputType(inputType(spec)).build();
    MultiLayerNetwork network = new MultiLayerNetwork(configuration);
    network.init();
    return network;
  }

  /** The DL4J layer for one spec, or null for a Flatten (DL4J inserts that reshaping itself). */
  private static org.deeplearning4j.nn.conf.layers.Layer translate(LayerSpec layer, boolean last) {
    if (layer instanceof DenseSpec dense) {
      return dense(dense, last);
    }
    if (layer instanceof Conv2DSpec conv) {
      Window window = conv.window();
      return new ConvolutionLayer.Builder(window.height(), window.width())
          .stride(window.stride(), window.stride()).padding(window.padding(), window.padding())
          .convolutionMode(ConvolutionMode.Truncate)
          .nIn(conv.input().channels()).nOut(conv.filters())
          .activation(activation(conv.activation())).weightInit(weightInit(conv.activation().defaultInitializer()))
          .build();
    }
    if (layer instanceof MaxPool2DSpec pool) {
      Window window = pool.window();
      return new SubsamplingLayer.Builder(PoolingType.MAX)
          .kernelSize(window.height(), window.width()).stride(window.stride(), window.stride())
          .padding(window.padding(), window.padding()).convolutionMode(ConvolutionMode.Truncate).build();
    }
    if (layer instanceof DropoutSpec dropout) {
      // DL4J's argument is the probability of keeping an activation, Partita's of dropping it.
      return new DropoutLayer.Builder(1.0 - dropout.rate()).build();
    }
    if (layer instanceof FlattenSpec) {
      return null;
    }
    if (layer instanceof LstmSpec lstm) {
      if (lstm.returnSequences()) {
        throw new IllegalArgumentException("DL4J translation supports last-step LSTMs only, not " + lstm.describe());
      }
      // Partita's LSTM has Xavier weights (input and recurrent), gates i, f, o sigmoid, cell tanh.
      return new LastTimeStep(new LSTM.Builder().nIn(lstm.inputs()).nOut(lstm.hidden())
          .activation(org.nd4j.linalg.activations.Activation.TANH)
          .gateActivationFunction(org.nd4j.linalg.activations.Activation.SIGMOID)
          .forgetGateBiasInit(lstm.forgetBias())
          .weightInit(WeightInit.XAVIER_UNIFORM).build());
    }
    throw new UnsupportedOperationException("no DL4J translation for " + layer.describe());
  }

  private static org.deeplearning4j.nn.conf.layers.Layer dense(DenseSpec dense, boolean last) {
    if (dense.timeSteps() != 1) {
      throw new IllegalArgumentException("DL4J translation supports per-sample Dense layers only, not "
          + dense.describe());
    }
    WeightInit init = weightInit(dense.activation().defaultInitializer());
    if (last) {
      if (dense.activation() != Activation.IDENTITY) {
        throw new IllegalArgumentException("the output layer must be linear (softmax is in the loss), not "
            + dense.describe());
      }
      return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
          .activation(org.nd4j.linalg.activations.Activation.SOFTMAX)
          .nIn(dense.inputs()).nOut(dense.outputs()).weightInit(init).build();
    }
    return new DenseLayer.Builder().nIn(dense.inputs()).nOut(dense.outputs())
        .activation(activation(dense.activation())).weightInit(init).build();
  }

  private static InputType inputType(ModelSpec spec) {
    LayerSpec first = spec.layers().get(0);
    if (first instanceof LstmSpec lstm) {
      return InputType.recurrent(lstm.inputs(), lstm.timeSteps());
    }
    if (first instanceof Conv2DSpec conv) {
      return InputType.convolutionalFlat(conv.input().height(), conv.input().width(), conv.input().channels());
    }
    return InputType.feedForward(spec.inputShape().size());
  }

  private static org.nd4j.linalg.activations.Activation activation(Activation activation) {
    return switch (activation) {
      case IDENTITY -> org.nd4j.linalg.activations.Activation.IDENTITY;
      case RELU -> org.nd4j.linalg.activations.Activation.RELU;
      case TANH -> org.nd4j.linalg.activations.Activation.TANH;
      case SIGMOID -> org.nd4j.linalg.activations.Activation.SIGMOID;
    };
  }

  /** DL4J's RELU_UNIFORM is U(±√(6/fan_in)) and XAVIER_UNIFORM U(±√(6/(fan_in+fan_out))), as Partita's. */
  private static WeightInit weightInit(Initializer initializer) {
    return switch (initializer) {
      case HE_UNIFORM -> WeightInit.RELU_UNIFORM;
      case XAVIER_UNIFORM -> WeightInit.XAVIER_UNIFORM;
      case EMBEDDING_UNIFORM -> throw new UnsupportedOperationException("no DL4J translation for embeddings");
    };
  }
}
