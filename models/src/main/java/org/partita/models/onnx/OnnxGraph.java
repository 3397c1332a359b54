package org.partita.models.onnx;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.partita.models.tensor.TensorCodec;
import org.partita.proto.onnx.Onnx.AttributeProto;
import org.partita.proto.onnx.Onnx.GraphProto;
import org.partita.proto.onnx.Onnx.NodeProto;
import org.partita.proto.onnx.Onnx.TensorProto;

/**
 * An ONNX graph being written: nodes in the order they are added (which is topological, since a
 * node only reads values made before it), constant tensors, and the names of both. Values and
 * nodes are named after the layer they come from ("layer2/conv"), so a reader of the graph, or of
 * a runtime's error, can find the Partita layer. Nothing here knows about layers; it only spells
 * ONNX.
 */
final class OnnxGraph {
  /** A value of the graph: its name and the shape of one sample (the batch dimension, first, left out). */
  record Value(String name, long... sample) {
    /** Values per sample. */
    int width() {
      long width = 1;
      for (long dim : sample) {
        width *= dim;
      }
      return Math.toIntExact(width);
    }

    boolean hasSample(long... dims) {
      return java.util.Arrays.equals(sample, dims);
    }
  }

  private final List<NodeProto> nodes = new ArrayList<>();
  private final List<TensorProto> initializers = new ArrayList<>();

  /**
   * Adds node {@code opType} reading {@code inputs} (an empty name leaves an optional input out)
   * and writing {@code output}, named {@code output} too; returns the output's name.
   */
  String node(String opType, String output, List<String> inputs, AttributeProto... attributes) {
    nodes.add(NodeProto.newBuilder().setOpType(opType).setName(output).addAllInput(inputs).addOutput(output)
        .addAllAttribute(List.of(attributes)).build());
    return output;
  }

  /** {@link #node} with several outputs (an empty name leaves an optional output out); named {@code name}. */
  void node(String opType, String name, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
    nodes.add(NodeProto.newBuilder().setOpType(opType).setName(name).addAllInput(inputs).addAllOutput(outputs)
        .addAllAttribute(List.of(attributes)).build());
  }

  /**
   * {@code value} with each sample seen as {@code sample} (as many values per sample): itself if
   * it already is, else a Reshape named {@code name}. Partita stores every sample flattened in
   * C×H×W or T×F order, which is ONNX's row-major order, so any two views are one Reshape apart.
   */
  Value reshape(Value value, String name, long... sample) {
    if (value.hasSample(sample)) {
      return value;
    }
    long[] shape = new long[sample.length + 1]; // 0: keep the batch dimension as it is
    System.arraycopy(sample, 0, shape, 1, sample.length);
    return new Value(node("Reshape", name, List.of(value.name(), int64s(name + "/shape", shape))), sample);
  }

  /** A float32 constant of shape {@code dims} holding {@code values} in row-major order; returns its name. */
  String floats(String name, long[] dims, float[] values) {
    checkCount(name, dims, values.length);
    initializers.add(tensor(name, dims, TensorProto.DataType.FLOAT).setRawData(TensorCodec.bytes(values, 0,
        values.length)).build());
    return name;
  }

  /** An int64 constant (shapes for Reshape, axes for Squeeze); returns its name. */
  String int64s(String name, long... values) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (long value : values) {
      bytes.putLong(value);
    }
    initializers.add(tensor(name, new long[] {values.length}, TensorProto.DataType.INT64)
        .setRawData(ByteString.copyFrom(bytes.array())).build());
    return name;
  }

  private static TensorProto.Builder tensor(String name, long[] dims, TensorProto.DataType type) {
    TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
    for (long dim : dims) {
      tensor.addDims(dim);
    }
    return tensor;
  }

  private static void checkCount(String name, long[] dims, int count) {
    long expected = 1;
    for (long dim : dims) {
      expected *= dim;
    }
    if (expected != count) {
      throw new IllegalStateException(name + ": " + count + " values for a tensor of " + expected);
    }
  }

  static AttributeProto integer(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
  }

  static AttributeProto integers(String name, long... values) {
    AttributeProto.Builder attribute = AttributeProto.newBuilder().setName(name)
        .setType(AttributeProto.AttributeType.INTS);
    for (long value : values) {
      attribute.addInts(value);
    }
    return attribute.build();
  }

  /** Renames value {@code from} to {@code to} wherever a node writes or reads it (the graph's named outputs). */
  void rename(String from, String to) {
    for (int n = 0; n < nodes.size(); n++) {
      NodeProto.Builder node = nodes.get(n).toBuilder();
      for (int i = 0; i < node.getInputCount(); i++) {
        if (node.getInput(i).equals(from)) {
          node.setInput(i, to);
        }
      }
      for (int o = 0; o < node.getOutputCount(); o++) {
        if (node.getOutput(o).equals(from)) {
          node.setOutput(o, to);
        }
      }
      nodes.set(n, node.build());
    }
  }

  /** True when some node writes {@code value} (false for the graph's input and constants). */
  boolean isComputed(String value) {
    return nodes.stream().anyMatch(node -> node.getOutputList().contains(value));
  }

  GraphProto.Builder toProto(String name) {
    return GraphProto.newBuilder().setName(name).addAllNode(nodes).addAllInitializer(initializers);
  }
}
