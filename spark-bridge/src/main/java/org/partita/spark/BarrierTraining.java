package org.partita.spark;

import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import org.partita.models.train.PartitionedBatches;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.ShardId;
import org.partita.proto.TrainingOutcomeProto;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Trains inside Spark: one barrier task per shard of the plan, each running a runtime worker
 * node in its executor; the tasks find each other with {@code BarrierTaskContext.allGather}.
 *
 * <p>Where the training driver lives: in task 0, not in the Spark driver. It sends only small
 * control messages (run step k, apply the update) and receives scalars, but it must reach every
 * executor's port and fail with the stage: a Spark driver on a laptop or behind a gateway often
 * cannot accept connections from executors, and a driver inside the stage is restarted with it.
 * The trained model comes back once, as task 0's output. Parameters and samples never pass
 * through the Spark driver while training.
 *
 * <p>Data: each row gets its number g (zipWithIndex) and goes, once, to the task that feeds
 * replica {@link PartitionedBatches#replicaOf}(g) — the task of the replica's first shard — sorted
 * by g, so every run with the same rows, batch size and replica count sees the same global
 * batches. That task keeps the rows as float arrays for all epochs and reshuffles its own rows
 * every epoch from the seed. Model-parallel shards after the first get inputs from it.
 *
 * <p>Failure: any task failing fails the barrier stage, and Spark retries the whole stage
 * (spark.stage.maxConsecutiveAttempts); with a checkpoint directory the retried driver task
 * resumes from the newest checkpoint there instead of starting again.
 */
public final class BarrierTraining {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BarrierTraining.class);
  private BarrierTraining() {}

  /** Trains {@code samples} (rows in a fixed order) as {@code job} says; the Spark driver blocks until done. */
  static TrainingOutcomeProto run(JavaRDD<KeptSample> samples, TrainingJob job) {
    PartitionPlan plan = job.partitionPlan();
    int tasks = plan.shards().size();
    checkSlots(samples.context(), tasks, plan);
    PartitionedBatches batches = new PartitionedBatches(job.samples(), job.batchSize(), plan.replicas(), job.seed());
    int[] feederTask = new int[plan.replicas()];
    for (int r = 0; r < plan.replicas(); r++) {
      feederTask[r] = plan.shards().indexOf(new ShardId(r, 0, 0));
    }
    JavaPairRDD<Long, byte[]> numbered = samples.zipWithIndex()
        .mapToPair(pair -> new Tuple2<>(pair._2(), pair._1().pack()));
    JavaRDD<byte[]> placed = numbered
        .repartitionAndSortWithinPartitions(new FeederPartitioner(tasks, batches, feederTask)).values();
    ClassTag<byte[]> bytes = ClassTag$.MODULE$.apply(byte[].class);
    RDD<byte[]> outcomes = placed.rdd().barrier().mapPartitions(new TrainingTask(job), false, bytes);
    samples.context().setJobDescription("partita: train on " + plan.describe());
    // Through a shuffle, so the barrier stage is a shuffle-map stage: Spark retries those after a
    // failure, while a failed barrier result stage aborts the job.
    long start = System.nanoTime();
    List<byte[]> results = new JavaRDD<>(outcomes, bytes).repartition(1).collect();
    LOG.info("partita: rows placed and trained in {} s", String.format(java.util.Locale.ROOT, "%.1f",
        (System.nanoTime() - start) / 1e9));
    if (results.size() != 1) {
      throw new IllegalStateException("the barrier stage returned " + results.size() + " trained models, expected 1");
    }
    try {
      return TrainingOutcomeProto.parseFrom(results.get(0));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("the trained model came back unreadable: " + e.getMessage(), e);
    }
  }

  /**
   * A barrier stage needs all its tasks running at once. Spark notices too few slots only after
   * retrying for minutes; this says so at once, with the numbers.
   */
  static void checkSlots(SparkContext spark, int tasks, PartitionPlan plan) {
    int slots = spark.defaultParallelism();
    if (tasks > slots) {
      throw new IllegalArgumentException("the plan " + plan.describe() + " needs " + tasks + " tasks running at once"
          + " (one per shard), but this Spark application has " + slots + " task slots (master " + spark.master()
          + "); ask for fewer replicas or slices, or give the application more executor cores");
    }
  }
}
