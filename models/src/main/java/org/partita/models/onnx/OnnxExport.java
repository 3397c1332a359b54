package org.partita.models.onnx;

import org.partita.models.data.Standardization;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.partita.models.io.CheckpointFiles;
import org.partita.models.layers.EmbeddingSpec;
import org.partita.models.layers.LayerSpec;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.Network;
import org.partita.models.onnx.OnnxGraph.Value;
import org.partita.proto.onnx.Onnx.GraphProto;
import org.partita.proto.onnx.Onnx.ModelProto;
import org.partita.proto.onnx.Onnx.OperatorSetIdProto;
import org.partita.proto.onnx.Onnx.StringStringEntryProto;
import org.partita.proto.onnx.Onnx.TensorProto;
import org.partita.proto.onnx.Onnx.TensorShapeProto;
import org.partita.proto.onnx.Onnx.TypeProto;
import org.partita.proto.onnx.Onnx.ValueInfoProto;

/**
 * A trained network as an ONNX model (IR version 8, opset 17) that computes what the network's
 * inference forward computes, for serving it anywhere ONNX runs. The network must hold the whole
 * model (a {@link Network}: a checkpoint of any plan is merged into one before it is bound).
 *
 * <p>The graph's input {@value #INPUT} takes a batch of samples (a dynamic first dimension,
 * "batch") as the first layer reads them: [N, C, H, W] for convolutions and pooling, [N, T, F] for
 * recurrent layers and per-step dense layers, [N, D] for a dense layer, [N, T] int64 token ids for
 * an embedding. The input statistics of {@link ExportOptions} come first as Sub and Mul nodes, so
 * the file takes samples before standardisation. A classifier (softmax cross-entropy) has two
 * outputs: {@value #LOGITS}, what Partita's forward returns, and {@value #PROBABILITIES}, their
 * softmax; a regression model one, {@value #PREDICTIONS}, in the targets' own units when target
 * statistics are given. Outputs are [N, K], or [N, T, K] for a model with an output per time step.
 * Metadata says where the file came from and holds the class names as a JSON array.
 *
 * <p>The bytes depend only on the specs, the parameter values and the options, so the same
 * weights always give the same file, whatever plan trained and saved them.
 */
public final class OnnxExport {
  public static final String INPUT = "input";
  public static final String LOGITS = "logits";
  public static final String PROBABILITIES = "probabilities";
  public static final String PREDICTIONS = "predictions";
  public static final long IR_VERSION = 8;
  public static final long OPSET = 17;
  /** The symbolic name of the batch dimension of the input and outputs. */
  public static final String BATCH = "batch";

  private OnnxExport() {}

  /** Writes {@link #model} to {@code file}, atomically (a temporary file renamed over it). */
  public static void write(Network network, ExportOptions options, Path file) throws IOException {
    CheckpointFiles.writeAtomically(file, model(network, options).toByteArray());
  }

  public static ModelProto model(Network network, ExportOptions options) {
    ModelSpec spec = network.spec();
    check(spec, options);
    OnnxGraph graph = new OnnxGraph();
    boolean tokens = spec.layers().get(0) instanceof EmbeddingSpec;
    Value input = new Value(INPUT, inputSample(spec));
    Value current = standardised(graph, input, options.inputs());
    LayerNodes layers = new LayerNodes(graph);
    for (int i = 0; i < spec.layers().size(); i++) {
      current = layers.add(i, network.layers().get(i), current);
    }
    int groups = spec.outputGroups();
    long[] perSample = groups == 1 ? new long[] {spec.outputClasses()}
        : new long[] {groups, spec.outputClasses()};
    current = graph.reshape(current, "output/reshape", perSample);
    List<Value> outputs = new ArrayList<>();
    if (spec.loss() == Loss.SOFTMAX_CROSS_ENTROPY) {
      outputs.add(named(graph, current, LOGITS));
      outputs.add(new Value(graph.node("Softmax", PROBABILITIES, List.of(LOGITS), OnnxGraph.integer("axis", -1)),
          perSample));
    } else {
      outputs.add(named(graph, inTargetUnits(graph, current, options.targets()), PREDICTIONS));
    }
    GraphProto.Builder body = graph.toProto(spec.name())
        .addInput(valueInfo(input, tokens ? TensorProto.DataType.INT64 : TensorProto.DataType.FLOAT));
    outputs.forEach(output -> body.addOutput(valueInfo(output, TensorProto.DataType.FLOAT)));
    ModelProto.Builder model = ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setProducerName("partita")
        .setDocString("Model '" + spec.name() + "' exported by Partita: " + inputLayout(spec) + " in, "
            + String.join(" and ", outputNames(spec)) + " out.")
        .setGraph(body);
    metadata(model, "partita.model", spec.name());
    metadata(model, "partita.input_layout", inputLayout(spec));
    metadata(model, "partita.input_standardization", describe(options.inputs()));
    if (spec.loss() == Loss.SOFTMAX_CROSS_ENTROPY) {
      if (!options.classNames().isEmpty()) {
        metadata(model, "partita.classes", jsonArray(options.classNames()));
      }
    } else {
      metadata(model, "partita.target_standardization", describe(options.targets()));
    }
    return model.build();
  }

  /** The sample shape the first layer that looks at shapes reads (Dropout looks through). */
  private static long[] inputSample(ModelSpec spec) {
    for (LayerSpec layer : spec.layers()) {
      long[] sample = LayerNodes.inputSample(layer);
      if (sample != null) {
        return sample;
      }
    }
    return spec.inputShape().isVector() ? new long[] {spec.inputShape().size()} : LayerNodes.image(spec.inputShape());
  }

  private static void check(ModelSpec spec, ExportOptions options) {
    String model = "model '" + spec.name() + "'";
    if (!options.inputs().isNone() && spec.layers().get(0) instanceof EmbeddingSpec embedding) {
      throw new IllegalArgumentException(model + ": layer 0 (" + embedding.describe() + ") reads token ids, which "
          + "input statistics cannot standardise");
    }
    if (spec.loss() == Loss.SOFTMAX_CROSS_ENTROPY) {
      if (!options.targets().isNone()) {
        throw new IllegalArgumentException(model + " is a classifier; target statistics are for regression");
      }
      if (!options.classNames().isEmpty() && options.classNames().size() != spec.outputClasses()) {
        throw new IllegalArgumentException(model + " has " + spec.outputClasses() + " classes but "
            + options.classNames().size() + " class names were given: " + options.classNames());
      }
    } else if (!options.classNames().isEmpty()) {
      throw new IllegalArgumentException(model + " is a regression model (" + spec.loss() + "); class names are for "
          + "classifiers");
    }
  }

  /** (x − mean)·(1/std) per block, as the first nodes; the input itself when there are no statistics. */
  private static Value standardised(OnnxGraph graph, Value input, Standardization statistics) {
    if (statistics.isNone()) {
      return input;
    }
    int width = input.width();
    float[] centres = naming("input statistics", () -> FoldedStatistics.centres(statistics, width));
    float[] scales = naming("input statistics", () -> FoldedStatistics.inverseScales(statistics, width));
    long[] dims = statistics.groups() == 1 ? new long[] {1} : input.sample();
    String centred = graph.node("Sub", "input/centred", List.of(input.name(),
        graph.floats("input/mean", dims, statistics.groups() == 1 ? new float[] {centres[0]} : centres)));
    return new Value(graph.node("Mul", "input/standardised", List.of(centred,
        graph.floats("input/inverse-std", dims, statistics.groups() == 1 ? new float[] {scales[0]} : scales))),
        input.sample());
  }

  /** z·std + mean per block, as the last nodes; the output itself when there are no statistics. */
  private static Value inTargetUnits(OnnxGraph graph, Value output, Standardization statistics) {
    if (statistics.isNone()) {
      return output;
    }
    int width = output.width();
    float[] scales = naming("target statistics", () -> FoldedStatistics.scales(statistics, width));
    float[] means = naming("target statistics", () -> FoldedStatistics.centres(statistics, width));
    String scaled = graph.node("Mul", "output/scaled", List.of(output.name(),
        graph.floats("output/std", output.sample(), scales)));
    return new Value(graph.node("Add", "output/in-target-units", List.of(scaled,
        graph.floats("output/mean", output.sample(), means))), output.sample());
  }

  private interface PerValue {
    float[] get();
  }

  /** The values, or the statistics' refusal with {@code what} they were in front of it. */
  private static float[] naming(String what, PerValue values) {
    try {
      return values.get();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
  }

  /** {@code value} under the graph output name {@code name}: its producing node renamed, or an Identity. */
  private static Value named(OnnxGraph graph, Value value, String name) {
    if (graph.isComputed(value.name())) {
      graph.rename(value.name(), name);
      return new Value(name, value.sample());
    }
    return new Value(graph.node("Identity", name, List.of(value.name())), value.sample());
  }

  private static ValueInfoProto valueInfo(Value value, TensorProto.DataType type) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH));
    for (long dim : value.sample()) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(dim));
    }
    return ValueInfoProto.newBuilder().setName(value.name()).setType(TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape))).build();
  }

  /** What the file's input takes, e.g. "float32 [N, 1, 28, 28] (N×C×H×W)" or "int64 token ids [N, 20] (N×T)". */
  public static String inputLayout(ModelSpec spec) {
    long[] sample = inputSample(spec);
    boolean tokens = spec.layers().get(0) instanceof EmbeddingSpec;
    String[] letters = switch (sample.length) {
      case 1 -> new String[] {tokens ? "T" : "D"};
      case 2 -> new String[] {"T", "F"};
      default -> new String[] {"C", "H", "W"};
    };
    StringBuilder sizes = new StringBuilder(tokens ? "int64 token ids [N" : "float32 [N");
    StringBuilder names = new StringBuilder("N");
    for (int d = 0; d < sample.length; d++) {
      sizes.append(", ").append(sample[d]);
      names.append('×').append(letters[d]);
    }
    return sizes + "] (" + names + ")";
  }

  /** The file's outputs: {@value #LOGITS} and {@value #PROBABILITIES} for a classifier, else {@value #PREDICTIONS}. */
  public static List<String> outputNames(ModelSpec spec) {
    return spec.loss() == Loss.SOFTMAX_CROSS_ENTROPY ? List.of(LOGITS, PROBABILITIES) : List.of(PREDICTIONS);
  }

  private static String describe(Standardization statistics) {
    return statistics.isNone() ? "none" : "folded into the graph, " + statistics.groups()
        + (statistics.groups() == 1 ? " block" : " blocks");
  }

  private static void metadata(ModelProto.Builder model, String key, String value) {
    model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(key).setValue(value));
  }

  /** ["T-shirt/top","Trouser",…] with JSON's escapes. */
  static String jsonArray(List<String> values) {
    StringBuilder json = new StringBuilder("[");
    for (String value : values) {
      json.append(json.length() > 1 ? "," : "").append('"');
      for (char c : value.toCharArray()) {
        switch (c) {
          case '"' -> json.append("\\\"");
          case '\\' -> json.append("\\\\");
          default -> json.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
      }
      json.append('"');
    }
    return json.append(']').toString();
  }
}
