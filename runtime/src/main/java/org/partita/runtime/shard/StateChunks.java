package org.partita.runtime.shard;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.List;
import org.partita.models.io.StateStream;
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
    Outgoing outgoing = new Outgoing(shard, StateStream.of(state.toByteString()));
    List<ShardStateChunkProto> chunks = new ArrayList<>(outgoing.count());
    while (!outgoing.done()) {
      chunks.add(outgoing.next());
    }
    return chunks;
  }

  /**
   * A state leaving in chunks made one at a time as they are asked for — with
   * {@link org.partita.models.io.ShardStates#stream} the sender holds one chunk and one encoded
   * tensor beyond its state, whatever the state's size.
   */
  public static final class Outgoing {
    private final ShardIdProto shard;
    private final StateStream state;
    private final int count;
    private int next;

    public Outgoing(ShardIdProto shard, StateStream state) {
      this.shard = shard;
      this.state = state;
      this.count = Math.toIntExact(Math.max(1, (state.size() + CHUNK_BYTES - 1) / CHUNK_BYTES));
    }

    public int count() {
      return count;
    }

    /** The index {@link #next} will give. */
    public int nextIndex() {
      return next;
    }

    public boolean done() {
      return next == count;
    }

    public ShardStateChunkProto next() {
      if (done()) {
        throw new IllegalStateException("all " + count + " chunks of shard " + shard + "'s state were sent");
      }
      return ShardStateChunkProto.newBuilder().setShard(shard).setIndex(next++).setCount(count)
          .setData(state.read(CHUNK_BYTES)).build();
    }
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
