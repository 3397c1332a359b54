package org.partita.runtime;

import org.partita.models.data.Dataset;
import org.partita.models.train.PartitionedBatches;

/**
 * The samples one replica keeps on a worker node (a Spark task's partition), in the order
 * {@link PartitionedBatches#indexInReplica} gives. The replica's first shard, placed on that
 * node, feeds every batch from them itself; the driver sends only the batch's number.
 */
public record LocalSamples(int replica, Dataset samples, PartitionedBatches batches) {
  public LocalSamples {
    if (replica < 0 || replica >= batches.replicas()) {
      throw new IllegalArgumentException("replica " + replica + " of " + batches.replicas());
    }
    if (samples.size() != batches.replicaSamples(replica)) {
      throw new IllegalArgumentException("replica " + replica + " must keep " + batches.replicaSamples(replica)
          + " of the " + batches.samples() + " samples, but '" + samples.name() + "' holds " + samples.size());
    }
  }
}
