package org.partita.spark;

import java.io.Serializable;
import java.time.Duration;
import org.partita.models.io.SpecProtos;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.TrainingConfig;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PlanProtos;
import org.partita.proto.ModelSpecProto;
import org.partita.proto.OptimizerSpecProto;
import org.partita.proto.PartitionPlanProto;

/**
 * Everything a barrier task needs to take part in a training run, shipped to the executors as
 * protobuf bytes and plain values (the model, plan and optimizer are never Java-serialized).
 * Shard i of {@link PartitionPlan#shards()} lives on the node of task i, named {@link #node}.
 */
record TrainingJob(byte[] model, byte[] plan, byte[] optimizer, int epochs, int batchSize, long seed, int samples,
    String checkpointDirectory, int checkpointEvery, int keepCheckpoints, long stepTimeoutMillis,
    int failAtStep, boolean loopback, String tlsDirectory) implements Serializable {

  /**
   * {@code loopback}: every task runs in this JVM's machine (a local master), so nodes bind
   * 127.0.0.1 and may talk plain TCP; otherwise {@code tlsDirectory} must hold task-i.p12 for
   * every task i (partita certs --names task-0,…).
   */
  static TrainingJob of(ModelSpec model, PartitionPlan plan, TrainingConfig config, int samples,
      String checkpointDirectory, int checkpointEvery, int keepCheckpoints, Duration stepTimeout, int failAtStep,
      boolean loopback, String tlsDirectory) {
    return new TrainingJob(SpecProtos.toProto(model).toByteArray(), PlanProtos.toProto(plan).toByteArray(),
        SpecProtos.toProto(config.optimizer()).toByteArray(), config.epochs(), config.batchSize(), config.shuffleSeed(),
        samples, checkpointDirectory, checkpointEvery, keepCheckpoints, stepTimeout.toMillis(), failAtStep, loopback,
        tlsDirectory);
  }

  static String node(int task) {
    return "task-" + task;
  }

  ModelSpec modelSpec() {
    try {
      return SpecProtos.fromProto(ModelSpecProto.parseFrom(model), "the training job's model");
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("the training job's model does not parse: " + e.getMessage(), e);
    }
  }

  PartitionPlan partitionPlan() {
    try {
      return PlanProtos.fromProto(PartitionPlanProto.parseFrom(plan), "the training job's plan");
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("the training job's plan does not parse: " + e.getMessage(), e);
    }
  }

  TrainingConfig config() {
    try {
      OptimizerSpec spec = SpecProtos.fromProto(OptimizerSpecProto.parseFrom(optimizer),
          "the training job's optimizer");
      return new TrainingConfig(epochs, batchSize, seed, spec);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("the training job's optimizer does not parse: " + e.getMessage(), e);
    }
  }
}
