package org.partita.runtime;

import java.util.List;
import org.partita.models.network.ModelSpec;
import org.partita.models.train.TrainingConfig;
import org.partita.partitioner.PartitionPlan;
import org.partita.proto.ShardStateProto;

/**
 * Worker nodes that can hold model shards, seen from the driver. Implementations: an embedded
 * cluster of N nodes in this JVM, or a connection to nodes started elsewhere.
 */
public interface TrainingCluster extends AutoCloseable {
  /** The live workers, in the order plans place shards on them; lost ones drop out. */
  List<WorkerInfo> workers();

  /**
   * Waits up to {@code wait} until at least {@code count} workers are live (a replacement for a
   * lost one has joined); false if fewer are.
   */
  boolean awaitWorkers(int count, java.time.Duration wait);

  /** Places the plan's shards (the plan names workers by {@link WorkerInfo#name()}) and connects them. */
  DistributedTrainer trainer(ModelSpec model, TrainingConfig config, PartitionPlan plan);

  /**
   * {@link #trainer} whose shards start from {@code whole} — the whole model's parameters and
   * optimizer state after optimizer step {@code whole.getStep()}, e.g. a checkpoint of any plan —
   * each taking its own part.
   */
  DistributedTrainer trainer(ModelSpec model, TrainingConfig config, PartitionPlan plan, ShardStateProto whole);

  /**
   * Sends {@code messages} tensors of {@code payloadBytes} bytes to the worker through the same
   * transport and lane as activations, keeping {@code window} unacknowledged, and times them.
   */
  LinkMeasurement measureLink(String worker, int payloadBytes, int messages, int window);

  @Override
  void close();
}
