package org.partita.models.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PartitionedBatchesTest {

  /** Every sample has exactly one (replica, index) and each batch takes each replica's next share. */
  @ParameterizedTest(name = "{0} samples, batch {1}, {2} replicas")
  @CsvSource({"290, 30, 2", "290, 30, 3", "31, 30, 3", "7, 100, 2", "1000, 128, 4", "5, 2, 3"})
  void placementCoversEverySampleOnceAndMatchesTheShares(int samples, int batch, int replicas) {
    PartitionedBatches batches = new PartitionedBatches(samples, batch, replicas, 11);
    int total = 0;
    boolean[][] seen = new boolean[replicas][];
    for (int r = 0; r < replicas; r++) {
      seen[r] = new boolean[batches.replicaSamples(r)];
      total += seen[r].length;
    }
    assertEquals(samples, total);
    for (int g = 0; g < samples; g++) {
      int r = batches.replicaOf(g);
      int index = batches.indexInReplica(g);
      assertFalse(seen[r][index], "sample " + g + " placed twice");
      seen[r][index] = true;
      int k = g / Math.min(batch, samples);
      int within = g - k * Math.min(batch, samples);
      // the g-th sample of the first epoch (before shuffling) is the right one of its batch's share
      assertEquals(batches.replicaOffset(k, r) + within - batches.shareStart(k, r), index);
    }
    int sum = 0;
    for (int k = 0; k < batches.stepsPerEpoch(); k++) {
      int shares = 0;
      for (int r = 0; r < replicas; r++) {
        shares += batches.share(k, r);
      }
      assertEquals(batches.batchSamples(k), shares);
      sum += shares;
    }
    assertEquals(samples, sum);
  }

  @ParameterizedTest(name = "{0} samples")
  @CsvSource({"290", "31"})
  void eachReplicaOrderIsAPermutationOfItsEpochAndDiffersByReplicaAndEpoch(int samples) {
    PartitionedBatches batches = new PartitionedBatches(samples, 30, 2, 11);
    int[] first = new int[batches.replicaSamples(0)];
    int[] again = new int[first.length];
    batches.replicaOrder(0, 3, first);
    batches.replicaOrder(0, 3, again);
    assertArrayEquals(first, again, "the same (seed, replica, epoch) gives the same order");
    int[] sorted = first.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      assertEquals(i, sorted[i]);
    }
    int[] nextEpoch = new int[first.length];
    batches.replicaOrder(0, 4, nextEpoch);
    assertFalse(Arrays.equals(first, nextEpoch));
    assertThrows(IllegalArgumentException.class, () -> batches.replicaOrder(1, 0, new int[3]));
  }
}
