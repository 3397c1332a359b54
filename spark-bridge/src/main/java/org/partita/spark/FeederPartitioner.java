package org.partita.spark;

import org.apache.spark.Partitioner;
import org.partita.models.train.PartitionedBatches;

/**
 * Sends sample g of the whole (its row number) to the task that feeds its replica: the task of
 * the replica's first shard. The other tasks get no samples (model-parallel shards after the
 * first, which receive the inputs from it).
 */
final class FeederPartitioner extends Partitioner {
  private final int tasks;
  private final int samples;
  private final int batch;
  private final int[] feederTask;
  private final long seed;
  private transient PartitionedBatches batches;

  FeederPartitioner(int tasks, PartitionedBatches batches, int[] feederTask) {
    this.tasks = tasks;
    this.samples = batches.samples();
    this.batch = batches.batchSamples(0);
    this.seed = batches.seed();
    this.feederTask = feederTask.clone();
  }

  @Override
  public int numPartitions() {
    return tasks;
  }

  @Override
  public int getPartition(Object key) {
    if (batches == null) {
      batches = new PartitionedBatches(samples, batch, feederTask.length, seed);
    }
    return feederTask[batches.replicaOf((Long) key)];
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof FeederPartitioner that && that.tasks == tasks && that.samples == samples
        && that.batch == batch && that.seed == seed && java.util.Arrays.equals(that.feederTask, feederTask);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(tasks, samples, batch, seed, java.util.Arrays.hashCode(feederTask));
  }
}
