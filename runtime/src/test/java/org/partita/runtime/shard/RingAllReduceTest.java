package org.partita.runtime.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Rings of 2 and 3 replicas over gradients that need several 4 MiB pieces per chunk, have a ragged
 * tail, or fewer floats than replicas (empty chunks): every replica ends with the same bits, the
 * sum of all replicas' gradients; pieces that arrive before a replica starts are kept; a piece
 * out of order is refused by name.
 */
class RingAllReduceTest {
  private record Delivery(ShardId to, AllReduceChunkProto piece) {}

  private static List<Parameter> gradients(int replica, int... sizes) {
    List<Parameter> parameters = new ArrayList<>();
    for (int p = 0; p < sizes.length; p++) {
      Parameter parameter = Parameter.zeros(p, ParameterKind.WEIGHTS, new UnitRange(0, sizes[p]), sizes[p], 1);
      float[] g = parameter.gradient().data;
      for (int i = 0; i < g.length; i++) {
        g[i] = (float) Math.sin(0.001 * i + replica) * (replica + 1);
      }
      parameters.add(parameter);
    }
    return parameters;
  }

  private static void check(int replicas, int... sizes) {
    List<List<Parameter>> held = new ArrayList<>();
    List<RingAllReduce> rings = new ArrayList<>();
    for (int r = 0; r < replicas; r++) {
      held.add(gradients(r, sizes));
      rings.add(new RingAllReduce(new ShardId(r, 0, 1), replicas, held.get(r)));
    }
    ArrayDeque<Delivery> network = new ArrayDeque<>();
    RingAllReduce.Sender sender = (to, piece) -> network.add(new Delivery(to, piece));
    boolean[] done = new boolean[replicas];
    // Replica 0 starts late: the others' pieces reach it before it has finished its backward.
    for (int r = 1; r < replicas; r++) {
      done[r] = rings.get(r).start(7, sender);
    }
    while (!network.isEmpty() && network.peek().to().replica() != 0) {
      Delivery next = network.poll();
      done[next.to().replica()] |= rings.get(next.to().replica()).receive(next.piece(), sender);
    }
    done[0] = rings.get(0).start(7, sender);
    while (!network.isEmpty()) {
      Delivery next = network.poll();
      done[next.to().replica()] |= rings.get(next.to().replica()).receive(next.piece(), sender);
    }
    for (int r = 0; r < replicas; r++) {
      assertTrue(done[r], "replica " + r + " finished");
    }
    for (int p = 0; p < sizes.length; p++) {
      float[] first = held.get(0).get(p).gradient().data;
      for (int r = 1; r < replicas; r++) {
        assertArrayEquals(first, held.get(r).get(p).gradient().data, "replica " + r + " tensor " + p);
      }
      for (int i = 0; i < first.length; i += Math.max(1, first.length / 1000)) {
        double expected = 0;
        for (int r = 0; r < replicas; r++) {
          expected += Math.sin(0.001 * i + r) * (r + 1);
        }
        assertEquals(expected, first[i], 1e-5 * replicas, "tensor " + p + " element " + i);
      }
    }
  }

  @Test
  void severalPiecesPerChunkAndARaggedTail() {
    check(2, 2_500_003, 5);
    check(3, 1_048_577, 3_000_001);
  }

  @Test
  void fewerFloatsThanReplicas() {
    check(3, 2);
  }

  @Test
  void outOfOrderPiecesAreRefused() {
    List<Parameter> mine = gradients(1, 10);
    RingAllReduce ring = new RingAllReduce(new ShardId(1, 0, 0), 2, mine);
    List<AllReduceChunkProto> sent = new ArrayList<>();
    ring.start(3, (to, piece) -> sent.add(piece));
    AllReduceChunkProto wrongStep = sent.get(0).toBuilder().setFromReplica(0).setRound(1).build();
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> ring.receive(wrongStep,
        (to, piece) -> { }));
    assertTrue(error.getMessage().contains("out of order") && error.getMessage().contains("r1/s0/p0"),
        error.getMessage());
  }
}
