package org.partita.runtime.shard;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.partita.models.layers.Parameter;
import org.partita.models.tensor.TensorCodec;
import org.partita.partitioner.ShardId;
import org.partita.proto.AllReduceChunkProto;
import org.partita.proto.AllReducePhaseProto;

/**
 * One shard's part of a ring all-reduce of its gradients among the R replicas that hold the same
 * (stage, slice): afterwards every replica's gradients are the sum over replicas, bit-identical on
 * all of them. The shard's gradient tensors are seen as one vector of N floats cut into R chunks;
 * replica r sends to r+1 and receives from r−1 (mod R). R−1 reduce-scatter steps (step k: send
 * chunk r−k, add the received chunk r−k−1 into one's own) leave replica r holding the finished sum
 * of chunk r+1; R−1 all-gather steps (send chunk r+1−k, copy in the received chunk r−k) hand the
 * sums round. Each replica sends 2·(R−1)/R·N floats in all, whatever R: bandwidth-optimal. Chunks
 * travel in pieces of at most {@link #PIECE_FLOATS} so no message exceeds a few MiB.
 *
 * <p>Sums are formed in ring order, the same on every run, so training is deterministic. Artery
 * keeps messages between two actors in order, so a step's pieces all arrive before the next step's;
 * pieces that arrive before this shard has finished its backward are kept until {@link #start}.
 */
public final class RingAllReduce {
  public static final int PIECE_FLOATS = 1 << 20;

  /** Where pieces go. */
  interface Sender {
    void send(ShardId to, AllReduceChunkProto piece);
  }

  private final ShardId self;
  private final int replicas;
  private final int bucket;
  private final List<Parameter> parameters;
  private final long[] offsets;
  private final long length;
  private final float[] scratch;
  private final List<AllReduceChunkProto> early = new ArrayList<>();
  private long round = -1;
  private int ringStep;
  private int piecesReceived;
  private boolean running;

  RingAllReduce(ShardId self, int replicas, List<Parameter> parameters) {
    this(self, replicas, 0, parameters);
  }

  /** The ring of one of a shard's {@link GradientBuckets}: its pieces carry {@code bucket}. */
  RingAllReduce(ShardId self, int replicas, int bucket, List<Parameter> parameters) {
    this.self = self;
    this.replicas = replicas;
    this.bucket = bucket;
    this.parameters = List.copyOf(parameters);
    this.offsets = new long[this.parameters.size() + 1];
    for (int p = 0; p < this.parameters.size(); p++) {
      offsets[p + 1] = offsets[p] + this.parameters.get(p).gradient().data.length;
    }
    this.length = offsets[this.parameters.size()];
    this.scratch = new float[(int) Math.min(PIECE_FLOATS, Math.max(1, length))];
  }

  /** Steps of the whole exchange: R−1 reduce-scatter, R−1 all-gather. */
  private int steps() {
    return 2 * (replicas - 1);
  }

  boolean needed() {
    return replicas > 1;
  }

  /**
   * Starts the exchange for {@code roundId} once this shard's gradients are complete; true when it
   * is already finished (one replica). Pieces that came early are applied now.
   */
  boolean start(long roundId, Sender sender) {
    round = roundId;
    ringStep = 0;
    piecesReceived = 0;
    running = replicas > 1;
    if (!running) {
      return true;
    }
    sendStep(sender);
    List<AllReduceChunkProto> kept = new ArrayList<>(early);
    early.clear();
    boolean done = false;
    for (AllReduceChunkProto piece : kept) {
      if (piece.getStep() == roundId) {
        done |= receive(piece, sender);
      } else if (piece.getStep() > roundId) {
        early.add(piece);
      }
    }
    return done;
  }

  /** Forgets a round that was aborted. */
  void abort(long roundId) {
    early.removeIf(piece -> piece.getStep() <= roundId);
    if (round == roundId) {
      running = false;
    }
  }

  /**
   * Applies one piece from the previous replica; true when this shard's exchange has finished.
   * A piece of a round this shard has not started yet is kept.
   */
  boolean receive(AllReduceChunkProto piece, Sender sender) {
    if (!running || piece.getStep() != round) {
      if (piece.getStep() > round) {
        early.add(piece); // this shard is still in its backward
      }
      return false;
    }
    int previous = Math.floorMod(self.replica() - 1, replicas);
    String what = "all-reduce piece " + piece.getChunk() + " of step " + piece.getRound() + " (" + piece.getPhase()
        + ") from replica " + piece.getFromReplica() + " to shard " + self;
    if (piece.getFromReplica() != previous || piece.getStage() != self.stage() || piece.getSlice() != self.slice()
        || piece.getBucket() != bucket) {
      throw new IllegalArgumentException(what + ": expected pieces of stage " + self.stage() + " slice "
          + self.slice() + " bucket " + bucket + " from replica " + previous);
    }
    if (piece.getRound() != ringStep || piece.getChunk() != piecesReceived || piece.getPhase() != phase(ringStep)) {
      throw new IllegalArgumentException(what + ": out of order, expected piece " + piecesReceived + " of step "
          + ringStep + " (" + phase(ringStep) + ")");
    }
    int chunk = receivedChunk(ringStep);
    long from = chunkStart(chunk) + (long) piecesReceived * PIECE_FLOATS;
    int count = (int) Math.min(PIECE_FLOATS, chunkStart(chunk + 1) - from);
    TensorCodec.decodeInto(piece.getValues(), scratch, 0, count, what);
    boolean add = ringStep < replicas - 1;
    forEachSegment(from, count, (values, at, offset, n) -> {
      if (add) {
        for (int i = 0; i < n; i++) {
          values[at + i] += scratch[offset + i];
        }
      } else {
        System.arraycopy(scratch, offset, values, at, n);
      }
    });
    piecesReceived++;
    if (piecesReceived < pieces(chunk)) {
      return false;
    }
    ringStep++;
    piecesReceived = 0;
    if (ringStep == steps()) {
      running = false;
      return true;
    }
    sendStep(sender);
    return false;
  }

  /** What the exchange waits for, for status reports. */
  String waitingFor() {
    if (!running) {
      return "nothing";
    }
    int chunk = receivedChunk(ringStep);
    return "all-reduce piece " + piecesReceived + " of " + pieces(chunk) + " of step " + (ringStep + 1) + "/" + steps()
        + " (" + phase(ringStep) + ") from replica " + Math.floorMod(self.replica() - 1, replicas);
  }

  private void sendStep(Sender sender) {
    int chunk = sentChunk(ringStep);
    ShardId next = new ShardId(Math.floorMod(self.replica() + 1, replicas), self.stage(), self.slice());
    long start = chunkStart(chunk);
    long end = chunkStart(chunk + 1);
    for (int index = 0; index < pieces(chunk); index++) {
      long from = start + (long) index * PIECE_FLOATS;
      int count = (int) Math.min(PIECE_FLOATS, end - from);
      byte[] bytes = new byte[count * Float.BYTES];
      FloatBuffer out = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      forEachSegment(from, count, (values, at, offset, n) -> out.put(values, at, n));
      sender.send(next, AllReduceChunkProto.newBuilder().setStep(round).setStage(self.stage()).setSlice(self.slice())
          .setFromReplica(self.replica()).setPhase(phase(ringStep)).setRound(ringStep).setChunk(index).setBucket(bucket)
          .setValues(TensorCodec.wrap(bytes, 1, count)).build());
    }
  }

  private AllReducePhaseProto phase(int step) {
    return step < replicas - 1 ? AllReducePhaseProto.REDUCE_SCATTER : AllReducePhaseProto.ALL_GATHER;
  }

  private int sentChunk(int step) {
    int k = step % (replicas - 1);
    return step < replicas - 1 ? Math.floorMod(self.replica() - k, replicas)
        : Math.floorMod(self.replica() + 1 - k, replicas);
  }

  private int receivedChunk(int step) {
    int k = step % (replicas - 1);
    return step < replicas - 1 ? Math.floorMod(self.replica() - k - 1, replicas)
        : Math.floorMod(self.replica() - k, replicas);
  }

  private long chunkStart(int chunk) {
    return length * chunk / replicas;
  }

  /** Pieces of a chunk; an empty chunk (fewer floats than replicas) still sends one empty piece. */
  private int pieces(int chunk) {
    long size = chunkStart(chunk + 1) - chunkStart(chunk);
    return (int) Math.max(1, (size + PIECE_FLOATS - 1) / PIECE_FLOATS);
  }

  @FunctionalInterface
  private interface Segment {
    /** values[at, at + n) of one gradient tensor is vector[offset-relative position, +n). */
    void apply(float[] values, int at, int offset, int n);
  }

  /** Walks vector range [from, from + count) tensor by tensor; offset counts from {@code from}. */
  private void forEachSegment(long from, int count, Segment segment) {
    long end = from + count;
    for (int p = 0; p < parameters.size() && from < end; p++) {
      if (offsets[p + 1] <= from) {
        continue;
      }
      int at = (int) (from - offsets[p]);
      int n = (int) (Math.min(end, offsets[p + 1]) - from);
      segment.apply(parameters.get(p).gradient().data, at, (int) (from - (end - count)), n);
      from += n;
    }
  }
}
