package org.partita.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.BarrierTaskContext;
import org.partita.models.data.ArrayDataset;
import org.partita.models.io.ModelCheckpoint;
import org.partita.models.io.SpecProtos;
import org.partita.models.network.ModelSpec;
import org.partita.models.train.CheckpointSchedule;
import org.partita.models.train.EpochMetrics;
import org.partita.models.train.PartitionedBatches;
import org.partita.models.train.StepMetrics;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.models.train.TrainingLoop;
import org.partita.models.train.TrainingReport;
import org.partita.partitioner.LoadedCheckpoint;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.ShardId;
import org.partita.proto.EpochOutcomeProto;
import org.partita.proto.ShardStateProto;
import org.partita.proto.TrainingOutcomeProto;
import org.partita.runtime.DistributedTrainer;
import org.partita.runtime.LocalSamples;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.TlsSettings;
import org.partita.runtime.TrainedModel;
import org.partita.runtime.driver.DriverNode;
import org.partita.runtime.node.WorkerNode;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * The body of every task of the barrier stage. Task i keeps the samples of its partition as
 * arrays, starts a runtime worker node named task-i on its executor's host and joins the cluster;
 * task 0 also runs the training driver (see {@link BarrierTraining} for why there), which places
 * shard i on task-i, trains with each replica feeding its own samples, and returns the trained
 * model as this stage's only output. The others wait at the barrier until it is done; every node
 * is stopped when its task ends, however it ends.
 */
final class TrainingTask extends AbstractFunction1<Iterator<byte[]>, Iterator<byte[]>> implements Serializable {
  private static final Duration JOIN_WAIT = Duration.ofMinutes(2);

  private final TrainingJob job;

  TrainingTask(TrainingJob job) {
    this.job = job;
  }

  @Override
  public Iterator<byte[]> apply(Iterator<byte[]> rows) {
    long taskStart = System.nanoTime();
    BarrierTaskContext context = BarrierTaskContext.get();
    int task = context.partitionId();
    ModelSpec model = job.modelSpec();
    PartitionPlan plan = job.partitionPlan();
    PartitionedBatches batches = new PartitionedBatches(job.samples(), job.batchSize(), plan.replicas(), job.seed());
    List<LocalSamples> kept = keep(rows, task, model, plan, batches);
    if (task == 0) {
      log(context, String.format(Locale.ROOT, "rows read from the shuffle %.1f s after the task started",
          (System.nanoTime() - taskStart) / 1e9));
    }
    String host = job.loopback() ? "127.0.0.1" : host(context.getTaskInfos()[task].address());
    RuntimeSettings settings = RuntimeSettings.defaults().withStepTimeout(Duration.ofMillis(job.stepTimeoutMillis()));
    if (job.tlsDirectory() != null) {
      settings = settings.withTls(TlsSettings.fromDirectory(Path.of(job.tlsDirectory()), TrainingJob.node(task)));
    }
    long[] marks = new long[4];
    marks[0] = System.nanoTime();
    DriverNode driver = task == 0 ? DriverNode.start(host, 0, List.of(), settings) : null;
    WorkerNode worker = null;
    try {
      marks[1] = System.nanoTime();
      // Spark's barrier syncs poll every second (BarrierTaskContext sleeps 1 s between checks), so
      // each costs about a second; a stage of one task has no one to sync with and skips both.
      boolean alone = context.getTaskInfos().length == 1;
      String[] addresses = alone ? new String[] {driver.address()}
          : context.allGather(driver == null ? "" : driver.address());
      marks[2] = System.nanoTime();
      worker = WorkerNode.start(TrainingJob.node(task), host, 0, List.of(addresses[0]), settings, kept);
      marks[3] = System.nanoTime();
      if (driver != null) {
        log(context, String.format(Locale.ROOT, "start-up: driver node %.1f s, address exchange %.1f s, worker node"
            + " %.1f s", (marks[1] - marks[0]) / 1e9, (marks[2] - marks[1]) / 1e9, (marks[3] - marks[2]) / 1e9));
      }
      byte[] outcome = driver == null ? null : drive(driver, context, model, plan, batches, taskStart).toByteArray();
      if (!alone) {
        context.barrier(); // the workers' tasks keep their nodes until the driver's task is done
      }
      List<byte[]> output = outcome == null ? List.of() : List.of(outcome);
      return CollectionConverters.asScala(output.iterator());
    } finally {
      long stopStart = System.nanoTime();
      // Both at once: each waits for its cluster exit, which the other's leaving does not hold up.
      java.util.concurrent.CompletableFuture<Void> driverStop = driver == null ? null
          : java.util.concurrent.CompletableFuture.runAsync(driver::close);
      if (worker != null) {
        worker.stop(Duration.ofSeconds(30));
      }
      if (driverStop != null) {
        driverStop.join();
        log(context, String.format(Locale.ROOT, "nodes stopped in %.1f s", (System.nanoTime() - stopStart) / 1e9));
      }
    }
  }

  /** The partition's samples, kept when this task feeds a replica (they come in row order). */
  private static List<LocalSamples> keep(Iterator<byte[]> rows, int task, ModelSpec model, PartitionPlan plan,
      PartitionedBatches batches) {
    int width = model.inputShape().size();
    List<KeptSample> samples = new ArrayList<>();
    while (rows.hasNext()) {
      samples.add(KeptSample.unpack(rows.next()));
    }
    int replica = -1;
    for (int r = 0; r < plan.replicas(); r++) {
      if (plan.shards().indexOf(new ShardId(r, 0, 0)) == task) {
        replica = r;
      }
    }
    if (replica < 0) {
      if (!samples.isEmpty()) {
        throw new IllegalStateException("task " + task + " got " + samples.size() + " samples but feeds no replica");
      }
      return List.of();
    }
    float[] features = new float[samples.size() * width];
    int[] labels = new int[samples.size()];
    for (int i = 0; i < samples.size(); i++) {
      System.arraycopy(samples.get(i).features(), 0, features, i * width, width);
      labels[i] = samples.get(i).label();
    }
    ArrayDataset dataset = new ArrayDataset("partition " + task + " (replica " + replica + ")", model.inputShape(),
        model.outputClasses(), features, labels);
    return List.of(new LocalSamples(replica, dataset, batches));
  }

  private TrainingOutcomeProto drive(DriverNode driver, BarrierTaskContext context, ModelSpec model,
      PartitionPlan plan, PartitionedBatches batches, long taskStart) {
    int workers = plan.shards().size();
    if (!driver.awaitWorkers(workers, JOIN_WAIT)) {
      throw new IllegalStateException("only " + driver.workers().size() + " of " + workers + " task nodes joined the"
          + " training cluster within " + JOIN_WAIT.toSeconds() + " s; can the executors reach each other's ports?");
    }
    log(context, String.format(Locale.ROOT, "%d task node%s up %.1f s after the task started", workers,
        workers == 1 ? "" : "s", (System.nanoTime() - taskStart) / 1e9));
    TrainingConfig config = job.config();
    CheckpointSchedule schedule = job.checkpointDirectory() == null ? null
        : new CheckpointSchedule(Path.of(job.checkpointDirectory()), job.checkpointEvery(), job.keepCheckpoints());
    LoadedCheckpoint resumed = resume(model, config, context);
    ModelCheckpoint.Position start = resumed == null ? null : resumed.position();
    ShardStateProto whole = resumed == null ? null : resumed.whole();
    if (resumed != null) {
      log(context, "resuming from " + resumed.directory() + " after optimizer step " + start.step() + " (attempt "
          + context.stageAttemptNumber() + ")");
    }
    try (DistributedTrainer trainer = driver.trainer(model, config, plan, whole)) {
      log(context, "training " + model.name() + " on " + plan.describe() + ", " + batches.samples() + " samples");
      TrainingReport report = TrainingLoop.fit(trainer, config, trainer.localFeed(batches), null,
          progress(context, batches.stepsPerEpoch()), start, schedule);
      if (schedule != null && !schedule.due(trainer.step())) {
        schedule.save(trainer, new ModelCheckpoint.Position(trainer.step(), config.epochs(), 0, config.shuffleSeed()));
      }
      TrainedModel trained = trainer.collect();
      TrainingOutcomeProto.Builder outcome = TrainingOutcomeProto.newBuilder().setModel(SpecProtos.toProto(model))
          .setOptimizer(SpecProtos.toProto(config.optimizer()))
          .setState(org.partita.models.io.ShardStates.capture(ModelCheckpoint.WHOLE_MODEL, trained.step(),
              trained.optimizer()))
          .setPlan(plan.describe()).setResumedFromStep(start == null ? -1 : start.step())
          .setSamplesPerSecond(report.samplesPerSecond());
      for (EpochMetrics epoch : report.epochs()) {
        outcome.addEpochs(EpochOutcomeProto.newBuilder().setEpoch(epoch.epoch()).setTrainLoss(epoch.trainLoss())
            .setTrainAccuracy(epoch.trainAccuracy()).setSeconds(epoch.seconds()));
      }
      return outcome.build();
    }
  }

  /**
   * The newest checkpoint in the checkpoint directory that reads back whole, if there is one (a
   * retried stage); damaged newer ones are passed over, each named in the log.
   */
  private LoadedCheckpoint resume(ModelSpec model, TrainingConfig config, BarrierTaskContext context) {
    if (job.checkpointDirectory() == null) {
      return null;
    }
    try {
      Optional<LoadedCheckpoint> newest = LoadedCheckpoint.newestReadable(Path.of(job.checkpointDirectory()),
          skipped -> log(context, skipped));
      if (newest.isEmpty()) {
        return null;
      }
      LoadedCheckpoint loaded = newest.get();
      if (!SpecProtos.toProto(loaded.model()).equals(SpecProtos.toProto(model))
          || !loaded.optimizer().equals(config.optimizer())) {
        throw new IllegalArgumentException("checkpoint directory " + job.checkpointDirectory() + " holds "
            + loaded.directory().getFileName() + " of model '" + loaded.model().name() + "' trained with "
            + loaded.optimizer().describe() + ", not this run's; give an empty or matching checkpoint directory");
      }
      return loaded;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("reading checkpoints in " + job.checkpointDirectory() + ": "
          + e.getMessage(), e);
    }
  }

  /** Progress lines in the driver task's log (the console in local mode), about 20 per epoch. */
  private TrainingListener progress(BarrierTaskContext context, int stepsPerEpoch) {
    int every = Math.max(1, stepsPerEpoch / 20);
    return new TrainingListener() {
      @Override
      public void onStep(StepMetrics step) {
        if (job.failAtStep() >= 0 && step.globalStep() == job.failAtStep() && context.stageAttemptNumber() == 0) {
          throw new IllegalStateException("failing at optimizer step " + step.globalStep()
              + " as asked (spark.partita.failAtStep), to exercise the stage retry");
        }
        if (step.stepInEpoch() % every == 0 || step.stepInEpoch() == step.stepsPerEpoch() - 1) {
          log(context, String.format(Locale.ROOT, "epoch %d/%d step %d/%d loss %.4f acc %.2f%% %,.0f samples/s",
              step.epoch() + 1, step.epochs(), step.stepInEpoch() + 1, step.stepsPerEpoch(), step.loss(),
              100 * step.accuracy(), step.samplesPerSecond()));
        }
      }

      @Override
      public void onEpoch(EpochMetrics epoch) {
        log(context, String.format(Locale.ROOT, "epoch %d done in %.1f s: train loss %.4f acc %.2f%%",
            epoch.epoch() + 1, epoch.seconds(), epoch.trainLoss(), 100 * epoch.trainAccuracy()));
      }
    };
  }

  private static void log(BarrierTaskContext context, String line) {
    System.out.println("partita [stage " + context.stageId() + "." + context.stageAttemptNumber() + "] " + line);
  }

  /** The host of an executor's "host:port" address (IPv6 literals keep their colons). */
  static String host(String address) {
    int colon = address.lastIndexOf(':');
    String host = colon < 0 ? address : address.substring(0, colon);
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
