package org.partita.models.tensor;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.jblas.FloatMatrix;
import org.partita.proto.TensorProto;

/**
 * Converts between jblas matrices (column-major) and the wire {@link TensorProto}
 * (little-endian float32 bytes, first dimension fastest). Values move as bulk buffer copies,
 * never element by element through boxed floats.
 *
 * <p>Decoding validates everything a peer or a file could get wrong — rank, negative or overflowing
 * dimensions, byte count — and names the tensor ({@code what}) in the error, because a bad tensor
 * is usually found far from where it was written.
 */
public final class TensorCodec {
  private TensorCodec() {}

  /** A rows × columns matrix as a rank-2 tensor. */
  public static TensorProto encode(FloatMatrix matrix) {
    return encode(matrix.data, 0, matrix.rows, matrix.columns);
  }

  /**
   * The block of {@code columns} consecutive columns (each {@code rows} long) starting at
   * {@code offset} in a column-major array — e.g. one micro-batch of a minibatch.
   */
  public static TensorProto encode(float[] data, int offset, int rows, int columns) {
    return withShape(rows, columns).setData(bytes(data, offset, rows, columns)).build();
  }

  /** The {@link TensorProto#getData} bytes {@link #encode} gives for the same block. */
  public static ByteString bytes(float[] data, int offset, int rows, int columns) {
    int count = Math.multiplyExact(rows, columns);
    if (offset < 0 || offset + count > data.length) {
      throw new IllegalArgumentException("encode: " + rows + "×" + columns + " block at offset " + offset
          + " exceeds an array of " + data.length + " floats");
    }
    return bytes(data, offset, count);
  }

  /** {@code count} values from {@code offset} as little-endian float bytes (a part of a tensor's data). */
  public static ByteString bytes(float[] data, int offset, int count) {
    byte[] bytes = new byte[Math.multiplyExact(count, Float.BYTES)];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(data, offset, count);
    return UnsafeByteOperations.unsafeWrap(bytes);
  }

  /** A rows × columns tensor with its shape and no values yet. */
  public static TensorProto shape(int rows, int columns) {
    return withShape(rows, columns).build();
  }

  private static TensorProto.Builder withShape(int rows, int columns) {
    return TensorProto.newBuilder().addShape(rows).addShape(columns);
  }

  /**
   * A rows × columns tensor around little-endian float bytes the caller has just filled and hands
   * over: the array is wrapped without a copy, so it must never be written again.
   */
  public static TensorProto wrap(byte[] bytes, int rows, int columns) {
    if (bytes.length != (long) rows * columns * Float.BYTES) {
      throw new IllegalArgumentException("wrap: " + bytes.length + " bytes for a " + rows + "×" + columns + " tensor");
    }
    return withShape(rows, columns).setData(UnsafeByteOperations.unsafeWrap(bytes)).build();
  }

  /** Decodes a rank-1 or rank-2 tensor into a new matrix (rank 1 becomes a column vector). */
  public static FloatMatrix decodeMatrix(TensorProto tensor, String what) {
    int[] shape = matrixShape(tensor, what);
    FloatMatrix matrix = new FloatMatrix(shape[0], shape[1]);
    copyValues(tensor, matrix.data, 0);
    return matrix;
  }

  /** Decodes into an existing matrix whose shape must match exactly; no allocation. */
  public static void decodeInto(TensorProto tensor, FloatMatrix target, String what) {
    int[] shape = matrixShape(tensor, what);
    if (shape[0] != target.rows || shape[1] != target.columns) {
      throw new IllegalArgumentException(what + ": tensor is " + shape[0] + "×" + shape[1]
          + " but " + target.rows + "×" + target.columns + " was expected");
    }
    copyValues(tensor, target.data, 0);
  }

  /** Decodes into {@code target[offset ...]}, checking the tensor holds exactly {@code expected} values. */
  public static void decodeInto(TensorProto tensor, float[] target, int offset, int expected, String what) {
    long count = elementCount(tensor, what);
    if (count != expected) {
      throw new IllegalArgumentException(what + ": tensor of shape " + tensor.getShapeList() + " holds " + count
          + " values but " + expected + " were expected");
    }
    if (offset < 0 || offset + expected > target.length) {
      throw new IllegalArgumentException(what + ": " + expected + " values at offset " + offset
          + " do not fit an array of " + target.length);
    }
    copyValues(tensor, target, offset);
  }

  /** Number of values the shape declares, after checking every dimension and the byte count. */
  public static long elementCount(TensorProto tensor, String what) {
    long count = 1;
    for (int d = 0; d < tensor.getShapeCount(); d++) {
      long dim = tensor.getShape(d);
      if (dim < 0 || dim > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(what + ": dimension " + d + " of shape " + tensor.getShapeList()
            + " is " + dim);
      }
      count *= dim;
      if (count > Integer.MAX_VALUE / Float.BYTES) {
        throw new IllegalArgumentException(what + ": shape " + tensor.getShapeList() + " is larger than 2 GiB");
      }
    }
    if (tensor.getData().size() != count * Float.BYTES) {
      throw new IllegalArgumentException(what + ": shape " + tensor.getShapeList() + " needs " + count * Float.BYTES
          + " bytes of float32 data but the tensor carries " + tensor.getData().size());
    }
    return count;
  }

  private static int[] matrixShape(TensorProto tensor, String what) {
    elementCount(tensor, what);
    return switch (tensor.getShapeCount()) {
      case 1 -> new int[] {(int) tensor.getShape(0), 1};
      case 2 -> new int[] {(int) tensor.getShape(0), (int) tensor.getShape(1)};
      default -> throw new IllegalArgumentException(what + ": expected a matrix (rank 1 or 2) but the shape is "
          + Arrays.toString(tensor.getShapeList().toArray()));
    };
  }

  private static void copyValues(TensorProto tensor, float[] target, int offset) {
    int count = tensor.getData().size() / Float.BYTES;
    tensor.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(target, offset, count);
  }
}
