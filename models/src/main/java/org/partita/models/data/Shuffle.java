package org.partita.models.data;

import java.util.SplittableRandom;
import org.partita.models.random.CounterRandom;

/**
 * The order samples are visited in, epoch by epoch: a Fisher–Yates permutation seeded by
 * (seed, epoch), so any epoch's order can be recomputed — after a restart, or on another node —
 * without replaying earlier epochs.
 */
public final class Shuffle {
  private Shuffle() {}

  public static int[] permutation(long seed, int epoch, int size) {
    int[] order = new int[size];
    fill(seed, epoch, order);
    return order;
  }

  /** Writes the permutation of epoch {@code epoch} into {@code order} (no allocation). */
  public static void fill(long seed, int epoch, int[] order) {
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(CounterRandom.bits(seed, CounterRandom.STREAM_SHUFFLE, epoch));
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
  }
}
