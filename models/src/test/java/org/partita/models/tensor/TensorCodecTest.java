package org.partita.models.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import org.jblas.FloatMatrix;
import org.junit.jupiter.api.Test;
import org.partita.proto.TensorProto;

class TensorCodecTest {

  @Test
  void roundTripsAMatrixBitForBit() throws Exception {
    FloatMatrix matrix = new FloatMatrix(new float[][] {
        {1f, -0f, Float.MIN_VALUE}, {Float.MAX_VALUE, Float.NaN, Float.NEGATIVE_INFINITY}});
    TensorProto tensor = TensorProto.parseFrom(TensorCodec.encode(matrix).toByteArray());
    FloatMatrix decoded = TensorCodec.decodeMatrix(tensor, "sample");
    assertEquals(2, decoded.rows);
    assertEquals(3, decoded.columns);
    for (int i = 0; i < matrix.data.length; i++) {
      assertEquals(Float.floatToRawIntBits(matrix.data[i]), Float.floatToRawIntBits(decoded.data[i]), "element " + i);
    }
  }

  /** The wire layout is fixed: little-endian float32, column-major, shape [rows, columns]. */
  @Test
  void layoutIsLittleEndianColumnMajor() {
    FloatMatrix matrix = new FloatMatrix(new float[][] {{1f, 2f}});
    TensorProto tensor = TensorCodec.encode(matrix);
    assertEquals(java.util.List.of(1L, 2L), tensor.getShapeList());
    assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0x40}, tensor.getData().toByteArray());
  }

  @Test
  void encodesABlockOfColumns() {
    float[] data = {1, 2, 3, 4, 5, 6, 7, 8};
    TensorProto tensor = TensorCodec.encode(data, 2, 2, 3);
    FloatMatrix decoded = TensorCodec.decodeMatrix(tensor, "block");
    assertArrayEquals(new float[] {3, 4, 5, 6, 7, 8}, decoded.data);
  }

  @Test
  void decodesIntoExistingBuffers() {
    TensorProto tensor = TensorCodec.encode(new FloatMatrix(new float[][] {{1, 2}, {3, 4}}));
    FloatMatrix target = new FloatMatrix(2, 2);
    TensorCodec.decodeInto(tensor, target, "weights");
    assertArrayEquals(new float[] {1, 3, 2, 4}, target.data);
    float[] array = new float[6];
    TensorCodec.decodeInto(tensor, array, 2, 4, "weights");
    assertArrayEquals(new float[] {0, 0, 1, 3, 2, 4}, array);
  }

  @Test
  void rejectsWrongByteCountNamingTheTensor() {
    TensorProto truncated = TensorProto.newBuilder().addShape(2).addShape(2)
        .setData(ByteString.copyFrom(new byte[12])).build();
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> TensorCodec.decodeMatrix(truncated, "layer 3 weights"));
    assertTrue(error.getMessage().startsWith("layer 3 weights: shape [2, 2] needs 16 bytes"), error.getMessage());
  }

  @Test
  void rejectsBadShapes() {
    TensorProto rank3 = TensorProto.newBuilder().addShape(1).addShape(1).addShape(1)
        .setData(ByteString.copyFrom(new byte[4])).build();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TensorCodec.decodeMatrix(rank3, "t"))
        .getMessage().contains("expected a matrix"));
    TensorProto negative = TensorProto.newBuilder().addShape(-1).build();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TensorCodec.decodeMatrix(negative, "t"))
        .getMessage().contains("dimension 0"));
    TensorProto huge = TensorProto.newBuilder().addShape(1L << 20).addShape(1L << 20).build();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TensorCodec.decodeMatrix(huge, "t"))
        .getMessage().contains("larger than 2 GiB"));
    TensorProto wrongShape = TensorCodec.encode(new FloatMatrix(2, 3));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> TensorCodec.decodeInto(wrongShape, new FloatMatrix(3, 2), "bias"))
        .getMessage().contains("bias: tensor is 2×3 but 3×2 was expected"));
  }
}
