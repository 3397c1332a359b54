package org.partita.it;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Payloads no Partita node sends, made from a valid encoded message: the same bytes cut short,
 * a length-delimited field declaring far more bytes than follow, a string field that is not UTF-8,
 * field tags rewritten. Used as fixed cases by {@link HostilePeersTest} and as mutations by
 * {@link WireFuzzTest}.
 */
final class HostileFrames {
  private HostileFrames() {}

  /** One payload of each fixed kind, every one invalid for {@code valid}'s type, as forged frames to a node's actors. */
  static List<RoguePeer.Forged> invalidFor(Message valid) {
    String manifest = "NODE|" + valid.getDescriptorForType().getFullName();
    byte[] bytes = valid.toByteArray();
    int text = firstStringField(valid);
    return List.of(
        new RoguePeer.Forged(manifest, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}),
        new RoguePeer.Forged(manifest, Arrays.copyOf(bytes, bytes.length - 1)),
        new RoguePeer.Forged(manifest, declaredLength(text, Integer.MAX_VALUE, new byte[] {1, 2, 3})),
        new RoguePeer.Forged(manifest, declaredLength(text, 2, new byte[] {(byte) 0xc3, (byte) 0x28})),
        new RoguePeer.Forged("NODE|partita.NotAMessage", bytes));
  }

  /**
   * Field {@code field} as length-delimited, declaring {@code length} bytes (any 64-bit value, written
   * as protobuf's varint) followed by {@code content}.
   */
  static byte[] declaredLength(int field, long length, byte[] content) {
    byte[] tag = varint(tag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED));
    byte[] declared = varint(length);
    byte[] bytes = Arrays.copyOf(tag, tag.length + declared.length + content.length);
    System.arraycopy(declared, 0, bytes, tag.length, declared.length);
    System.arraycopy(content, 0, bytes, tag.length + declared.length, content.length);
    return bytes;
  }

  /** A field's tag: its number and wire type, as protobuf writes it before the value. */
  static int tag(int field, int wireType) {
    return field << 3 | wireType;
  }

  /** The tag at {@code position} (one of {@link #tagPositions}). */
  static int tagAt(byte[] frame, int position) {
    try {
      return CodedInputStream.newInstance(frame, position, frame.length - position).readTag();
    } catch (IOException e) {
      throw new IllegalArgumentException("no tag at byte " + position + " of a " + frame.length + "-byte frame", e);
    }
  }

  /** {@code frame} with the tag at {@code position} (one of {@link #tagPositions}) replaced by {@code tag}. */
  static byte[] withTag(byte[] frame, int position, int tag) {
    int oldLength = CodedOutputStream.computeUInt32SizeNoTag(tagAt(frame, position));
    return replaced(frame, position, oldLength, varint(tag));
  }

  /**
   * {@code frame} with the length of the length-delimited field at {@code position} (one of
   * {@link #tagPositions}) replaced by {@code length}; the field's bytes stay as they were.
   */
  static byte[] withDeclaredLength(byte[] frame, int position, long length) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(frame, position, frame.length - position);
      in.readTag();
      int lengthAt = position + in.getTotalBytesRead();
      in.readRawVarint64();
      int oldLength = position + in.getTotalBytesRead() - lengthAt;
      return replaced(frame, lengthAt, oldLength, varint(length));
    } catch (IOException e) {
      throw new IllegalArgumentException("no length-delimited field at byte " + position, e);
    }
  }

  private static byte[] replaced(byte[] frame, int at, int oldLength, byte[] with) {
    byte[] result = new byte[frame.length - oldLength + with.length];
    System.arraycopy(frame, 0, result, 0, at);
    System.arraycopy(with, 0, result, at, with.length);
    System.arraycopy(frame, at + oldLength, result, at + with.length, frame.length - at - oldLength);
    return result;
  }

  private static byte[] varint(long value) {
    byte[] bytes = new byte[CodedOutputStream.computeUInt64SizeNoTag(value)];
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.writeUInt64NoTag(value);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes;
  }

  /** Where the top-level fields of a valid encoded message start. */
  static List<Integer> tagPositions(byte[] valid) {
    List<Integer> positions = new ArrayList<>();
    CodedInputStream in = CodedInputStream.newInstance(valid);
    try {
      while (true) {
        int position = in.getTotalBytesRead();
        int tag = in.readTag();
        if (tag == 0) {
          return positions;
        }
        positions.add(position);
        in.skipField(tag);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("not a valid encoded message: " + e.getMessage(), e);
    }
  }

  private static int firstStringField(Message message) {
    return message.getDescriptorForType().getFields().stream()
        .filter(field -> field.getType() == FieldDescriptor.Type.STRING).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(message.getDescriptorForType().getFullName()
            + " has no string field"))
        .getNumber();
  }
}
