package org.partita.models.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigSyntax;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.partita.models.layers.Activation;
import org.partita.models.layers.AvgPool2DSpec;
import org.partita.models.layers.Conv2DSpec;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.DropoutSpec;
import org.partita.models.layers.EmbeddingSpec;
import org.partita.models.layers.FlattenSpec;
import org.partita.models.layers.GruSpec;
import org.partita.models.layers.LstmSpec;
import org.partita.models.layers.MaxPool2DSpec;
import org.partita.models.layers.Shape;
import org.partita.models.layers.SimpleRnnSpec;
import org.partita.models.layers.Window;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;

/**
 * Model files: every layer type and key, their defaults, JSON, the summary table, and every
 * refusal, whose text must name the file and line, the layer's index and type, the key and the
 * shapes involved.
 */
class ModelFileTest {
  @TempDir
  Path directory;

  private static ModelSpec parse(String text) {
    return ModelFile.parse(text, "net.conf", ConfigSyntax.CONF, 7);
  }

  /** A file of the given layers over {@code input}, one layer per line from line 2 on. */
  private static String file(String input, String loss, String... layers) {
    return "input = " + input + "\nlayers = [\n" + String.join("\n", layers) + "\n]\nloss = " + loss + "\n";
  }

  private static String refusal(String text) {
    return assertThrows(IllegalArgumentException.class, () -> parse(text)).getMessage();
  }

  private static void assertMentions(String message, String... fragments) {
    for (String fragment : fragments) {
      assertTrue(message.contains(fragment), "expected «" + fragment + "» in: " + message);
    }
  }

  @Test
  void everyKindAndKeyMakesItsSpec() {
    ModelSpec cnn = parse(file("[3, 32, 32]", "softmax-cross-entropy",
        "{ type = conv2d, filters = 8, kernel = 3, stride = 1, padding = same, activation = relu }",
        "{ type = conv2d, filters = 4, kernel = [3, 5], stride = 2, padding = 2, activation = tanh }",
        "{ type = conv2d, filters = 4, kernel = 2, padding = valid, activation = sigmoid }",
        "{ type = conv2d, filters = 4, kernel = 1 }",
        "{ type = maxpool, size = 2 }",
        "{ type = maxpool, size = 2, stride = 1 }",
        "{ type = flatten }",
        "{ type = dropout, rate = 0.25 }",
        "{ type = dense, units = 5, activation = linear }"));
    Shape image = new Shape(3, 32, 32);
    Conv2DSpec same = new Conv2DSpec(image, 8, Window.square(3, 1, 1), Activation.RELU);
    Conv2DSpec strided = new Conv2DSpec(same.outputShape(), 4, new Window(3, 5, 2, 2), Activation.TANH);
    Conv2DSpec valid = new Conv2DSpec(strided.outputShape(), 4, Window.square(2, 1, 0), Activation.SIGMOID);
    Conv2DSpec defaults = new Conv2DSpec(valid.outputShape(), 4, Window.square(1, 1, 0), Activation.IDENTITY);
    MaxPool2DSpec pool = new MaxPool2DSpec(defaults.outputShape(), Window.square(2, 2, 0));
    MaxPool2DSpec overlapping = new MaxPool2DSpec(pool.outputShape(), Window.square(2, 1, 0));
    int features = overlapping.outputShape().size();
    assertEquals(new ModelSpec("net", image, List.of(same, strided, valid, defaults, pool, overlapping,
        new FlattenSpec(overlapping.outputShape()), new DropoutSpec(Shape.vector(features), 0.25f),
        new DenseSpec(features, 5, Activation.IDENTITY)), Loss.SOFTMAX_CROSS_ENTROPY, 7), cnn);

    ModelSpec recurrent = parse("name = seq\nseed = 11\n" + file("[6, 3]", "mse",
        "{ type = rnn, units = 4, return-sequences = true }",
        "{ type = dropout, rate = 0.1 }",
        "{ type = lstm, units = 5, return-sequences = true, forget-bias = 0.5 }",
        "{ type = dense, units = 2 }",
        "{ type = rnn, units = 3 }",
        "{ type = dense, units = 1 }"));
    assertEquals(new ModelSpec("seq", new Shape(6, 3, 1), List.of(
        new SimpleRnnSpec(3, 4, 6, true),
        new DropoutSpec(Shape.vector(24), 0.1f),
        new LstmSpec(4, 5, 6, true, 0.5f),
        new DenseSpec(5, 2, Activation.IDENTITY, 6),
        new SimpleRnnSpec(2, 3, 6, false),
        new DenseSpec(3, 1, Activation.IDENTITY)), Loss.MEAN_SQUARED_ERROR, 11), recurrent);
  }

  @Test
  void poolingAndGruKindsMakeTheirSpecs() {
    ModelSpec pooled = parse(file("[2, 9, 9]", "softmax-cross-entropy",
        "{ type = avgpool, size = 2 }",
        "{ type = avgpool, size = 2, stride = 1 }",
        "{ type = global-avgpool }",
        "{ type = dense, units = 3 }"));
    AvgPool2DSpec halves = new AvgPool2DSpec(new Shape(2, 9, 9), Window.square(2, 2, 0));
    AvgPool2DSpec overlapping = new AvgPool2DSpec(halves.outputShape(), Window.square(2, 1, 0));
    assertEquals(List.of(halves, overlapping, AvgPool2DSpec.global(overlapping.outputShape()),
        new DenseSpec(2, 3, Activation.IDENTITY)), pooled.layers());
    assertMentions(pooled.summary(), "avgpool", "[2, 4, 4]", "global-avgpool", "[2]");

    ModelSpec gru = parse(file("[5, 3]", "mse", "{ type = gru, units = 4, return-sequences = true }",
        "{ type = gru, units = 6 }", "{ type = dense, units = 1 }"));
    assertEquals(List.of(new GruSpec(3, 4, 5, true), new GruSpec(4, 6, 5, false),
        new DenseSpec(6, 1, Activation.IDENTITY)), gru.layers());
    // a linear convolution pooled globally may give the logits itself (an all-convolutional net)
    assertEquals(Shape.vector(3), parse(file("[1, 6, 6]", "softmax-cross-entropy",
        "{ type = conv2d, filters = 3, kernel = 3 }", "{ type = avgpool, size = 2 }", "{ type = global-avgpool }"))
        .outputShape());
  }

  @Test
  void anEmbeddingReadsTheTokenInputAndFeedsRecurrentLayers() {
    ModelSpec text = parse(file("[12]", "softmax-cross-entropy", "{ type = embedding, vocabulary = 50, dim = 8 }",
        "{ type = gru, units = 6, return-sequences = true }", "{ type = dense, units = 50 }"));
    assertEquals(new ModelSpec("net", Shape.vector(12), List.of(new EmbeddingSpec(50, 8, 12),
        new GruSpec(8, 6, 12, true), new DenseSpec(6, 50, Activation.IDENTITY, 12)), Loss.SOFTMAX_CROSS_ENTROPY, 7),
        text);
    assertMentions(text.summary(), "input [12]", "embedding", "[12, 8]", "400");
  }

  /** The example files of docs/examples parse, and show the shapes their comments promise. */
  @Test
  void theExampleFilesParse() throws IOException {
    ModelSpec cnn = ModelFile.read(Path.of("../docs/examples/cnn-avgpool.conf"), 1);
    assertEquals("cnn-avgpool", cnn.name());
    assertEquals(new Shape(64, 7, 7), cnn.layers().get(3).outputShape());
    assertEquals(Shape.vector(10), cnn.outputShape());
    ModelSpec gru = ModelFile.read(Path.of("../docs/examples/gru-fashion.conf"), 1);
    assertEquals(List.of(new GruSpec(28, 128, 28, false), new DenseSpec(128, 10, Activation.IDENTITY)), gru.layers());
    // the named mlp with a dropout layer, which has no parameters
    assertEquals(StandardModels.mlp(1).parameterCount(), ModelFile.read(Path.of("../docs/examples/mlp.conf"), 1).parameterCount());
  }

  /** docs/MODELS.md has a row for every type and names every key, so the table here and the page agree. */
  @Test
  void theModelsPageListsEveryTypeAndKey() throws IOException {
    String page = Files.readString(Path.of("../docs/MODELS.md"));
    for (LayerTypes.Entry entry : LayerTypes.ALL) {
      assertMentions(page, "| `" + entry.type() + "` |");
      entry.keyNames().forEach(key -> assertMentions(page, "`" + key + "`"));
    }
  }

  @Test
  void theNamedModelsWrittenAsFilesAreTheSameSpecs() {
    assertEquals(StandardModels.cnn(7), parse("name = cnn\n" + file("[1, 28, 28]", "softmax-cross-entropy",
        "{ type = conv2d, filters = 32, kernel = 3, padding = same, activation = relu }",
        "{ type = maxpool, size = 2 }",
        "{ type = conv2d, filters = 64, kernel = 3, padding = same, activation = relu }",
        "{ type = maxpool, size = 2 }",
        "{ type = flatten }",
        "{ type = dense, units = 128, activation = relu }",
        "{ type = dropout, rate = 0.3 }",
        "{ type = dense, units = 10 }")));
    assertEquals(StandardModels.mlp(7), parse("name = mlp\n" + file("[784]", "softmax-cross-entropy",
        "{ type = dense, units = 256, activation = relu }",
        "{ type = dense, units = 128, activation = relu }",
        "{ type = dense, units = 10 }")));
    assertEquals(StandardModels.lstm(7), parse("name = lstm\n" + file("[28, 28]", "softmax-cross-entropy",
        "{ type = lstm, units = 128 }", "{ type = dense, units = 10 }")));
    assertEquals(StandardModels.gru(7), parse("name = gru\n" + file("[28, 28]", "softmax-cross-entropy",
        "{ type = gru, units = 128 }", "{ type = dense, units = 10 }")));
    assertEquals(StandardModels.charLstm(40, 16, 32, 7), parse("name = char-lstm\n" + file("[16, 40]",
        "softmax-cross-entropy", "{ type = lstm, units = 32, return-sequences = true }",
        "{ type = dense, units = 40 }")));
  }

  @Test
  void jsonIsAModelFileTooAndTheFileNameIsTheDefaultName() throws IOException {
    Path json = directory.resolve("tiny-mlp.json");
    Files.writeString(json, """
        {
          "input": [4],
          "layers": [
            {"type": "dense", "units": 8, "activation": "relu"},
            {"type": "dense", "units": 3}
          ],
          "loss": "softmax-cross-entropy"
        }
        """);
    ModelSpec spec = ModelFiles.resolve(json.toString(), 5, "--model");
    assertEquals(new ModelSpec("tiny-mlp", Shape.vector(4), List.of(new DenseSpec(4, 8, Activation.RELU),
        new DenseSpec(8, 3, Activation.IDENTITY)), Loss.SOFTMAX_CROSS_ENTROPY, 5), spec);

    Files.writeString(json, "{ \"input\": [4], layers: [] }");
    assertMentions(assertThrows(IllegalArgumentException.class, () -> ModelFile.read(json, 1)).getMessage(),
        json.toString(), "not a model file (JSON)");
  }

  @Test
  void summaryTableListsEachLayersShapeAndParameters() {
    String table = parse(file("[1, 8, 8]", "softmax-cross-entropy",
        "{ type = conv2d, filters = 4, kernel = 3, padding = same, activation = relu }",
        "{ type = maxpool, size = 2 }", "{ type = flatten }", "{ type = dense, units = 10 }")).summary();
    List<String> lines = table.lines().toList();
    assertEquals("model net: input [1, 8, 8], 690 parameters, loss softmax-cross-entropy, seed 7", lines.get(0));
    assertMentions(lines.get(1), "#", "type", "output shape", "parameters");
    assertMentions(lines.get(2), "0", "conv2d", "[4, 8, 8]", "40");
    assertMentions(lines.get(3), "1", "maxpool", "[4, 4, 4]", " 0");
    assertMentions(lines.get(4), "2", "flatten", "[64]");
    assertMentions(lines.get(5), "3", "dense", "[10]", "650");
    assertMentions(lines.get(6), "total", "690");
    assertEquals(7, lines.size());
    assertMentions(StandardModels.lstm(1).summary(), "lstm", "[128]", "80,384", "input [28, 28]");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      unknown type, nearest       | { type = conv, filters = 2, kernel = 1 }                 | net.conf:3: layers[0] type: unknown type 'conv'; did you mean 'conv2d'? (types: dense, conv2d, maxpool
      another framework's type    | { type = Linear, units = 2 }                             | net.conf:3: layers[0] type: unknown type 'Linear'; did you mean 'dense'?
      Keras' global pooling       | { type = GlobalAveragePooling2D }                        | net.conf:3: layers[0] type: unknown type 'GlobalAveragePooling2D'; did you mean 'global-avgpool'?
      unknown key, nearest        | { type = conv2d, filter = 2, kernel = 1 }                | net.conf:3: layers[0] (conv2d): unknown key 'filter'; did you mean 'filters'? (conv2d takes filters, kernel, stride, padding, activation)
      Keras' spelling of a key    | { type = lstm, units = 2, return_sequences = true }      | net.conf:3: layers[0] (lstm): unknown key 'return_sequences'; did you mean 'return-sequences'?
      key of a type without keys  | { type = flatten, units = 2 }                            | layers[0] (flatten): unknown key 'units' (flatten takes no keys)
      missing key                 | { type = conv2d, kernel = 3 }                            | net.conf:3: layers[0] (conv2d): missing key 'filters' (a whole number; conv2d needs filters, kernel)
      missing type                | { units = 3 }                                            | net.conf:3: layers[0]: has no type; give type = dense
      embedding without its dim   | { type = embedding, vocabulary = 10 }                    | net.conf:3: layers[0] (embedding): missing key 'dim' (a whole number; embedding needs vocabulary, dim)
      number as a string          | { type = dense, units = "ten" }                          | net.conf:3: layers[0] (dense) units: must be a whole number, got "ten" (a string)
      fraction for a whole number | { type = dense, units = 2.5 }                            | layers[0] (dense) units: must be a whole number, got 2.5 (a number)
      kernel of three numbers     | { type = conv2d, filters = 2, kernel = [1, 2, 3] }       | layers[0] (conv2d) kernel: must be a whole number or [height, width], got [1,2,3] (a list)
      boolean as a number         | { type = lstm, units = 2, return-sequences = 1 }         | layers[0] (lstm) return-sequences: must be true or false, got 1 (a number)
      unknown activation          | { type = dense, units = 2, activation = rleu }           | layers[0] (dense) activation: unknown activation 'rleu'; did you mean 'relu'? (linear, relu, tanh, sigmoid)
      unknown padding             | { type = conv2d, filters = 2, kernel = 3, padding = sane } | layers[0] (conv2d) padding: must be same, valid or a whole number, got 'sane'; did you mean 'same'?
      negative padding            | { type = conv2d, filters = 2, kernel = 3, padding = -1 } | layers[0] (conv2d) padding: must be same, valid or a count ≥ 0, got -1
      same with an even kernel    | { type = conv2d, filters = 2, kernel = 4, padding = same } | net.conf:3: layers[0] (conv2d) padding: same needs an odd square kernel here
      zero filters                | { type = conv2d, filters = 0, kernel = 3 }               | net.conf:3: layers[0] (conv2d) filters: must be ≥ 1, got 0
      dropout rate of one         | { type = dropout, rate = 1 }                             | layers[0] (dropout) rate: must be in [0, 1), got 1.0
      layer not an object         | dense                                                    | net.conf:3: layers[0]: must be an object { type = … }, got "dense" (a string)
      """)
  void refusesABadLayerNamingFileLineIndexTypeAndKey(String what, String layer, String expected) {
    String message = refusal(file("[1, 4, 4]", "softmax-cross-entropy", layer, "{ type = flatten }",
        "{ type = dense, units = 2 }"));
    assertTrue(message.startsWith(expected) || message.contains(expected), what + ": expected «" + expected
        + "» in: " + message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      conv2d after a vector      | [16]       | { type = conv2d, filters = 2, kernel = 3 }   | net.conf:3: layers[0] (conv2d): takes an image [C, H, W], but the input gives a vector [16]; convolution and pooling need input = [C, H, W]
      maxpool after a sequence   | [6, 3]     | { type = maxpool, size = 2 }                 | layers[0] (maxpool): takes an image [C, H, W], but the input gives a sequence [6, 3]
      lstm after an image        | [1, 28, 28] | { type = lstm, units = 4 }                  | net.conf:3: layers[0] (lstm): takes a sequence [T, F], but the input gives an image [1, 28, 28]; read an image's rows as a sequence with input = [H, W] (e.g. [28, 28])
      rnn after a vector         | [16]       | { type = rnn, units = 4 }                    | layers[0] (rnn): takes a sequence [T, F], but the input gives a vector [16]; give input = [T, F], or return-sequences = true
      dense after an image       | [2, 4, 4]  | { type = dense, units = 4 }                  | layers[0] (dense): takes a vector [N] or a sequence [T, F], but the input gives an image [2, 4, 4]; put { type = flatten }
      dropout after an image     | [2, 4, 4]  | { type = dropout, rate = 0.5 }               | layers[0] (dropout): takes a vector [N] or a sequence [T, F], but the input gives an image [2, 4, 4]; dropout over an image is not supported
      gru after an image         | [1, 28, 28] | { type = gru, units = 4 }                   | layers[0] (gru): takes a sequence [T, F], but the input gives an image [1, 28, 28]
      avgpool after a vector     | [16]       | { type = avgpool, size = 2 }                 | layers[0] (avgpool): takes an image [C, H, W], but the input gives a vector [16]
      global-avgpool after a sequence | [6, 3] | { type = global-avgpool }                  | layers[0] (global-avgpool): takes an image [C, H, W], but the input gives a sequence [6, 3]
      avgpool larger than input  | [2, 4, 4]  | { type = avgpool, size = 5 }                 | net.conf:3: layers[0] (avgpool) size: 5×5 does not fit an image [2, 4, 4]
      embedding over a sequence  | [6, 3]     | { type = embedding, vocabulary = 9, dim = 2 } | net.conf:3: layers[0] (embedding): takes token ids [T], but the input gives a sequence [6, 3]; an embedding reads integer token ids, which only the input holds: make it the first layer, over input = [T] (one id per step)
      embedding over an image    | [1, 4, 4]  | { type = embedding, vocabulary = 9, dim = 2 } | layers[0] (embedding): takes token ids [T], but the input gives an image [1, 4, 4]
      kernel larger than input   | [2, 4, 4]  | { type = conv2d, filters = 2, kernel = 5 }   | net.conf:3: layers[0] (conv2d) kernel: 5×5 (padding valid) does not fit an image [2, 4, 4]
      pool larger than input     | [2, 4, 4]  | { type = maxpool, size = 5 }                 | layers[0] (maxpool) size: 5×5 does not fit an image [2, 4, 4]
      input of four dimensions   | [1, 2, 3, 4] | { type = flatten }                         | net.conf:1: input: has 4 dimensions [1, 2, 3, 4]; give [N] (a vector), [T, F] (a sequence) or [C, H, W] (an image)
      """)
  void refusesShapesThatCannotFlowNamingBoth(String what, String input, String layer, String expected) {
    String message = refusal(file(input, "softmax-cross-entropy", layer, "{ type = flatten }",
        "{ type = dense, units = 2 }"));
    assertTrue(message.contains(expected), what + ": expected «" + expected + "» in: " + message);
  }

  @Test
  void refusesALayerAfterOneWhoseOutputItCannotTakeNamingThatLayer() {
    assertMentions(refusal(file("[12]", "softmax-cross-entropy", "{ type = dense, units = 12 }",
        "{ type = embedding, vocabulary = 9, dim = 2 }", "{ type = flatten }", "{ type = dense, units = 2 }")),
        "net.conf:4: layers[1] (embedding): takes token ids [T], but layer 0 (dense) gives a vector [12]; an "
            + "embedding reads integer token ids, which only the input holds: make it the first layer");
    assertMentions(refusal(file("[1, 8, 8]", "softmax-cross-entropy", "{ type = flatten }",
        "{ type = dense, units = 8 }", "{ type = conv2d, filters = 2, kernel = 3 }", "{ type = dense, units = 2 }")),
        "net.conf:5: layers[2] (conv2d): takes an image [C, H, W], but layer 1 (dense) gives a vector [8]");
    assertMentions(refusal(file("[6, 3]", "softmax-cross-entropy", "{ type = lstm, units = 4 }",
        "{ type = lstm, units = 4 }", "{ type = dense, units = 2 }")),
        "net.conf:4: layers[1] (lstm): takes a sequence [T, F], but layer 0 (lstm) gives a vector [4]; give input = "
            + "[T, F], or return-sequences = true on the recurrent layer before");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      classifier with relu outputs | softmax-cross-entropy | { type = dense, units = 3, activation = relu }  | net.conf:4: layers[1] (dense) activation: softmax-cross-entropy applies the softmax itself, so this layer must give raw scores, but it has activation = relu; make it linear
      regression with sigmoid      | mse                   | { type = dense, units = 1, activation = sigmoid } | net.conf:4: layers[1] (dense) activation: mse compares the outputs with standardised targets (mean 0, variance 1), which a sigmoid output cannot reach
      one class                    | softmax-cross-entropy | { type = dense, units = 1 }                     | net.conf:4: layers[1] (dense): softmax-cross-entropy needs ≥ 2 classes, but the model ends in a vector [1]; give units = <classes>, or use loss = mse
      ends in dropout              | mse                   | { type = dropout, rate = 0.5 }                  | net.conf:4: layers[1] (dropout): the loss (mse) needs the model's outputs computed by a linear dense or conv2d layer, but they come from this one; add { type = dense, units = <targets> } after it
      """)
  void refusesALossThatDoesNotFitTheLastLayer(String what, String loss, String last, String expected) {
    String message = refusal(file("[4]", loss, "{ type = dense, units = 8, activation = relu }", last));
    assertTrue(message.contains(expected), what + ": expected «" + expected + "» in: " + message);
  }

  @Test
  void refusesOtherLossMisfitsAndTopLevelMistakes() {
    assertMentions(refusal(file("[6, 3]", "softmax-cross-entropy", "{ type = lstm, units = 4 }")),
        "layers[0] (lstm): the loss (softmax-cross-entropy) needs the model's outputs computed by a linear dense");
    assertMentions(refusal(file("[1, 4, 4]", "softmax-cross-entropy", "{ type = conv2d, filters = 3, kernel = 1 }",
        "{ type = maxpool, size = 2 }")), "net.conf:4: layers[1] (maxpool): the loss (softmax-cross-entropy) needs "
            + "the model to end in a vector [K] or a sequence [T, K], but this layer gives an image [3, 2, 2]");
    // pooling and flatten pass the convolution's outputs on: the convolution decides, and it is relu here
    assertMentions(refusal(file("[1, 4, 4]", "softmax-cross-entropy",
        "{ type = conv2d, filters = 3, kernel = 1, activation = relu }", "{ type = maxpool, size = 4 }",
        "{ type = flatten }")), "net.conf:3: layers[0] (conv2d) activation: softmax-cross-entropy applies");
    String dense = "{ type = dense, units = 2 }";
    assertMentions(refusal(file("[4]", "mce", dense)), "net.conf:5: loss: unknown loss 'mce'; did you mean 'mse'? "
        + "(softmax-cross-entropy, mse)");
    assertMentions(refusal("input = [4]\nlayers = [" + dense + "]\n"), "net.conf: loss: is missing; give "
        + "softmax-cross-entropy, mse");
    assertMentions(refusal("layers = [" + dense + "]\nloss = mse\n"), "net.conf: input: is missing");
    assertMentions(refusal("input = [4]\nloss = mse\n"), "net.conf: layers: is missing");
    assertMentions(refusal("input = [4]\nlayers = []\nloss = mse\n"), "net.conf:2: layers: must be a non-empty list");
    assertMentions(refusal("input = 4\nlayers = [" + dense + "]\nloss = mse\n"),
        "net.conf:1: input: must be a list of whole numbers, got 4 (a number)");
    assertMentions(refusal("inputs = [4]\n" + file("[4]", "mse", dense)),
        "net.conf:1: inputs: unknown key; did you mean 'input'? (a model file has input, layers, loss, name, seed)");
    assertMentions(refusal("name = \" \"\n" + file("[4]", "mse", dense)), "net.conf:1: name: must not be blank");
    assertMentions(refusal("seed = 1.5\n" + file("[4]", "mse", dense)), "net.conf:1: seed: must be a whole number");
    assertMentions(refusal("input = [4\nlayers = ["), "net.conf: not a model file (HOCON)");
  }

  @Test
  void modelFilesResolveByExtensionBesideNamesAndProtoFiles() throws IOException {
    Path conf = directory.resolve("net.hocon");
    Files.writeString(conf, file("[4]", "mse", "{ type = dense, units = 1 }"));
    assertEquals("net", ModelFiles.resolve(conf.toString(), 3, "--model").name());
    assertEquals(3, ModelFiles.resolve(conf.toString(), 3, "--model").initSeed());
    Path proto = directory.resolve("net.pbtxt");
    Files.writeString(proto, com.google.protobuf.TextFormat.printer().printToString(
        SpecProtos.toProto(StandardModels.mlp(2))));
    assertEquals(StandardModels.mlp(2), ModelFiles.resolve(proto.toString(), 9, "--model"));
    assertMentions(assertThrows(IllegalArgumentException.class, () -> ModelFiles.resolve("cnnn", 1, "--model"))
        .getMessage(), "--model 'cnnn' is neither one of", "did you mean 'cnn'?");
  }
}
