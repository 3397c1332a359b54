package org.partita.runtime.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import org.jblas.FloatMatrix;
import org.junit.jupiter.api.Test;
import org.partita.models.tensor.TensorCodec;
import org.partita.proto.LayerOutputProto;
import org.partita.proto.ShardIdProto;
import org.partita.proto.StepRefProto;
import org.partita.runtime.node.ShardActor;

/**
 * Messages come back intact from heap frames that start after a header (as Artery's TCP frames
 * do, where tensor bytes are aliased) and from direct buffers (copied); bad manifests and bytes
 * are refused by name.
 */
class WireSerializerTest {
  private final WireSerializer serializer = new WireSerializer(null);

  private static LayerOutputProto sample() {
    FloatMatrix values = new FloatMatrix(300, 7);
    for (int i = 0; i < values.data.length; i++) {
      values.data[i] = i * 0.25f - 17f;
    }
    return LayerOutputProto.newBuilder().setStep(StepRefProto.newBuilder().setStep(5).setMicroBatch(2))
        .setSender(ShardIdProto.newBuilder().setStage(1).setSlice(1)).setLayer(3)
        .setValues(TensorCodec.encode(values)).build();
  }

  @Test
  void heapFramesAtAnOffsetAndDirectBuffersRoundTrip() throws Exception {
    ShardActor.Wire wire = new ShardActor.Wire(sample());
    String manifest = serializer.manifest(wire);
    assertEquals("SHARD|partita.LayerOutputProto", manifest);
    for (boolean direct : new boolean[] {false, true}) {
      ByteBuffer frame = direct ? ByteBuffer.allocateDirect(64 << 10) : ByteBuffer.allocate(64 << 10);
      frame.put(new byte[] {1, 2, 3, 4, 5, 6, 7}); // a header before the payload
      ByteBuffer payload = frame.slice();
      serializer.toBinary(wire, payload);
      payload.flip();
      frame.position(7).limit(7 + payload.limit());
      Object back = serializer.fromBinary(frame, manifest);
      LayerOutputProto parsed = (LayerOutputProto) ((ShardActor.Wire) back).proto();
      assertEquals(sample(), parsed, direct ? "direct buffer" : "heap frame");
      assertArrayEquals(TensorCodec.decodeMatrix(sample().getValues(), "sent").data,
          TensorCodec.decodeMatrix(parsed.getValues(), "received").data);
    }
  }

  @Test
  void unknownManifestsAndMalformedBytesAreRefusedByName() {
    NotSerializableException foreign = assertThrows(NotSerializableException.class,
        () -> serializer.fromBinary(new byte[0], "SHARD|com.example.Foo"));
    assertTrue(foreign.getMessage().contains("com.example.Foo"), foreign.getMessage());
    NotSerializableException badDestination = assertThrows(NotSerializableException.class,
        () -> serializer.fromBinary(new byte[0], "NOWHERE|partita.LayerOutputProto"));
    assertTrue(badDestination.getMessage().contains("NOWHERE"), badDestination.getMessage());
    NotSerializableException malformed = assertThrows(NotSerializableException.class,
        () -> serializer.fromBinary(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}, "SHARD|partita.LayerOutputProto"));
    assertTrue(malformed.getMessage().contains("malformed SHARD|partita.LayerOutputProto"), malformed.getMessage());
  }
}
