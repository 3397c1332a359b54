package org.partita.models.train;

import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.data.Dataset;
import org.partita.models.data.Shuffle;
import org.partita.models.network.ModelSpec;
import org.partita.models.random.CounterRandom;

/**
 * Global batches over samples that stay where they are: R replicas each keep their own samples
 * (a Spark partition each) and feed their share of every batch themselves, so no sample crosses
 * the network after it has been placed.
 *
 * <p>An epoch of N samples has ⌈N/B⌉ batches of B = min(batch size, N), the last holding the rest,
 * as in {@link TrainingLoop}. Replica r takes part [⌊r·B_k/R⌋, ⌊(r+1)·B_k/R⌋) of batch k
 * ({@link MicroBatches}), so the replicas' sample counts are fixed by N, B and R:
 * {@link #replicaOf} places sample g of the whole (in a fixed order, e.g. a DataFrame's row order)
 * at position g of the first epoch. Every epoch each replica visits its own samples in a
 * permutation of (seed, replica, epoch); batch k takes its next share. A replica's samples never
 * move, and any epoch's batches can be recomputed on any node without replaying earlier epochs.
 */
public final class PartitionedBatches {
  private static final long STREAM_REPLICA_ORDER = 0x9A27L;

  private final int samples;
  private final int batch;
  private final int replicas;
  private final long seed;
  private final int steps;

  public PartitionedBatches(int samples, int batchSize, int replicas, long seed) {
    if (samples < 1 || batchSize < 1 || replicas < 1) {
      throw new IllegalArgumentException("need at least one sample, a batch of at least one and a replica; got "
          + samples + " samples, batch " + batchSize + ", " + replicas + " replicas");
    }
    this.samples = samples;
    this.batch = Math.min(batchSize, samples);
    this.replicas = replicas;
    this.seed = seed;
    this.steps = (samples + batch - 1) / batch;
  }

  public int samples() {
    return samples;
  }

  public int replicas() {
    return replicas;
  }

  public long seed() {
    return seed;
  }

  public int stepsPerEpoch() {
    return steps;
  }

  /** Samples of global batch k. */
  public int batchSamples(int k) {
    checkBatch(k);
    return Math.min(batch, samples - k * batch);
  }

  /** Where replica r's share of batch k starts within the batch. */
  public int shareStart(int k, int r) {
    return MicroBatches.first(batchSamples(k), replicas, r);
  }

  /** How many samples of batch k replica r feeds. */
  public int share(int k, int r) {
    return MicroBatches.first(batchSamples(k), replicas, r + 1) - shareStart(k, r);
  }

  /** Samples replica r keeps: its shares of every batch of an epoch. */
  public int replicaSamples(int r) {
    return (steps - 1) * share(0, r) + share(steps - 1, r);
  }

  /** Where batch k starts in replica r's order of an epoch. */
  public int replicaOffset(int k, int r) {
    checkBatch(k);
    return k * share(0, r);
  }

  /** The replica that keeps sample g of the whole, and {@link #indexInReplica} its place there. */
  public int replicaOf(long g) {
    int k = batchOf(g);
    int within = (int) (g - (long) k * batch);
    int b = batchSamples(k);
    int r = (int) ((long) within * replicas / b);
    // ⌊r·b/R⌋ ≤ within < ⌊(r+1)·b/R⌋: the estimate can be one too high where the shares round
    while (MicroBatches.first(b, replicas, r) > within) {
      r--;
    }
    while (MicroBatches.first(b, replicas, r + 1) <= within) {
      r++;
    }
    return r;
  }

  /** Sample g's index among its replica's samples (their order in the first epoch before shuffling). */
  public int indexInReplica(long g) {
    int k = batchOf(g);
    int r = replicaOf(g);
    return replicaOffset(k, r) + (int) (g - (long) k * batch) - shareStart(k, r);
  }

  /** Replica r's visiting order of its samples in {@code epoch}, written into {@code order} (its sample count long). */
  public void replicaOrder(int r, int epoch, int[] order) {
    if (order.length != replicaSamples(r)) {
      throw new IllegalArgumentException("replica " + r + " keeps " + replicaSamples(r) + " samples, not "
          + order.length);
    }
    Shuffle.fill(CounterRandom.bits(seed, STREAM_REPLICA_ORDER, r), epoch, order);
  }

  /**
   * The same global batches assembled in this process from every replica's samples
   * ({@code replicaSamples.get(r)} in {@link #indexInReplica} order), trained by {@code runner}:
   * batch k is replica 0's share, then replica 1's, … — what the replicas feed, on one machine.
   * The reference that distributed runs over kept samples are checked against.
   */
  public BatchFeed feed(List<Dataset> replicaSamples, StepRunner runner) {
    if (replicaSamples.size() != replicas) {
      throw new IllegalArgumentException(replicaSamples.size() + " replicas' samples for " + replicas + " replicas");
    }
    for (int r = 0; r < replicas; r++) {
      if (replicaSamples.get(r).size() != replicaSamples(r)) {
        throw new IllegalArgumentException("replica " + r + " must keep " + replicaSamples(r) + " samples, but '"
            + replicaSamples.get(r).name() + "' holds " + replicaSamples.get(r).size());
      }
    }
    ModelSpec spec = runner.spec();
    int inputRows = spec.inputShape().size();
    int targetRows = spec.outputClasses() * spec.outputGroups();
    return new BatchFeed() {
      private final int[][] orders = new int[replicas][];
      private int orderEpoch = -1;

      @Override
      public String name() {
        return samples + " samples of " + replicas + " replicas";
      }

      @Override
      public int samples() {
        return samples;
      }

      @Override
      public StepRunner.StepResult trainStep(int epoch, int batch, int from, int count) {
        if (orderEpoch != epoch) {
          for (int r = 0; r < replicas; r++) {
            orders[r] = new int[replicaSamples(r)];
            replicaOrder(r, epoch, orders[r]);
          }
          orderEpoch = epoch;
        }
        FloatMatrix inputs = new FloatMatrix(inputRows, count);
        FloatMatrix targets = new FloatMatrix(targetRows, count);
        for (int r = 0; r < replicas; r++) {
          int share = share(batch, r);
          if (share == 0) {
            continue;
          }
          FloatMatrix x = new FloatMatrix(inputRows, share);
          FloatMatrix y = new FloatMatrix(targetRows, share);
          replicaSamples.get(r).copyBatch(orders[r], replicaOffset(batch, r), share, x, y);
          // column-major: the share's columns are one block of the batch
          System.arraycopy(x.data, 0, inputs.data, shareStart(batch, r) * inputRows, x.data.length);
          System.arraycopy(y.data, 0, targets.data, shareStart(batch, r) * targetRows, y.data.length);
        }
        return runner.trainStep(inputs, targets, epoch);
      }
    };
  }

  private int batchOf(long g) {
    if (g < 0 || g >= samples) {
      throw new IllegalArgumentException("sample " + g + " of " + samples);
    }
    return (int) (g / batch);
  }

  private void checkBatch(int k) {
    if (k < 0 || k >= steps) {
      throw new IllegalArgumentException("batch " + k + " of an epoch of " + steps);
    }
  }
}
