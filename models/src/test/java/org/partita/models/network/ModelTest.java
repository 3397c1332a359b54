package org.partita.models.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigSyntax;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.partita.models.blas.Blas;
import org.partita.models.io.ModelFile;
import org.partita.models.layers.Activation;
import org.partita.models.layers.Parameter;
import org.partita.models.network.LayerRecipe.Conv2D;
import org.partita.models.network.LayerRecipe.Dropout;
import org.partita.models.network.LayerRecipe.Lstm;
import org.partita.models.network.LayerRecipe.Rnn;

/** The Java API and a model file describing the same network give the same spec and the same initial weights. */
class ModelTest {
  private static void assertSameInitialWeights(ModelSpec fromApi, String file) {
    ModelSpec fromFile = ModelFile.parse(file, fromApi.name() + ".conf", ConfigSyntax.CONF, 3);
    assertEquals(fromApi, fromFile);
    List<Parameter> api = new Network(fromApi, Blas.get()).parameters();
    List<Parameter> read = new Network(fromFile, Blas.get()).parameters();
    assertEquals(api.size(), read.size());
    for (int p = 0; p < api.size(); p++) {
      assertArrayEquals(api.get(p).value().data, read.get(p).value().data, fromApi.name() + " parameter " + p);
    }
    assertFalse(Arrays.equals(api.get(0).value().data, new Network(fromApi.withSeed(4), Blas.get()).parameters().get(0)
        .value().data), "another seed, other weights: the comparison above is not vacuous");
  }

  @Test
  void cnnFromJavaAndFromAFileAreTheSame() {
    assertSameInitialWeights(Model.input(1, 12, 12).named("cnn").seed(3)
        .add(new Conv2D(4, 3, 1, Padding.SAME, Activation.RELU))
        .maxpool(2)
        .conv2d(6, 3, Activation.RELU)
        .add(new LayerRecipe.MaxPool(2, 1))
        .add(new LayerRecipe.AvgPool(2, 1))
        .flatten()
        .dense(16, Activation.RELU)
        .dropout(0.25f)
        .dense(10)
        .softmaxCrossEntropy(), """
        input = [1, 12, 12]
        layers = [
          { type = conv2d, filters = 4, kernel = 3, padding = same, activation = relu }
          { type = maxpool, size = 2 }
          { type = conv2d, filters = 6, kernel = 3, activation = relu }
          { type = maxpool, size = 2, stride = 1 }
          { type = avgpool, size = 2, stride = 1 }
          { type = flatten }
          { type = dense, units = 16, activation = relu }
          { type = dropout, rate = 0.25 }
          { type = dense, units = 10 }
        ]
        loss = softmax-cross-entropy
        """);
  }

  @Test
  void allConvolutionalNetFromJavaAndFromAFileAreTheSame() {
    assertSameInitialWeights(Model.input(3, 10, 10).named("all-conv").seed(3)
        .conv2d(8, 3, Activation.RELU).avgpool(2).conv2d(5, 1).globalAvgpool().softmaxCrossEntropy(), """
        input = [3, 10, 10]
        layers = [
          { type = conv2d, filters = 8, kernel = 3, activation = relu }
          { type = avgpool, size = 2 }
          { type = conv2d, filters = 5, kernel = 1 }
          { type = global-avgpool }
        ]
        loss = softmax-cross-entropy
        """);
  }

  @Test
  void mlpFromJavaAndFromAFileAreTheSame() {
    assertSameInitialWeights(Model.input(20).named("mlp").seed(3)
        .dense(32, Activation.TANH).dense(16, Activation.SIGMOID).dense(2).mse(), """
        input = [20]
        layers = [
          { type = dense, units = 32, activation = tanh }
          { type = dense, units = 16, activation = sigmoid }
          { type = dense, units = 2 }
        ]
        loss = mse
        """);
  }

  @Test
  void recurrentModelsFromJavaAndFromAFileAreTheSame() {
    assertSameInitialWeights(Model.input(7, 5).named("recurrent").seed(3)
        .add(new Rnn(6, true))
        .add(new Lstm(8, true, 0.5f))
        .dense(4)
        .add(new LayerRecipe.Gru(5, true))
        .lstm(9)
        .dense(3)
        .softmaxCrossEntropy(), """
        input = [7, 5]
        layers = [
          { type = rnn, units = 6, return-sequences = true }
          { type = lstm, units = 8, return-sequences = true, forget-bias = 0.5 }
          { type = dense, units = 4 }
          { type = gru, units = 5, return-sequences = true }
          { type = lstm, units = 9 }
          { type = dense, units = 3 }
        ]
        loss = softmax-cross-entropy
        """);
  }

  @Test
  void gruFromJavaAndFromAFileAreTheSame() {
    assertSameInitialWeights(Model.input(28, 28).named("gru-fashion").seed(3).gru(128).dense(10)
        .softmaxCrossEntropy(), """
        input = [28, 28]
        layers = [ { type = gru, units = 128 }, { type = dense, units = 10 } ]
        loss = softmax-cross-entropy
        """);
  }

  @Test
  void embeddingModelFromJavaAndFromAFileAreTheSame() {
    assertSameInitialWeights(Model.input(10).named("tokens").seed(3).embedding(30, 6).gru(8).dense(4)
        .softmaxCrossEntropy(), """
        input = [10]
        layers = [
          { type = embedding, vocabulary = 30, dim = 6 }
          { type = gru, units = 8 }
          { type = dense, units = 4 }
        ]
        loss = softmax-cross-entropy
        """);
  }

  /** The Java of docs/MODELS.md is the example file it says it is. */
  @Test
  void theModelsPagesJavaIsItsExampleFile() throws java.io.IOException {
    ModelSpec cnn = Model.input(1, 28, 28).named("cnn-avgpool").seed(1)
        .add(new LayerRecipe.Conv2D(32, 3, 1, Padding.SAME, Activation.RELU))
        .avgpool(2)
        .add(new LayerRecipe.Conv2D(64, 3, 1, Padding.SAME, Activation.RELU))
        .avgpool(2)
        .flatten()
        .dense(128, Activation.RELU)
        .dropout(0.3f)
        .dense(10)
        .softmaxCrossEntropy();
    assertEquals(ModelFile.read(java.nio.file.Path.of("../docs/examples/cnn-avgpool.conf"), 1), cnn);
    ModelSpec gru = Model.input(28, 28).named("gru-fashion").gru(128).dense(10).softmaxCrossEntropy();
    assertEquals(ModelFile.read(java.nio.file.Path.of("../docs/examples/gru-fashion.conf"), 1), gru);
  }

  @Test
  void refusalsFromJavaNameTheLayerTypeKeyAndShapes() {
    assertEquals("dropout rate: must be in [0, 1), got 1.5",
        assertThrows(ModelDefinitionException.class, () -> new Dropout(1.5f)).getMessage());
    ModelDefinitionException flow = assertThrows(ModelDefinitionException.class,
        () -> Model.input(1, 8, 8).flatten().conv2d(2, 3).softmaxCrossEntropy());
    assertEquals("layer 1 (conv2d): takes an image [C, H, W], but layer 0 (flatten) gives a vector [64]; convolution "
        + "and pooling need input = [C, H, W] and must come before flatten or dense layers", flow.getMessage());
    assertEquals(1, flow.layer());
    ModelDefinitionException kernel = assertThrows(ModelDefinitionException.class,
        () -> Model.input(1, 2, 2).conv2d(2, 3).flatten().dense(2).softmaxCrossEntropy());
    assertEquals("layer 0 (conv2d) kernel: 3×3 (padding valid) does not fit an image [1, 2, 2]; use a smaller kernel "
        + "or more padding", kernel.getMessage());
    assertEquals("kernel", kernel.key());
    assertEquals("layer 0 (dense) activation: softmax-cross-entropy applies the softmax itself, so this layer must give "
        + "raw scores, but it has activation = relu; make it linear (leave the key out)",
        assertThrows(ModelDefinitionException.class,
            () -> Model.input(4).dense(3, Activation.RELU).softmaxCrossEntropy()).getMessage());
    assertEquals("layers: the model has no layers",
        assertThrows(ModelDefinitionException.class, () -> Model.input(4).mse()).getMessage());
  }
}
