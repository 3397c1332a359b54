package org.partita.runtime.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.partita.models.layers.Parameter;
import org.partita.models.layers.ParameterKind;
import org.partita.models.layers.UnitRange;
import org.partita.partitioner.ShardId;
import org.partita.proto.AllReduceChunkProto;

/**
 * Buckets cut from the last layer (a CNN-like shard: small convolutions, no parameters in pooling
 * and flatten, a large dense head): the head's bucket starts as soon as its layers are done and
 * finishes while the convolutions' bucket has not started; at the end every replica holds the sum,
 * bit for bit the same as one ring over all the gradients gives for 2 replicas.
 */
class GradientBucketsTest {
  /** Floats per stage-local layer: conv, pool, conv, pool, flatten, dense, dense. */
  private static final int[] CNN_LIKE = {320, 0, 18_496, 0, 0, 401_536, 1_290};

  private record Delivery(ShardId to, AllReduceChunkProto piece) {}

  private static List<List<Parameter>> layers(int replica, int... sizes) {
    List<List<Parameter>> layers = new ArrayList<>();
    for (int layer = 0; layer < sizes.length; layer++) {
      List<Parameter> parameters = new ArrayList<>();
      if (sizes[layer] > 0) {
        Parameter parameter = Parameter.zeros(layer, ParameterKind.WEIGHTS, new UnitRange(0, sizes[layer]),
            sizes[layer], 1);
        float[] g = parameter.gradient().data;
        for (int i = 0; i < g.length; i++) {
          g[i] = (float) Math.sin(0.01 * i + 3 * layer + replica) * (replica + 1);
        }
        parameters.add(parameter);
      }
      layers.add(parameters);
    }
    return layers;
  }

  @Test
  void theHeadIsAllReducedWhileTheConvolutionsStillCompute() {
    int replicas = 2;
    List<List<List<Parameter>>> held = new ArrayList<>();
    List<GradientBuckets> shards = replicasOf(replicas, 5, held);
    assertEquals(2, shards.get(0).count(), "the dense head, then everything below it");
    ArrayDeque<Delivery> network = new ArrayDeque<>();
    RingAllReduce.Sender sender = (to, piece) -> network.add(new Delivery(to, piece));
    // Both replicas finish the backward of layer 5 (the first dense layer): the head's bucket starts.
    for (GradientBuckets shard : shards) {
      assertFalse(shard.startReady(5, sender));
      assertTrue(shard.anyRunning());
    }
    boolean[] done = deliver(network, shards, sender);
    assertFalse(done[0] || done[1], "the convolutions' bucket has not started");
    for (GradientBuckets shard : shards) {
      assertFalse(shard.anyRunning(), "the head's ring finished during the backward");
    }
    // The backward reaches layer 0: the rest starts and finishes.
    for (GradientBuckets shard : shards) {
      assertFalse(shard.startReady(0, sender));
    }
    done = deliver(network, shards, sender);
    assertTrue(done[0] && done[1]);

    // One ring over everything, as before buckets: the same bits for a sum of two.
    List<List<Parameter>> alone0 = layers(0, CNN_LIKE);
    List<List<Parameter>> alone1 = layers(1, CNN_LIKE);
    RingAllReduce ring0 = new RingAllReduce(new ShardId(0, 0, 0), 2, alone0.stream().flatMap(List::stream).toList());
    RingAllReduce ring1 = new RingAllReduce(new ShardId(1, 0, 0), 2, alone1.stream().flatMap(List::stream).toList());
    ArrayDeque<Delivery> wire = new ArrayDeque<>();
    RingAllReduce.Sender plain = (to, piece) -> wire.add(new Delivery(to, piece));
    ring0.start(5, plain);
    ring1.start(5, plain);
    while (!wire.isEmpty()) {
      Delivery next = wire.poll();
      (next.to().replica() == 0 ? ring0 : ring1).receive(next.piece(), plain);
    }
    for (int layer = 0; layer < CNN_LIKE.length; layer++) {
      for (int p = 0; p < held.get(0).get(layer).size(); p++) {
        float[] bucketed = held.get(0).get(layer).get(p).gradient().data;
        assertArrayEquals(alone0.get(layer).get(p).gradient().data, bucketed, "layer " + layer);
        assertArrayEquals(bucketed, held.get(1).get(layer).get(p).gradient().data, "replica 1, layer " + layer);
      }
    }
  }

  @Test
  void threeReplicasSumEveryBucket() {
    int replicas = 3;
    List<List<List<Parameter>>> held = new ArrayList<>();
    List<GradientBuckets> shards = replicasOf(replicas, 9, held);
    ArrayDeque<Delivery> network = new ArrayDeque<>();
    RingAllReduce.Sender sender = (to, piece) -> network.add(new Delivery(to, piece));
    // Replica 2 is behind: the others' pieces wait for it.
    shards.get(0).startReady(0, sender);
    shards.get(1).startReady(0, sender);
    boolean[] done = deliver(network, shards, sender);
    done[2] = shards.get(2).startReady(0, sender);
    boolean[] rest = deliver(network, shards, sender);
    for (int r = 0; r < replicas; r++) {
      assertTrue(done[r] || rest[r], "replica " + r + " finished");
    }
    for (int layer = 0; layer < CNN_LIKE.length; layer++) {
      if (CNN_LIKE[layer] == 0) {
        continue;
      }
      float[] first = held.get(0).get(layer).get(0).gradient().data;
      for (int r = 1; r < replicas; r++) {
        assertArrayEquals(first, held.get(r).get(layer).get(0).gradient().data, "replica " + r + " layer " + layer);
      }
      for (int i = 0; i < first.length; i += Math.max(1, first.length / 500)) {
        double expected = 0;
        for (int r = 0; r < replicas; r++) {
          expected += Math.sin(0.01 * i + 3 * layer + r) * (r + 1);
        }
        assertEquals(expected, first[i], 1e-5 * replicas, "layer " + layer + " element " + i);
      }
    }
  }

  @Test
  void aPieceForABucketTheShardDoesNotHaveIsRefused() {
    GradientBuckets shard = new GradientBuckets(new ShardId(1, 0, 0), 2, layers(1, CNN_LIKE));
    shard.reset(2);
    AllReduceChunkProto piece = AllReduceChunkProto.newBuilder().setStep(2).setFromReplica(0).setBucket(7).build();
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> shard.receive(piece, (to, p) -> { }));
    assertTrue(error.getMessage().contains("bucket 7"), error.getMessage());
  }

  /** Each replica's gradients (added to {@code held}) and its buckets, reset for round {@code round}. */
  private static List<GradientBuckets> replicasOf(int replicas, long round, List<List<List<Parameter>>> held) {
    List<GradientBuckets> shards = new ArrayList<>();
    for (int r = 0; r < replicas; r++) {
      held.add(layers(r, CNN_LIKE));
      shards.add(new GradientBuckets(new ShardId(r, 0, 0), replicas, held.get(r)));
      shards.get(r).reset(round);
    }
    return shards;
  }

  /** Delivers until the network is quiet; which replicas' last bucket finished. */
  private static boolean[] deliver(ArrayDeque<Delivery> network, List<GradientBuckets> shards,
      RingAllReduce.Sender sender) {
    boolean[] done = new boolean[shards.size()];
    while (!network.isEmpty()) {
      Delivery next = network.poll();
      done[next.to().replica()] |= shards.get(next.to().replica()).receive(next.piece(), sender);
    }
    return done;
  }
}
