package org.partita.models.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.jblas.FloatMatrix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.partita.models.blas.Blas;
import org.partita.models.data.FashionMnist;
import org.partita.models.data.Standardization;
import org.partita.models.layers.Activation;
import org.partita.models.layers.AvgPool2DSpec;
import org.partita.models.layers.BatchContext;
import org.partita.models.layers.Conv2DSpec;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.DropoutSpec;
import org.partita.models.layers.EmbeddingSpec;
import org.partita.models.layers.FlattenSpec;
import org.partita.models.layers.GruSpec;
import org.partita.models.layers.LayerCases;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.LstmSpec;
import org.partita.models.layers.MaxPool2DSpec;
import org.partita.models.layers.Parameter;
import org.partita.models.layers.ParameterKind;
import org.partita.models.layers.Shape;
import org.partita.models.layers.SimpleRnnSpec;
import org.partita.models.layers.Window;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.Network;
import org.partita.models.network.StandardModels;
import org.partita.proto.onnx.Onnx.ModelProto;
import org.partita.proto.onnx.Onnx.TensorProto;
import org.partita.proto.onnx.Onnx.TensorShapeProto;

/**
 * Exported files, run by ONNX Runtime, compute what Partita's inference forward computes, within
 * 1e-5 of the largest value of each output: every layer case of {@link LayerCases} as a model of
 * its own (raw outputs), small models chaining the layer kinds with their input standardisation
 * folded in, the standard models on real Fashion-MNIST images, char-lstm's next-symbol logits and
 * a regression model with its targets' statistics. Weights are the seeded initial ones and every
 * bias is drawn at random, since zero biases would hide a misplaced one (LSTM's and GRU's gate
 * orders, GRU's b_hn).
 */
class OnnxRuntimeTest {
  private static final double TOLERANCE = 1e-5;
  private static final int BATCH = 5;
  private static OrtEnvironment environment;
  private static OrtSession.SessionOptions options;

  @BeforeAll
  static void start() throws Exception {
    environment = OrtEnvironment.getEnvironment();
    options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
  }

  @AfterAll
  static void stop() {
    options.close();
  }

  static List<LayerSpec> layers() {
    return LayerCases.specs();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("layers")
  void everyLayerAloneComputesWhatPartitaDoes(LayerSpec layer) throws Exception {
    ModelSpec model = new ModelSpec("one-layer", layer.inputShape(), List.of(layer), Loss.MEAN_SQUARED_ERROR, 11);
    FloatMatrix input = LayerCases.input(layer, BATCH, new SplittableRandom(3));
    check(network(model), ExportOptions.NONE, input);
  }

  /** Name, model, export options and the samples as the file takes them (before standardisation). */
  static Stream<Arguments> models() throws Exception {
    SplittableRandom random = new SplittableRandom(5);
    List<Arguments> cases = new ArrayList<>();
    Shape image = new Shape(3, 9, 8);
    Conv2DSpec conv1 = new Conv2DSpec(image, 4, Window.square(3, 2, 1), Activation.RELU);
    MaxPool2DSpec pool1 = new MaxPool2DSpec(conv1.outputShape(), Window.square(2, 1, 1));
    Conv2DSpec conv2 = new Conv2DSpec(pool1.outputShape(), 5, new Window(2, 3, 1, 0), Activation.SIGMOID);
    AvgPool2DSpec pool2 = new AvgPool2DSpec(conv2.outputShape(), Window.square(2, 1, 0));
    FlattenSpec flatten = new FlattenSpec(pool2.outputShape());
    ModelSpec convNet = new ModelSpec("conv-net", image, List.of(conv1, pool1, conv2, pool2, flatten,
        new DenseSpec(flatten.outputShape().size(), 7, Activation.TANH), new DropoutSpec(Shape.vector(7), 0.5f),
        new DenseSpec(7, 3, Activation.IDENTITY)), Loss.SOFTMAX_CROSS_ENTROPY, 21);
    cases.add(Arguments.of("conv-net, per-channel statistics, class names", convNet, ExportOptions.NONE
        .withInputs(new Standardization(new double[] {0.5, -1, 2}, new double[] {2, 0.25, 0}))
        .withClassNames(List.of("cat", "dog \"the\" dog", "bird")), uniform(image.size(), 2f, random)));

    Conv2DSpec conv = new Conv2DSpec(image, 6, Window.square(3, 1, 0), Activation.RELU);
    AvgPool2DSpec global = AvgPool2DSpec.global(conv.outputShape());
    cases.add(Arguments.of("conv, global average pooling, dense", new ModelSpec("global-pool", image, List.of(conv,
        global, new DenseSpec(6, 4, Activation.IDENTITY)), Loss.SOFTMAX_CROSS_ENTROPY, 22), ExportOptions.NONE,
        uniform(image.size(), 1f, random)));

    Shape sequence = new Shape(6, 3, 1);
    cases.add(Arguments.of("rnn, lstm and gru stacked, per-feature statistics", new ModelSpec("stacked", sequence,
        List.of(new SimpleRnnSpec(3, 5, 6, true), new LstmSpec(5, 4, 6, true), new GruSpec(4, 6, 6, false),
            new DenseSpec(6, 2, Activation.IDENTITY)), Loss.SOFTMAX_CROSS_ENTROPY, 23),
        ExportOptions.NONE.withInputs(perFeature(sequence.size(), random)), uniform(sequence.size(), 3f, random)));

    EmbeddingSpec embedding = new EmbeddingSpec(11, 4, 6);
    cases.add(Arguments.of("embedding, gru", new ModelSpec("embedding-gru", embedding.inputShape(),
        List.of(embedding, new GruSpec(4, 5, 6, false), new DenseSpec(5, 3, Activation.IDENTITY)),
        Loss.SOFTMAX_CROSS_ENTROPY, 24), ExportOptions.NONE, LayerCases.input(embedding, BATCH, random)));

    ModelSpec charLstm = StandardModels.charLstm(9, 7, 12, 25);
    cases.add(Arguments.of("char-lstm: lstm over every step, per-step dense", charLstm, ExportOptions.NONE,
        oneHot(9, 7, random)));

    ModelSpec regression = new ModelSpec("regression", Shape.vector(4), List.of(new DenseSpec(4, 6, Activation.SIGMOID),
        new DenseSpec(6, 3, Activation.IDENTITY)), Loss.MEAN_SQUARED_ERROR, 26);
    cases.add(Arguments.of("regression, input and target statistics", regression, ExportOptions.NONE
        .withInputs(perFeature(4, random)).withTargets(new Standardization(new double[] {100, -3, 0.5},
            new double[] {20, 0.1, 0})), uniform(4, 10f, random)));

    FloatMatrix images = fashionMnistImages(16);
    ExportOptions fashion = ExportOptions.NONE.withInputs(Standardization.single(0.2860, 0.3530))
        .withClassNames(List.of(FashionMnist.CLASS_NAMES));
    for (String name : List.of("mlp", "cnn", "lstm", "gru")) {
      cases.add(Arguments.of("standard model " + name + " on Fashion-MNIST images", StandardModels.byName(name, 27),
          fashion, images));
    }
    // The model files users start from (docs/examples; the module runs in models/).
    try (Stream<java.nio.file.Path> files = java.nio.file.Files.list(java.nio.file.Path.of("..", "docs", "examples"))) {
      for (java.nio.file.Path file : files.filter(f -> f.toString().endsWith(".conf")).sorted().toList()) {
        cases.add(Arguments.of("model file " + file.getFileName() + " on Fashion-MNIST images",
            org.partita.models.io.ModelFile.read(file, 28), fashion, images));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void modelsComputeWhatPartitaDoes(String name, ModelSpec model, ExportOptions export, FloatMatrix samples)
      throws Exception {
    check(network(model), export, samples);
  }

  @Test
  void whatTheFileCannotExpressIsRefusedByName() {
    EmbeddingSpec embedding = new EmbeddingSpec(5, 3, 4);
    Network tokens = network(new ModelSpec("tokens", embedding.inputShape(), List.of(embedding,
        new LstmSpec(3, 2, 4, false), new DenseSpec(2, 2, Activation.IDENTITY)), Loss.SOFTMAX_CROSS_ENTROPY, 1));
    assertRefused("model 'tokens': layer 0 (Embedding 5→3 ×4) reads token ids", tokens,
        ExportOptions.NONE.withInputs(Standardization.single(0, 1)));
    assertRefused("model 'tokens' has 2 classes but 3 class names", tokens,
        ExportOptions.NONE.withClassNames(List.of("a", "b", "c")));
    assertRefused("model 'tokens' is a classifier; target statistics", tokens,
        ExportOptions.NONE.withTargets(Standardization.single(0, 1)));
    Network dense = network(new ModelSpec("dense", Shape.vector(6), List.of(new DenseSpec(6, 2, Activation.RELU)),
        Loss.MEAN_SQUARED_ERROR, 1));
    assertRefused("input statistics: statistics of 4 blocks do not divide a sample of 6 values", dense,
        ExportOptions.NONE.withInputs(new Standardization(new double[4], new double[] {1, 1, 1, 1})));
    assertRefused("model 'dense' is a regression model", dense, ExportOptions.NONE.withClassNames(List.of("a", "b")));
  }

  private static void assertRefused(String message, Network network, ExportOptions export) {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> OnnxExport.model(network, export));
    assertTrue(refused.getMessage().contains(message), refused.getMessage());
  }

  @Test
  void metadataSaysWhereTheFileCameFromWhatItTakesAndTheClasses() {
    ModelProto model = OnnxExport.model(network(StandardModels.cnn(1)), ExportOptions.NONE
        .withInputs(Standardization.single(0.3, 0.35)).withClassNames(List.of(FashionMnist.CLASS_NAMES)));
    Map<String, String> metadata = new java.util.HashMap<>();
    model.getMetadataPropsList().forEach(entry -> metadata.put(entry.getKey(), entry.getValue()));
    assertEquals("cnn", metadata.get("partita.model"));
    assertEquals("float32 [N, 1, 28, 28] (N×C×H×W)", metadata.get("partita.input_layout"));
    assertEquals("folded into the graph, 1 block", metadata.get("partita.input_standardization"));
    assertEquals("[\"T-shirt/top\",\"Trouser\",\"Pullover\",\"Dress\",\"Coat\",\"Sandal\",\"Shirt\","
        + "\"Sneaker\",\"Bag\",\"Ankle boot\"]", metadata.get("partita.classes"));
    assertEquals("[\"a \\\"b\\\"\",\"c\\\\d\"]", OnnxExport.jsonArray(List.of("a \"b\"", "c\\d")));
    assertEquals(List.of(OnnxExport.LOGITS, OnnxExport.PROBABILITIES),
        model.getGraph().getOutputList().stream().map(output -> output.getName()).toList());
    assertEquals("Sub", model.getGraph().getNode(0).getOpType(), "standardisation comes first");
  }

  /** The seeded initial weights, every bias drawn uniformly from [−0.5, 0.5). */
  static Network network(ModelSpec model) {
    Network network = new Network(model, Blas.get());
    SplittableRandom random = new SplittableRandom(model.initSeed());
    for (Parameter parameter : network.parameters()) {
      if (parameter.kind() == ParameterKind.BIAS) {
        float[] values = parameter.value().data;
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) random.nextDouble(-0.5, 0.5);
        }
      }
    }
    return network;
  }

  /**
   * Exports {@code network}, runs the file on {@code samples} (features × batch, before
   * standardisation) and compares each output with Partita's forward of the standardised samples.
   */
  static void check(Network network, ExportOptions export, FloatMatrix samples) throws Exception {
    ModelSpec spec = network.spec();
    ModelProto model = OnnxExport.model(network, export);
    assertEquals(OnnxExport.IR_VERSION, model.getIrVersion());
    assertEquals(OnnxExport.OPSET, model.getOpsetImport(0).getVersion());
    FloatMatrix expected = network.forward(standardised(samples, export.inputs()), BatchContext.inference());
    try (OrtSession session = environment.createSession(model.toByteArray(), options);
        OnnxTensor input = tensor(model, samples);
        OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
      if (spec.loss() == Loss.SOFTMAX_CROSS_ENTROPY) {
        assertClose("logits", expected.data, output(result, OnnxExport.LOGITS, expected.columns));
        assertClose("probabilities", softmax(spec, expected), output(result, OnnxExport.PROBABILITIES,
            expected.columns));
      } else {
        assertClose("predictions", inTargetUnits(expected.data, export.targets()),
            output(result, OnnxExport.PREDICTIONS, expected.columns));
      }
    }
  }

  /** The graph's input tensor: the samples in the declared shape, after a dynamic batch dimension. */
  private static OnnxTensor tensor(ModelProto model, FloatMatrix samples) throws Exception {
    var declared = model.getGraph().getInput(0).getType().getTensorType();
    List<TensorShapeProto.Dimension> dims = declared.getShape().getDimList();
    assertEquals(OnnxExport.BATCH, dims.get(0).getDimParam(), "the batch dimension is dynamic");
    long[] shape = new long[dims.size()];
    shape[0] = samples.columns;
    for (int d = 1; d < dims.size(); d++) {
      shape[d] = dims.get(d).getDimValue();
    }
    assertEquals(samples.rows, Arrays.stream(shape).skip(1).reduce(1, (a, b) -> a * b), "values per sample");
    if (declared.getElemType() == TensorProto.DataType.INT64_VALUE) {
      long[] ids = new long[samples.data.length];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = (long) samples.data[i];
      }
      return OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape);
    }
    return OnnxTensor.createTensor(environment, FloatBuffer.wrap(samples.data.clone()), shape);
  }

  private static float[] output(OrtSession.Result result, String name, int batch) throws Exception {
    OnnxValue value = result.get(name).orElseThrow(() -> new AssertionError("no output named " + name));
    OnnxTensor tensor = (OnnxTensor) value;
    assertEquals(batch, tensor.getInfo().getShape()[0], name + ": batch dimension");
    FloatBuffer buffer = tensor.getFloatBuffer();
    float[] values = new float[buffer.remaining()];
    buffer.get(values);
    return values;
  }

  /** (x − (float) mean)·(float) (1 / std) per block in float, as Partita prepares samples. */
  static FloatMatrix standardised(FloatMatrix samples, Standardization statistics) {
    if (statistics.isNone()) {
      return samples;
    }
    FloatMatrix out = samples.dup();
    int block = samples.rows / statistics.groups();
    for (int i = 0; i < out.data.length; i++) {
      int g = (i % samples.rows) / block;
      float scale = statistics.std()[g] > 0 ? (float) (1 / statistics.std()[g]) : 1f;
      out.data[i] = (out.data[i] - (float) statistics.mean()[g]) * scale;
    }
    return out;
  }

  /** z·std + mean per block in double, as Partita's predictions return to the targets' units. */
  private static float[] inTargetUnits(float[] outputs, Standardization statistics) {
    if (statistics.isNone()) {
      return outputs;
    }
    float[] values = new float[outputs.length];
    int width = statistics.groups();
    for (int i = 0; i < values.length; i++) {
      int g = i % width;
      double scale = statistics.std()[g] > 0 ? statistics.std()[g] : 1;
      values[i] = (float) (outputs[i] * scale + statistics.mean()[g]);
    }
    return values;
  }

  private static float[] softmax(ModelSpec spec, FloatMatrix logits) {
    FloatMatrix predictions = spec.perPrediction(logits);
    float[] values = new float[logits.data.length];
    for (int p = 0; p < predictions.columns; p++) {
      double[] probabilities = Loss.softmax(predictions, p);
      for (int k = 0; k < probabilities.length; k++) {
        values[p * predictions.rows + k] = (float) probabilities[k];
      }
    }
    return values;
  }

  static void assertClose(String what, float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length, what + ": values");
    double largest = 0;
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      largest = Math.max(largest, Math.abs(expected[i]));
      worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
    }
    assertTrue(largest > 0, what + ": all zero, which proves nothing");
    System.out.printf(java.util.Locale.ROOT, "%-14s max |Δ| %.2e, relative to the largest value %.2e%n", what, worst,
        worst / largest);
    assertTrue(worst <= TOLERANCE * largest, what + ": max |Δ| " + worst + " exceeds " + TOLERANCE
        + " of the largest value " + largest);
  }

  private static FloatMatrix uniform(int rows, float bound, SplittableRandom random) {
    FloatMatrix samples = new FloatMatrix(rows, BATCH);
    for (int i = 0; i < samples.data.length; i++) {
      samples.data[i] = (float) random.nextDouble(-bound, bound);
    }
    return samples;
  }

  private static Standardization perFeature(int width, SplittableRandom random) {
    double[] mean = new double[width];
    double[] std = new double[width];
    for (int i = 0; i < width; i++) {
      mean[i] = random.nextDouble(-2, 2);
      std[i] = random.nextDouble(0.2, 3);
    }
    return new Standardization(mean, std);
  }

  /** One-hot symbols, time-major: T × V values per sample. */
  private static FloatMatrix oneHot(int vocabulary, int steps, SplittableRandom random) {
    FloatMatrix samples = new FloatMatrix(steps * vocabulary, BATCH);
    for (int s = 0; s < BATCH; s++) {
      for (int t = 0; t < steps; t++) {
        samples.put(t * vocabulary + random.nextInt(vocabulary), s, 1f);
      }
    }
    return samples;
  }

  /** The first {@code count} test images, pixels in [0, 1] (before standardisation). */
  private static FloatMatrix fashionMnistImages(int count) throws Exception {
    float[] pixels = FashionMnist.intensities(FashionMnist.DEBIAN_DIRECTORY.resolve("t10k-images-idx3-ubyte.gz"));
    int width = FashionMnist.IMAGE.size();
    return new FloatMatrix(width, count, Arrays.copyOf(pixels, width * count));
  }
}
