package org.partita.runtime.shard;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.List;
import org.partita.proto.ShardIdProto;
import org.partita.proto.ShardStateChunkProto;
import org.partita.proto.ShardStateProto;

/**
 * A shard's state travels as pieces of at most {@link #CHUNK_BYTES}: one slice of a wide layer
 * with Adam state is far larger than any sensible frame, and a frame large enough for it would be
 * reserved as off-heap buffers for every message.
 */
public final class StateChunks {
  public static final int CHUNK_BYTES = 4 << 20;

  private StateChunks() {}

  public static List<ShardStateChunkProto> split(ShardIdProto shard, ShardStateProto state) {
    ByteString bytes = state.toByteString();
    int count = Math.max(1, (bytes.size() + CHUNK_BYTES - 1) / CHUNK_BYTES);
    List<ShardStateChunkProto> chunks = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int from = i * CHUNK_BYTES;
      chunks.add(ShardStateChunkProto.newBuilder().setShard(shard).setIndex(i).setCount(count)
          .setData(bytes.substring(from, Math.min(bytes.size(), from + CHUNK_BYTES))).build());
    }
    return chunks;
  }

  /** Joins chunks given in index order; {@code what} names the shard in errors. */
  public static ShardStateProto join(List<ShardStateChunkProto> chunks, String what) {
    ByteString bytes = ByteString.EMPTY;
    for (int i = 0; i < chunks.size(); i++) {
      ShardStateChunkProto chunk = chunks.get(i);
      if (chunk.getIndex() != i || chunk.getCount() != chunks.size()) {
        throw new IllegalArgumentException(what + ": state chunk " + chunk.getIndex() + " of " + chunk.getCount()
            + " where chunk " + i + " of " + chunks.size() + " was expected");
      }
      bytes = bytes.concat(chunk.getData());
    }
    try {
      return ShardStateProto.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(what + ": state does not parse: " + e.getMessage(), e);
    }
  }
}
