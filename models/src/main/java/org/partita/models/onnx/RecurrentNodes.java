package org.partita.models.onnx;

import static org.partita.models.onnx.OnnxGraph.integer;
import static org.partita.models.onnx.OnnxGraph.integers;

import java.util.ArrayList;
import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.layers.Layer;
import org.partita.models.layers.RecurrentCell;
import org.partita.models.layers.RecurrentSpec;
import org.partita.models.onnx.OnnxGraph.Value;
import org.partita.proto.onnx.Onnx.AttributeProto;

/**
 * SimpleRNN, LSTM and GRU layers as ONNX's RNN, LSTM and GRU operators (forward direction, zero
 * initial state, the operators' default activations — which are the ones Partita's cells use).
 *
 * <p>ONNX's operators read X as [T, N, F] and write Y as [T, 1, N, H] and the last state Y_h as
 * [1, N, H], while a Partita sample is time-major [T, F]: so X is a Transpose of the [N, T, F]
 * input, a sequence output the Transpose of Y back to [N, T, H], and a last-step output Y_h less
 * its direction axis. (The operators' layout = 1 would take [N, T, F] directly, but ONNX Runtime's
 * CPU kernels do not implement it.)
 *
 * <p>Weights: Partita's (G·H × (F + H)) matrix holds, per gate block g·H + unit, the input weights
 * in columns [0, F) and the recurrent weights in [F, F + H); ONNX wants W [1, G·H, F] and
 * R [1, G·H, H] row-major with its own gate order, and B [1, 2·G·H] = input biases Wb then
 * recurrent biases Rb. Partita's one bias per gate goes to Wb with zeros in Rb, except GRU's b_hn,
 * which is added inside the reset product and is exactly ONNX's Rb of the h gate under
 * linear_before_reset = 1 (see {@link org.partita.models.layers.GruSpec}).
 */
final class RecurrentNodes {
  private final OnnxGraph graph;

  RecurrentNodes(OnnxGraph graph) {
    this.graph = graph;
  }

  /** For each ONNX gate in ONNX's order, the Partita gate it is. */
  private static int[] gateOrder(RecurrentCell cell) {
    return switch (cell) {
      case SIMPLE_RNN -> new int[] {0};
      // ONNX i, o, f, c ← Partita i, f, o, g
      case LSTM -> new int[] {0, 2, 1, 3};
      // ONNX z, r, h ← Partita r, z, n
      case GRU -> new int[] {1, 0, 2};
    };
  }

  private static String operator(RecurrentCell cell) {
    return switch (cell) {
      case SIMPLE_RNN -> "RNN";
      case LSTM -> "LSTM";
      case GRU -> "GRU";
    };
  }

  // [T, F] → [T, H] (every step) or [H] (the last)
  Value add(String name, RecurrentSpec spec, Layer layer, Value input) {
    RecurrentCell cell = spec.cell();
    int steps = spec.timeSteps();
    int hidden = spec.hidden();
    String op = operator(cell);
    String x = graph.node("Transpose", name + "time-first", List.of(input.name()), integers("perm", 1, 0, 2));
    List<String> inputs = new ArrayList<>(List.of(x));
    inputs.addAll(parameters(name, spec, LayerNodes.weights(layer), LayerNodes.bias(layer)));
    String lower = op.toLowerCase(java.util.Locale.ROOT);
    String sequence = name + lower + "/Y";
    String last = name + lower + "/Y_h";
    // Only the output used is named; an empty name leaves Y out.
    List<String> outputs = spec.returnSequences() ? List.of(sequence) : List.of("", last);
    AttributeProto size = integer("hidden_size", hidden);
    if (cell == RecurrentCell.GRU) {
      graph.node(op, name + lower, inputs, outputs, size, integer("linear_before_reset", 1));
    } else {
      graph.node(op, name + lower, inputs, outputs, size);
    }
    if (spec.returnSequences()) {
      String batchFirst = graph.node("Transpose", name + "batch-first", List.of(sequence),
          integers("perm", 2, 0, 1, 3));
      return graph.reshape(new Value(batchFirst, steps, 1, hidden), name + "steps", steps, hidden);
    }
    return new Value(graph.node("Squeeze", name + "last", List.of(last, graph.int64s(name + "last/axes", 0))),
        hidden);
  }

  /** The names of W, R and B, added as constants in ONNX's layout and gate order. */
  private List<String> parameters(String name, RecurrentSpec spec, FloatMatrix weights, FloatMatrix bias) {
    RecurrentCell cell = spec.cell();
    int[] order = gateOrder(cell);
    int hidden = spec.hidden();
    int inputs = spec.inputs();
    int rows = cell.gates() * hidden;
    float[] w = new float[rows * inputs];
    float[] r = new float[rows * hidden];
    float[] b = new float[2 * rows];
    for (int k = 0; k < order.length; k++) {
      for (int u = 0; u < hidden; u++) {
        int from = order[k] * hidden + u;
        int to = k * hidden + u;
        for (int f = 0; f < inputs; f++) {
          w[to * inputs + f] = weights.data[from + f * rows];
        }
        for (int v = 0; v < hidden; v++) {
          r[to * hidden + v] = weights.data[from + (inputs + v) * rows];
        }
        b[to] = bias.data[from];
      }
    }
    if (cell == RecurrentCell.GRU) {
      // Rb of the h gate (ONNX's third) = b_hn, Partita's fourth bias block
      System.arraycopy(bias.data, 3 * hidden, b, rows + 2 * hidden, hidden);
    }
    return List.of(
        graph.floats(name + "W", new long[] {1, rows, inputs}, w),
        graph.floats(name + "R", new long[] {1, rows, hidden}, r),
        graph.floats(name + "B", new long[] {1, 2L * rows}, b));
  }
}
