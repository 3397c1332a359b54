package org.partita.models.io;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Supplier;

/**
 * A serialized message read front to back while its pieces are made on demand (see
 * {@link ShardStates#stream}); the pieces' sizes are known up front, so readers can announce how
 * many chunks will follow before anything is encoded.
 */
public final class StateStream {
  /** {@code size} bytes that {@code bytes} makes when asked. */
  public record Piece(long size, Supplier<ByteString> bytes) {}

  private final List<Piece> pieces;
  private final long size;
  private int next;
  private ByteString current = ByteString.EMPTY;
  private int offset;
  private long position;

  /** A message already serialized, as one piece. */
  public static StateStream of(ByteString bytes) {
    return new StateStream(List.of(new Piece(bytes.size(), () -> bytes)));
  }

  StateStream(List<Piece> pieces) {
    this.pieces = pieces;
    this.size = pieces.stream().mapToLong(Piece::size).sum();
  }

  /** Bytes in the whole message. */
  public long size() {
    return size;
  }

  /** Bytes read so far. */
  public long position() {
    return position;
  }

  /**
   * The next at most {@code limit} bytes (fewer only at the end; empty once everything is read),
   * sharing the pieces' arrays rather than copying them.
   */
  public ByteString read(int limit) {
    ByteString bytes = ByteString.EMPTY;
    while (bytes.size() < limit && advance()) {
      int take = Math.min(limit - bytes.size(), current.size() - offset);
      bytes = bytes.concat(current.substring(offset, offset + take));
      offset += take;
    }
    position += bytes.size();
    return bytes;
  }

  /**
   * Everything not read yet, piece by piece, through one small buffer: ByteString's own writeTo
   * would first copy a whole piece into a new array.
   */
  public void writeTo(OutputStream out) throws IOException {
    byte[] buffer = new byte[1 << 16];
    while (advance()) {
      for (ByteBuffer part : current.substring(offset).asReadOnlyByteBufferList()) {
        while (part.hasRemaining()) {
          int length = Math.min(buffer.length, part.remaining());
          part.get(buffer, 0, length);
          out.write(buffer, 0, length);
        }
      }
      position += current.size() - offset;
      offset = current.size();
    }
  }

  /** Makes the next piece current when this one is used up; false at the end. */
  private boolean advance() {
    while (offset == current.size()) {
      if (next == pieces.size()) {
        current = ByteString.EMPTY;
        offset = 0;
        return false;
      }
      Piece piece = pieces.get(next++);
      current = piece.bytes().get();
      offset = 0;
      if (current.size() != piece.size()) {
        throw new IllegalStateException("piece " + (next - 1) + " made " + current.size() + " bytes, announced "
            + piece.size());
      }
    }
    return true;
  }
}
