package org.partita.runtime.shard;

import java.util.ArrayList;
import java.util.List;
import org.partita.models.layers.Parameter;
import org.partita.partitioner.GradientBucketing;
import org.partita.partitioner.ShardId;
import org.partita.proto.AllReduceChunkProto;

/**
 * A shard's gradients among replicas, all-reduced in buckets of layers so the exchange overlaps the
 * backward: a layer's gradients are final once the round's last micro-batch has passed back
 * through it, and the backward runs from the last layer to the first, so the bucket of the last
 * layers starts its ring while the earlier layers still compute. The CNN's dense head holds 95% of
 * its parameters and is the first to finish. Each bucket is its own {@link RingAllReduce}, so every
 * element is summed in a fixed ring order: the same on every run of a plan, and for 2 replicas (a
 * sum of two) the same as without buckets. Where the buckets are cut is
 * {@link GradientBucketing}'s rule, which the cost model prices too.
 */
final class GradientBuckets {
  private final List<RingAllReduce> rings = new ArrayList<>();
  /** The lowest stage-local layer of each bucket; bucket 0 holds the last layers. */
  private final List<Integer> firstLayers;
  private final boolean[] started;
  private final boolean[] finished;
  private long round = -1;

  /**
   * @param parametersByLayer the shard's parameters of each stage-local layer, in layer order
   */
  GradientBuckets(ShardId self, int replicas, List<List<Parameter>> parametersByLayer) {
    long[] floats = parametersByLayer.stream()
        .mapToLong(layer -> layer.stream().mapToLong(p -> p.gradient().data.length).sum()).toArray();
    firstLayers = GradientBucketing.firstLayers(floats);
    int end = parametersByLayer.size();
    for (int first : firstLayers) {
      // Within a bucket the vector keeps the shard's layer order, as one bucket of all would.
      List<Parameter> bucket = parametersByLayer.subList(first, end).stream().flatMap(List::stream).toList();
      rings.add(new RingAllReduce(self, replicas, rings.size(), bucket));
      end = first;
    }
    started = new boolean[rings.size()];
    finished = new boolean[rings.size()];
  }

  boolean needed() {
    return rings.get(0).needed();
  }

  int count() {
    return rings.size();
  }

  /** A new round: no bucket started. */
  void reset(long roundId) {
    round = roundId;
    java.util.Arrays.fill(started, false);
    java.util.Arrays.fill(finished, false);
  }

  /**
   * Starts every bucket not yet started whose layers are all at or above {@code lowestDoneLayer}
   * (their gradients are final; 0 starts all that remain). True when every bucket has finished.
   */
  boolean startReady(int lowestDoneLayer, RingAllReduce.Sender sender) {
    for (int b = 0; b < rings.size(); b++) {
      if (!started[b] && firstLayers.get(b) >= lowestDoneLayer) {
        started[b] = true;
        finished[b] = rings.get(b).start(round, sender);
      }
    }
    return allFinished();
  }

  /** True while a started bucket waits for pieces. */
  boolean anyRunning() {
    for (int b = 0; b < rings.size(); b++) {
      if (started[b] && !finished[b]) {
        return true;
      }
    }
    return false;
  }

  boolean allFinished() {
    for (boolean done : finished) {
      if (!done) {
        return false;
      }
    }
    return true;
  }

  /** Applies a piece to its bucket; true when that completed the last bucket of the round. */
  boolean receive(AllReduceChunkProto piece, RingAllReduce.Sender sender) {
    int b = piece.getBucket();
    if (b < 0 || b >= rings.size()) {
      throw new IllegalArgumentException("all-reduce piece for bucket " + b + " of step " + piece.getStep()
          + " from replica " + piece.getFromReplica() + ", but this shard has " + rings.size() + " buckets");
    }
    if (rings.get(b).receive(piece, sender) && piece.getStep() == round) {
      finished[b] = true;
      return allFinished();
    }
    return false;
  }

  void abort(long roundId) {
    for (RingAllReduce ring : rings) {
      ring.abort(roundId);
    }
  }

  /** What the exchange waits for, for status reports. */
  String waitingFor() {
    List<String> waiting = new ArrayList<>();
    for (int b = 0; b < rings.size(); b++) {
      if (!started[b]) {
        waiting.add("bucket " + b + ": the backward of layers from " + firstLayers.get(b));
      } else if (!finished[b]) {
        waiting.add("bucket " + b + ": " + rings.get(b).waitingFor());
      }
    }
    return waiting.isEmpty() ? "nothing" : String.join("; ", waiting);
  }
}
