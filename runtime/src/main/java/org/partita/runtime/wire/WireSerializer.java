package org.partita.runtime.wire;

import akka.actor.ExtendedActorSystem;
import akka.serialization.ByteBufferSerializer;
import akka.serialization.SerializerWithStringManifest;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.partita.runtime.driver.DriverInbox;
import org.partita.runtime.node.NodeGuardian;
import org.partita.runtime.node.ShardActor;

/**
 * Serializes {@link WireMessage}s as their protobuf bytes. The manifest is
 * "destination|protobuf type" (e.g. "SHARD|partita.LayerOutputProto"); any message type of
 * runtime.proto is accepted, anything else is refused by name. Implements Artery's
 * {@link ByteBufferSerializer} so tensors are written straight into the transport's buffer.
 */
public final class WireSerializer extends SerializerWithStringManifest implements ByteBufferSerializer {
  public static final int IDENTIFIER = 72_501;

  private static final Map<String, Parser<? extends Message>> PARSERS = runtimeParsers();
  private static final Map<WireMessage.Destination, Function<Message, WireMessage>> ENVELOPES = Map.of(
      WireMessage.Destination.SHARD, ShardActor.Wire::new,
      WireMessage.Destination.DRIVER, DriverInbox.Wire::new,
      WireMessage.Destination.NODE, NodeGuardian.Wire::new);

  public WireSerializer(ExtendedActorSystem system) {}

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object message) {
    return manifestOf((WireMessage) message);
  }

  /** "destination|protobuf type", e.g. "SHARD|partita.LayerOutputProto". */
  public static String manifestOf(WireMessage wire) {
    return wire.destination().name() + "|" + wire.proto().getDescriptorForType().getFullName();
  }

  @Override
  public byte[] toBinary(Object message) {
    return ((WireMessage) message).proto().toByteArray();
  }

  @Override
  public void toBinary(Object message, ByteBuffer buffer) {
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(buffer);
      ((WireMessage) message).proto().writeTo(out);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("serializing " + manifest(message), e);
    }
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    return fromBinary(ByteBuffer.wrap(bytes), manifest);
  }

  @Override
  public Object fromBinary(ByteBuffer buffer, String manifest) throws NotSerializableException {
    return decode(buffer, manifest);
  }

  /** The message in {@code buffer} with its envelope; refuses an unknown manifest or malformed bytes. */
  public static WireMessage decode(ByteBuffer buffer, String manifest) throws NotSerializableException {
    int bar = manifest.indexOf('|');
    Parser<? extends Message> parser = bar < 0 ? null : PARSERS.get(manifest.substring(bar + 1));
    Function<Message, WireMessage> envelope = null;
    if (bar > 0) {
      try {
        envelope = ENVELOPES.get(WireMessage.Destination.valueOf(manifest.substring(0, bar)));
      } catch (IllegalArgumentException unknown) {
        envelope = null;
      }
    }
    if (parser == null || envelope == null) {
      throw new NotSerializableException("not a Partita runtime message: manifest '" + manifest + "'");
    }
    try {
      return envelope.apply(parser.parseFrom(input(buffer)));
    } catch (InvalidProtocolBufferException e) {
      NotSerializableException failure = new NotSerializableException("malformed " + manifest + ": " + e.getMessage());
      failure.initCause(e);
      throw failure;
    }
  }

  /**
   * Tensor bytes alias a heap buffer instead of being copied out of it: Artery's TCP framing gives
   * every inbound frame an array of its own and never reuses it (only direct buffers are pooled),
   * which saves one copy of every activation. Direct (pooled, reused) buffers are copied.
   */
  private static CodedInputStream input(ByteBuffer buffer) {
    if (buffer.isDirect() || !buffer.hasArray()) {
      return CodedInputStream.newInstance(buffer);
    }
    CodedInputStream input = CodedInputStream.newInstance(buffer.array(), buffer.arrayOffset() + buffer.position(),
        buffer.remaining());
    input.enableAliasing(true);
    return input;
  }

  /** Every message type of runtime.proto, by full name, with its generated parser. */
  private static Map<String, Parser<? extends Message>> runtimeParsers() {
    Map<String, Parser<? extends Message>> parsers = new HashMap<>();
    for (Descriptor type : org.partita.proto.Runtime.getDescriptor().getMessageTypes()) {
      try {
        Class<?> generated = Class.forName("org.partita.proto." + type.getName());
        @SuppressWarnings("unchecked")
        Parser<? extends Message> parser = (Parser<? extends Message>) generated.getMethod("parser").invoke(null);
        parsers.put(type.getFullName(), parser);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("generated class for " + type.getFullName() + " not found", e);
      }
    }
    return Map.copyOf(parsers);
  }
}
