package org.partita.models.train;

/**
 * How a batch of n samples is cut into M parts — micro-batches, or the replicas' shares of a
 * global batch: part m holds samples [⌊m·n/M⌋, ⌊(m+1)·n/M⌋), so sizes differ by at most one and
 * the cut is the same everywhere — the driver slicing inputs, every shard sizing its buffers and
 * every node feeding its own samples compute it alike.
 */
public final class MicroBatches {
  private MicroBatches() {}

  /** The first sample of micro-batch {@code m} (m = count gives n). */
  public static int first(int samples, int count, int m) {
    return (int) ((long) samples * m / count);
  }

  /** Micro-batches actually used: never more than samples. */
  public static int count(int samples, int requested) {
    return Math.max(1, Math.min(samples, requested));
  }
}
