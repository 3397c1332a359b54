package org.partita.spark;

import java.io.Serializable;

/**
 * One decoded row on its way to the task that keeps it: features as floats and the class index.
 * Rows are decoded once, in the executors, and kept as arrays for the whole training run.
 */
public record KeptSample(float[] features, int label) implements Serializable {

  /** Packed for the one shuffle that places it: little-endian floats, then the label (Spark's Java
   * serializer writes a byte array in one piece, a float array value by value). */
  byte[] pack() {
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(features.length * 4 + 4)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(features);
    buffer.putInt(features.length * 4, label);
    return buffer.array();
  }

  static KeptSample unpack(byte[] packed) {
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(packed).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    float[] features = new float[(packed.length - 4) / 4];
    buffer.asFloatBuffer().get(features);
    return new KeptSample(features, buffer.getInt(features.length * 4));
  }
}
