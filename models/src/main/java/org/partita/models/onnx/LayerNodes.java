package org.partita.models.onnx;

import static org.partita.models.onnx.OnnxGraph.integer;
import static org.partita.models.onnx.OnnxGraph.integers;

import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.layers.Activation;
import org.partita.models.layers.AvgPool2DSpec;
import org.partita.models.layers.Conv2DSpec;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.DropoutSpec;
import org.partita.models.layers.EmbeddingSpec;
import org.partita.models.layers.FlattenSpec;
import org.partita.models.layers.Layer;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.MaxPool2DSpec;
import org.partita.models.layers.Pool2DSpec;
import org.partita.models.layers.RecurrentSpec;
import org.partita.models.layers.Shape;
import org.partita.models.layers.Window;
import org.partita.models.onnx.OnnxGraph.Value;
import org.partita.proto.onnx.Onnx.AttributeProto;

/**
 * Each bound layer as the ONNX nodes that compute what its forward computes in inference, reading
 * and writing samples in Partita's own order: a vector as [D], an image as [C, H, W], a sequence
 * as [T, F] (time-major), token ids as [T]. A layer's input is first reshaped to the view it reads
 * ({@link #inputSample}); dropout is the identity in inference and adds nothing. Recurrent layers
 * are {@link RecurrentNodes}'. A layer kind without a translation is refused, naming the layer.
 *
 * <p>Parameters are read from the whole-model binding: weights first, then the bias. Partita's
 * matrices are column-major, so a W stored as (rows × columns) is, read as it lies, the row-major
 * (columns × rows) tensor: Dense's W (out × in) is ONNX's [in, out] as is; Conv2D's W
 * (filters × C·kh·kw) is transposed into ONNX's [filters, C, kh, kw].
 */
final class LayerNodes {
  private final OnnxGraph graph;
  private final RecurrentNodes recurrent;

  LayerNodes(OnnxGraph graph) {
    this.graph = graph;
    this.recurrent = new RecurrentNodes(graph);
  }

  /** The sample shape {@code spec} reads, as ONNX sees it; null for Dropout, which reads any. */
  static long[] inputSample(LayerSpec spec) {
    if (spec instanceof DenseSpec dense) {
      return dense.timeSteps() == 1 ? new long[] {dense.inputs()} : new long[] {dense.timeSteps(), dense.inputs()};
    }
    if (spec instanceof Conv2DSpec || spec instanceof Pool2DSpec || spec instanceof FlattenSpec) {
      return image(spec.inputShape());
    }
    if (spec instanceof RecurrentSpec sequence) {
      return new long[] {sequence.timeSteps(), sequence.inputs()};
    }
    if (spec instanceof EmbeddingSpec embedding) {
      return new long[] {embedding.timeSteps()};
    }
    return null;
  }

  static long[] image(Shape shape) {
    return new long[] {shape.channels(), shape.height(), shape.width()};
  }

  /** The nodes of layer {@code index} applied to {@code input}; returns the layer's output. */
  Value add(int index, Layer layer, Value input) {
    LayerSpec spec = layer.spec();
    String name = "layer" + index + "/";
    if (spec instanceof DropoutSpec) {
      return input;
    }
    long[] reads = inputSample(spec);
    Value in = reads == null ? input : graph.reshape(input, name + "reshape", reads);
    if (spec instanceof DenseSpec dense) {
      return dense(name, dense, layer, in);
    }
    if (spec instanceof Conv2DSpec conv) {
      return conv(name, conv, layer, in);
    }
    if (spec instanceof MaxPool2DSpec pool) {
      return new Value(graph.node("MaxPool", name + "maxpool", List.of(in.name()), window(pool.window())),
          image(pool.outputShape()));
    }
    if (spec instanceof AvgPool2DSpec pool) {
      return pool.isGlobal()
          ? new Value(graph.node("GlobalAveragePool", name + "globalavgpool", List.of(in.name())),
              pool.input().channels(), 1, 1)
          : new Value(graph.node("AveragePool", name + "avgpool", List.of(in.name()), window(pool.window())),
              image(pool.outputShape()));
    }
    if (spec instanceof FlattenSpec flatten) {
      return new Value(graph.node("Flatten", name + "flatten", List.of(in.name()), integer("axis", 1)),
          flatten.outputShape().size());
    }
    if (spec instanceof RecurrentSpec sequence) {
      return recurrent.add(name, sequence, layer, in);
    }
    if (spec instanceof EmbeddingSpec embedding) {
      // Partita's table (dim × V, column v token v's vector) lies in memory as ONNX's [V, dim].
      String table = graph.floats(name + "table", new long[] {embedding.vocabulary(), embedding.dim()},
          weights(layer).data);
      return new Value(graph.node("Gather", name + "gather", List.of(table, in.name())), embedding.timeSteps(),
          embedding.dim());
    }
    throw new IllegalArgumentException("layer " + index + " (" + spec.describe() + "): ONNX export has no translation "
        + "for " + spec.getClass().getSimpleName() + " layers");
  }

  // [in] or [T, in] → [out] or [T, out]: X·Wᵀ + b, then the activation
  private Value dense(String name, DenseSpec spec, Layer layer, Value input) {
    String weights = graph.floats(name + "W", new long[] {spec.inputs(), spec.outputs()}, weights(layer).data);
    String bias = graph.floats(name + "B", new long[] {spec.outputs()}, bias(layer).data);
    Value out;
    if (spec.timeSteps() == 1) {
      out = new Value(graph.node("Gemm", name + "gemm", List.of(input.name(), weights, bias)), spec.outputs());
    } else {
      String product = graph.node("MatMul", name + "matmul", List.of(input.name(), weights));
      out = new Value(graph.node("Add", name + "add", List.of(product, bias)), spec.timeSteps(), spec.outputs());
    }
    return activation(name, spec.activation(), out);
  }

  // [C, H, W] → [filters, H', W']
  private Value conv(String name, Conv2DSpec spec, Layer layer, Value input) {
    Window window = spec.window();
    Shape in = spec.inputShape();
    String weights = graph.floats(name + "W", new long[] {spec.filters(), in.channels(), window.height(),
        window.width()}, rowMajor(weights(layer)));
    String bias = graph.floats(name + "B", new long[] {spec.filters()}, bias(layer).data);
    Value out = new Value(graph.node("Conv", name + "conv", List.of(input.name(), weights, bias), window(window)),
        image(spec.outputShape()));
    return activation(name, spec.activation(), out);
  }

  /** kernel_shape, strides, and pads (top, left, bottom, right) of a Partita window. */
  private static AttributeProto[] window(Window window) {
    int p = window.padding();
    return new AttributeProto[] {
        integers("kernel_shape", window.height(), window.width()),
        integers("strides", window.stride(), window.stride()),
        integers("pads", p, p, p, p)};
  }

  private Value activation(String name, Activation activation, Value input) {
    String op = switch (activation) {
      case IDENTITY -> null;
      case RELU -> "Relu";
      case TANH -> "Tanh";
      case SIGMOID -> "Sigmoid";
    };
    return op == null ? input : new Value(graph.node(op, name + op.toLowerCase(java.util.Locale.ROOT),
        List.of(input.name())), input.sample());
  }

  static FloatMatrix weights(Layer layer) {
    return layer.parameters().get(0).value();
  }

  static FloatMatrix bias(Layer layer) {
    return layer.parameters().get(1).value();
  }

  /** The values of a column-major matrix in row-major order. */
  static float[] rowMajor(FloatMatrix matrix) {
    float[] values = new float[matrix.data.length];
    for (int r = 0; r < matrix.rows; r++) {
      for (int c = 0; c < matrix.columns; c++) {
        values[r * matrix.columns + c] = matrix.data[r + c * matrix.rows];
      }
    }
    return values;
  }
}
