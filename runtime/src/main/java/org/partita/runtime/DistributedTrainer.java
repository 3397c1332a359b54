package org.partita.runtime;

import org.partita.models.data.Dataset;
import org.partita.models.io.ModelCheckpoint;
import org.partita.models.train.BatchFeed;
import org.partita.models.train.CheckpointSchedule;
import org.partita.models.train.PartitionedBatches;
import org.partita.models.train.StepRunner;
import org.partita.models.train.TrainingListener;
import org.partita.models.train.TrainingReport;
import org.partita.partitioner.PartitionPlan;

/**
 * A model placed on a cluster according to a plan, trained step by step exactly as the reference
 * trainer would (same global batches, same weights up to float rounding). Blocking calls; what
 * travels between nodes is hidden. Close it to release the shards.
 */
public interface DistributedTrainer extends StepRunner, AutoCloseable {
  PartitionPlan plan();

  TrainingReport fit(Dataset train, Dataset test, TrainingListener listener);

  /**
   * {@link #fit} from {@code start} (the position of the checkpoint the shards were started from;
   * null: the beginning), saving checkpoints on {@code schedule} (null: none). A {@code listener}
   * that is also a {@link StepTimeline.Listener} hears every step's per-shard timeline too.
   */
  TrainingReport fit(Dataset train, Dataset test, TrainingListener listener, ModelCheckpoint.Position start,
      CheckpointSchedule schedule);

  /**
   * Batches whose samples the replicas keep on their own nodes ({@link LocalSamples}, given to the
   * worker nodes when they started): each step sends only the batch's number, and each replica's
   * first shard feeds its share. For {@link org.partita.models.train.TrainingLoop#fit}.
   */
  BatchFeed localFeed(PartitionedBatches batches);

  /** Where the training steps so far spent their time (shards' own reports, summed). */
  StepTimings timings();

  /** Every shard's parameters and optimizer state, merged into the whole model. */
  TrainedModel collect();

  @Override
  void close();
}
