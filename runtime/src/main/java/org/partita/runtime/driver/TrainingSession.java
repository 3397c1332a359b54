package org.partita.runtime.driver;

import com.google.protobuf.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jblas.FloatMatrix;
import org.partita.models.blas.Blas;
import org.partita.models.data.Dataset;
import org.partita.models.io.CheckpointFiles;
import org.partita.models.io.ModelCheckpoint;
import org.partita.models.io.ShardStates;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.Network;
import org.partita.models.optim.GradientClipping;
import org.partita.models.optim.Optimizer;
import org.partita.models.tensor.TensorCodec;
import org.partita.models.train.BatchFeed;
import org.partita.models.train.CheckpointSchedule;
import org.partita.models.train.Evaluation;
import org.partita.models.train.MicroBatches;
import org.partita.models.train.PartitionedBatches;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingDivergedException;
import org.partita.models.train.TrainingListener;
import org.partita.models.train.TrainingLoop;
import org.partita.models.train.TrainingReport;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PlanProtos;
import org.partita.partitioner.ShardId;
import org.partita.partitioner.StateResharding;
import org.partita.proto.AbortStepProto;
import org.partita.proto.ApplyUpdateProto;
import org.partita.proto.FetchStateProto;
import org.partita.proto.GradientsReadyProto;
import org.partita.proto.InputsProto;
import org.partita.proto.LocalFeedProto;
import org.partita.proto.NodeLostProto;
import org.partita.proto.RunStepProto;
import org.partita.proto.SaveShardProto;
import org.partita.proto.ShardFileRefProto;
import org.partita.proto.ShardSavedProto;
import org.partita.proto.ShardFailureProto;
import org.partita.proto.ShardStateChunkProto;
import org.partita.proto.ShardStateProto;
import org.partita.proto.ShardStatusProto;
import org.partita.proto.ShardStatusQueryProto;
import org.partita.proto.StepDoneProto;
import org.partita.proto.StepKindProto;
import org.partita.proto.StepRefProto;
import org.partita.proto.TargetsProto;
import org.partita.proto.TensorProto;
import org.partita.runtime.ClusterException;
import org.partita.runtime.DistributedTrainer;
import org.partita.runtime.NodeLostException;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.StepTimeline;
import org.partita.runtime.StepTimings;
import org.partita.runtime.TrainedModel;
import org.partita.runtime.shard.StateChunks;

/**
 * The driver's side of one training session: feeds global batches to the shards of a placed plan
 * and runs each step's rounds — inputs to the first stage and targets to the last, then the
 * shards' gradient reports (with the loss), the global-norm decision and the update, which the
 * next round's messages follow without waiting for it. The driver sees
 * only batches, scalars and (on request) the merged model; parameters never pass through it
 * during training. With R replicas each gets a contiguous 1/R of every batch, the replicas
 * all-reduce their gradients among themselves, and their losses are added up here.
 *
 * <p>Every wait is bounded by the step timeout. When it passes, the shards are asked for their
 * status and the error names the silent shards, their nodes and what the others wait for; the
 * round is aborted on every shard, so parameters stay as they were before the step.
 *
 * <p>Threading: one caller at a time.
 */
public final class TrainingSession implements DistributedTrainer {
  private static final Duration STATUS_WAIT = Duration.ofSeconds(3);

  private final ModelSpec model;
  private final TrainingConfig config;
  private final PartitionPlan plan;
  private final ShardTransport transport;
  private final RuntimeSettings settings;
  private final List<ShardId> shards;
  private final List<ShardId> firstStage = new ArrayList<>();
  private final List<ShardId> lastStage = new ArrayList<>();
  /** Replica 0's shards: replicas hold identical parameters, so these make up the model. */
  private final List<ShardId> replicaZero;
  /** Last-stage slice 0 of every replica: each reports its replica's loss and hits. */
  private final List<ShardId> lossReporters = new ArrayList<>();
  /**
   * Every replica is one shard, so each applies its update as soon as its gradients are summed
   * (RunStepProto.apply_locally) rather than after a round trip through this driver: on small
   * models that trip was a large part of the step.
   */
  private final boolean applyLocally;
  private long round;
  private long step;
  /** The round whose update was sent last without waiting for it, and its step's name. */
  private long updating = -1;
  private String updatingPhase = "";
  private StepTimings timings = StepTimings.NONE;
  /** The listener of the fit in progress, when it wants each step's timeline. */
  private StepTimeline.Listener timelines;
  private boolean closed;
  /** The next training round continues the streams of the last (carried recurrent state), else starts from zeros. */
  private boolean carryState;

  public TrainingSession(ModelSpec model, TrainingConfig config, PartitionPlan plan, ShardTransport transport,
      RuntimeSettings settings) {
    this(model, config, plan, transport, settings, 0);
  }

  /** A session whose shards were given the state of optimizer step {@code startStep} (a resumed checkpoint). */
  public TrainingSession(ModelSpec model, TrainingConfig config, PartitionPlan plan, ShardTransport transport,
      RuntimeSettings settings, long startStep) {
    checkSupported(model, config, plan);
    this.step = startStep;
    this.model = model;
    this.config = config;
    this.plan = plan;
    this.transport = transport;
    this.settings = settings;
    this.shards = plan.shards();
    this.replicaZero = shards.stream().filter(shard -> shard.replica() == 0).toList();
    this.applyLocally = shards.size() == plan.replicas();
    int last = plan.stages().size() - 1;
    for (ShardId shard : shards) {
      if (shard.stage() == 0) {
        firstStage.add(shard);
      }
      if (shard.stage() == last) {
        lastStage.add(shard);
      }
    }
    for (int r = 0; r < plan.replicas(); r++) {
      lossReporters.add(new ShardId(r, last, 0));
    }
  }

  /** What this runtime cannot run, refused before any shard is placed. */
  public static void checkSupported(ModelSpec model, TrainingConfig config, PartitionPlan plan) {
    if (config.order() == TrainingConfig.BatchOrder.STREAMS && plan.globalBatch() != config.batchSize()) {
      throw new IllegalArgumentException("model '" + model.name() + "' carries " + config.batchSize() + " recurrent"
          + " streams across batches, but plan " + plan.describe() + " is cut for batches of " + plan.globalBatch());
    }
    if (plan.stages().get(plan.stages().size() - 1).endLayer() != model.layers().size()) {
      throw new IllegalArgumentException("plan " + plan.describe() + " does not cover the " + model.layers().size()
          + " layers of model '" + model.name() + "'");
    }
  }

  @Override
  public ModelSpec spec() {
    return model;
  }

  @Override
  public PartitionPlan plan() {
    return plan;
  }

  @Override
  public long step() {
    return step;
  }

  @Override
  public TrainingReport fit(Dataset train, Dataset test, TrainingListener listener) {
    return fit(train, test, listener, null, null);
  }

  @Override
  public TrainingReport fit(Dataset train, Dataset test, TrainingListener listener, ModelCheckpoint.Position start,
      CheckpointSchedule schedule) {
    timelines = listener instanceof StepTimeline.Listener wants ? wants : null;
    return TrainingLoop.fit(this, config, train, test, listener, start, schedule);
  }

  @Override
  public StepResult trainStep(FloatMatrix inputs, FloatMatrix targets, int epoch) {
    long id = ++round;
    long start = System.nanoTime();
    startRound(id, StepKindProto.TRAIN, inputs, targets, carryState);
    return finishTrainStep(id, start, "step " + step + " (epoch " + (epoch + 1) + ")");
  }

  @Override
  public BatchFeed localFeed(PartitionedBatches batches) {
    if (batches.replicas() != plan.replicas()) {
      throw new IllegalArgumentException("the samples are split over " + batches.replicas() + " replicas but plan "
          + plan.describe() + " has " + plan.replicas());
    }
    return new BatchFeed() {
      @Override
      public String name() {
        return batches.samples() + " samples kept on the replicas' nodes";
      }

      @Override
      public int samples() {
        return batches.samples();
      }

      @Override
      public StepResult trainStep(int epoch, int batch, int from, int count) {
        if (count != batches.batchSamples(batch)) {
          throw new IllegalArgumentException("batch " + batch + " holds " + batches.batchSamples(batch)
              + " samples, not " + count + ": the training batch size differs from the one the samples were placed for");
        }
        long id = ++round;
        long start = System.nanoTime();
        LocalFeedProto feed = LocalFeedProto.newBuilder().setEpoch(epoch).setBatch(batch).build();
        openRound(id, StepKindProto.TRAIN, count, feed, carryState);
        return finishTrainStep(id, start, "step " + step + " (epoch " + (epoch + 1) + ", batch " + batch + ")");
      }
    };
  }

  private StepResult finishTrainStep(long id, long start, String phase) {
    Map<ShardId, GradientsReadyProto> ready = await(id, GradientsReadyProto.class, phase + " forward/backward");
    double sumOfSquares = 0;
    long compute = 0;
    // A shard's all-reduce time includes waiting for slower replicas; the last to start waits
    // least, so the smallest is the exchange itself.
    long allReduce = Long.MAX_VALUE;
    for (Map.Entry<ShardId, GradientsReadyProto> report : ready.entrySet()) {
      compute = Math.max(compute, report.getValue().getComputeNanos());
      allReduce = Math.min(allReduce, report.getValue().getAllReduceNanos());
      if (!report.getValue().getNonFinite().isEmpty()) {
        abort(id, "diverged");
        throw new TrainingDivergedException("training diverged at " + phase + " on shard " + report.getKey() + ": "
            + report.getValue().getNonFinite() + "; the step was not applied — lower the learning rate or enable"
            + " gradient clipping");
      }
      // After the all-reduce every replica holds the same gradients: count one replica's shards.
      if (report.getKey().replica() == 0) {
        sumOfSquares += report.getValue().getSumOfSquares();
      }
    }
    if (!applyLocally) {
      float clip = config.optimizer().clipGlobalNorm();
      float scale = clip > 0f ? GradientClipping.scaleFor(sumOfSquares, clip) : 1f;
      sendAll(ApplyUpdateProto.newBuilder().setStep(id).setGradientScale(scale).build());
    }
    // Not awaited: every shard applies the update before anything the driver sends next (one sender,
    // so in order), so the next batch is already on its way while the shards update. A failed
    // update is reported by the shard and fails the next wait.
    updating = id;
    updatingPhase = phase;
    double seconds = (System.nanoTime() - start) / 1e9;
    timings = timings.plus(seconds, compute / 1e9, allReduce / 1e9);
    step++;
    if (timelines != null) {
      timelines.onStepTimeline(TimelineReports.of(step, seconds, ready, transport::nodeOf));
    }
    return lossOf(ready, GradientsReadyProto::getLossSum, GradientsReadyProto::getCorrect);
  }

  @Override
  public Evaluation evaluate(Dataset data) {
    TrainingLoop.checkCompatible(model, data);
    int n = data.size();
    double lossSum = 0;
    long correct = 0;
    FloatMatrix inputs = null;
    FloatMatrix targets = null;
    // Evaluation goes in training-sized batches, so the shards reuse their training buffers: the
    // memory the planner budgets (a worker's heap may hold little more) covers evaluation too.
    // Streams are read in order with their state carried from batch to batch, from zeros (as the
    // reference trainer does); training goes on from zeros after it.
    boolean streams = config.order() == TrainingConfig.BatchOrder.STREAMS;
    int batch = plan.globalBatch();
    carryState = false;
    for (int from = 0; from < n; from += batch) {
      int count = Math.min(batch, n - from);
      boolean carry = streams && inputs != null && inputs.columns == count;
      if (inputs == null || inputs.columns != count) {
        inputs = new FloatMatrix(model.inputShape().size(), count);
        targets = new FloatMatrix(model.outputClasses() * model.outputGroups(), count);
      }
      data.copyBatch(null, from, count, inputs, targets);
      long id = ++round;
      startRound(id, StepKindProto.EVALUATE, inputs, targets, carry);
      StepResult done = lossOf(await(id, StepDoneProto.class, "evaluation of samples " + from + "–" + (from + count)),
          StepDoneProto::getLossSum, StepDoneProto::getCorrect);
      lossSum += done.lossSum();
      correct += done.correct();
    }
    long predictions = (long) n * model.outputGroups();
    return new Evaluation(lossSum / predictions, (double) correct / predictions, n);
  }

  /**
   * Every shard of replica 0 (the replicas are identical) writes its own file into
   * {@code directory}; then the manifest, naming the plan and each file's size and SHA-256, is
   * renamed into place. A checkpoint without its manifest is never read, so a crash part-way
   * leaves the previous one in force.
   */
  @Override
  public void saveCheckpoint(Path directory, ModelCheckpoint.Position position) throws IOException {
    Files.createDirectories(directory);
    for (ShardId shard : replicaZero) {
      transport.send(shard, SaveShardProto.newBuilder().setStep(position.step())
          .setDirectory(directory.toAbsolutePath().toString()).build());
    }
    Map<ShardId, ShardFileRefProto> files = new LinkedHashMap<>();
    long deadline = System.nanoTime() + settings.stepTimeout().toNanos();
    while (files.size() < replicaZero.size()) {
      Message message = poll(deadline, "saving checkpoint " + directory, -1, files.keySet());
      if (message instanceof ShardSavedProto saved && saved.getStep() == position.step()) {
        files.put(PlanProtos.fromProto(saved.getFile().getShard()), saved.getFile());
      } else if (message instanceof ShardFailureProto failure) {
        ShardId shard = PlanProtos.fromProto(failure.getShard());
        throw new ClusterException("saving checkpoint " + directory + ": shard " + shard + " on "
            + transport.nodeOf(shard) + " failed: " + failure.getMessage());
      }
    }
    CheckpointFiles.writeManifest(directory, ModelCheckpoint.manifest(model, config.optimizer(), config.preparation(), position)
        .setPlan(PlanProtos.toProto(plan)).addAllShards(files.values()).build());
  }

  @Override
  public StepTimings timings() {
    return timings;
  }

  @Override
  public TrainedModel collect() {
    for (ShardId shard : replicaZero) {
      transport.send(shard, FetchStateProto.newBuilder().setStep(step).setChunk(0).build());
    }
    Map<ShardId, List<ShardStateChunkProto>> chunks = new LinkedHashMap<>();
    Map<ShardId, ShardStateProto> states = new LinkedHashMap<>();
    long deadline = System.nanoTime() + settings.stepTimeout().toNanos();
    while (states.size() < replicaZero.size()) {
      Message message = poll(deadline, "collecting the model", -1, states.keySet());
      if (message instanceof ShardStateChunkProto chunk) {
        ShardId shard = PlanProtos.fromProto(chunk.getShard());
        List<ShardStateChunkProto> pieces = chunks.computeIfAbsent(shard, s -> new ArrayList<>());
        pieces.add(chunk);
        if (pieces.size() == chunk.getCount()) {
          // The pieces go as soon as they are joined: a large model's state must not be held twice.
          states.put(shard, StateChunks.join(chunks.remove(shard), "state of shard " + shard + " on "
              + transport.nodeOf(shard)));
        } else {
          // One chunk at a time: the shard makes the next only when asked (see FetchStateProto).
          transport.send(shard, FetchStateProto.newBuilder().setStep(step).setChunk(pieces.size()).build());
        }
      } else if (message instanceof ShardFailureProto failure) {
        throw new ClusterException("collecting the model: shard " + PlanProtos.fromProto(failure.getShard()) + " on "
            + transport.nodeOf(PlanProtos.fromProto(failure.getShard())) + " failed: " + failure.getMessage());
      }
    }
    ShardStateProto whole = StateResharding.merge(model, plan, states);
    states.clear(); // merged; the model's state is held once more below, while it is restored
    Network network = new Network(model, Blas.get());
    Optimizer optimizer = new Optimizer(config.optimizer(), network.parameters());
    ShardStates.restore(whole, optimizer, "model collected from " + plan.describe());
    return new TrainedModel(network, optimizer, step);
  }

  @Override
  public void resetRecurrentState() {
    carryState = false;
  }

  /** The shards keep each micro-batch's final recurrent state; the next training round goes on from it. */
  @Override
  public void carryRecurrentState() {
    carryState = true;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      transport.close("session closed after " + step + " steps");
    }
  }

  // ---- rounds -----------------------------------------------------------------------------------

  private void sendAll(Message message) {
    for (ShardId shard : shards) {
      transport.send(shard, message);
    }
  }

  /**
   * Opens round {@code id} on every shard: replica r gets samples [⌊r·B/R⌋, ⌊(r+1)·B/R⌋) of the
   * batch, cut into its micro-batches; each micro-batch's inputs go to the replica's first-stage
   * slices and its targets to its last-stage slices; {@code carry} as in {@link #openRound}.
   *
   * <p>Every replica's RunStep and first micro-batch are encoded before any is sent. A replica
   * starts computing once it has them, and on a machine with a core per replica its thread can
   * take the core this one runs on: encoding the next replica's inputs only then left that replica
   * starting 2–3 ms late, and with it the whole step, which waits for it at the all-reduce
   * (2 CNN replicas on 2 cores, 2026-12-04). Later micro-batches travel while the shards compute.
   */
  private void startRound(long id, StepKindProto kind, FloatMatrix inputs, FloatMatrix targets, boolean carry) {
    int samples = inputs.columns;
    int replicas = plan.replicas();
    List<RunStepProto> runs = runSteps(id, kind, samples, null, carry);
    List<Outgoing> opening = new ArrayList<>();
    for (int r = 0; r < replicas; r++) {
      addToReplica(opening, r, shards, runs.get(r));
      if (runs.get(r).getMicroBatches() > 0) {
        addMicroBatch(opening, id, r, 0, runs.get(r), inputs, targets);
      }
    }
    send(opening);
    for (int r = 0; r < replicas; r++) {
      for (int m = 1; m < runs.get(r).getMicroBatches(); m++) {
        List<Outgoing> later = new ArrayList<>();
        addMicroBatch(later, id, r, m, runs.get(r), inputs, targets);
        send(later);
      }
    }
  }

  /** A message and the shard it is for. */
  private record Outgoing(ShardId shard, Message message) {}

  private void send(List<Outgoing> messages) {
    for (Outgoing outgoing : messages) {
      transport.send(outgoing.shard(), outgoing.message());
    }
  }

  /** {@code message} for each shard of {@code among} in replica {@code replica}. */
  private static void addToReplica(List<Outgoing> to, int replica, List<ShardId> among, Message message) {
    for (ShardId shard : among) {
      if (shard.replica() == replica) {
        to.add(new Outgoing(shard, message));
      }
    }
  }

  /** Micro-batch {@code m} of replica {@code r}'s share ({@code run}): inputs to its first stage, targets to its last. */
  private void addMicroBatch(List<Outgoing> to, long id, int r, int m, RunStepProto run, FloatMatrix inputs,
      FloatMatrix targets) {
    int count = run.getSamples();
    int microBatches = run.getMicroBatches();
    int from = run.getFirstSample() + MicroBatches.first(count, microBatches, m);
    int size = run.getFirstSample() + MicroBatches.first(count, microBatches, m + 1) - from;
    StepRefProto ref = StepRefProto.newBuilder().setStep(id).setMicroBatch(m).build();
    addToReplica(to, r, firstStage, InputsProto.newBuilder().setStep(ref)
        .setInputs(TensorCodec.encode(inputs.data, from * inputs.rows, inputs.rows, size)).build());
    addToReplica(to, r, lastStage, TargetsProto.newBuilder().setStep(ref)
        .setTargets(TensorCodec.encode(targets.data, from * targets.rows, targets.rows, size)).build());
  }

  /**
   * Sends round {@code id}'s RunStep to every shard (see {@link #runSteps}).
   */
  private void openRound(long id, StepKindProto kind, int samples, LocalFeedProto feed, boolean carry) {
    List<RunStepProto> runs = runSteps(id, kind, samples, feed, carry);
    List<Outgoing> opening = new ArrayList<>();
    for (int r = 0; r < runs.size(); r++) {
      addToReplica(opening, r, shards, runs.get(r));
    }
    send(opening);
  }

  /**
   * Round {@code id}'s RunStep for each replica r: its share of the batch's {@code samples} and its
   * micro-batches; with {@code feed}, each replica feeds its share itself; with {@code carry},
   * recurrent layers go on from the previous round's final states.
   */
  private List<RunStepProto> runSteps(long id, StepKindProto kind, int samples, LocalFeedProto feed, boolean carry) {
    int replicas = plan.replicas();
    List<RunStepProto> runs = new ArrayList<>();
    for (int r = 0; r < replicas; r++) {
      int first = MicroBatches.first(samples, replicas, r);
      int count = MicroBatches.first(samples, replicas, r + 1) - first;
      int microBatches = count == 0 ? 0 : MicroBatches.count(count, plan.microBatches());
      RunStepProto.Builder run = RunStepProto.newBuilder().setStep(id).setMicroBatches(microBatches).setSamples(count)
          .setKind(kind).setOptimizerStep(step).setFirstSample(first).setGlobalSamples(samples).setCarryState(carry);
      if (feed != null) {
        run.setLocalFeed(feed);
      }
      if (kind == StepKindProto.TRAIN && applyLocally) {
        run.setApplyLocally(true);
      }
      runs.add(run.build());
    }
    return runs;
  }

  /** The round's loss sum and hits: the sum of every replica's report. */
  private <T> StepResult lossOf(Map<ShardId, T> reports, java.util.function.ToDoubleFunction<T> loss,
      java.util.function.ToLongFunction<T> correct) {
    double lossSum = 0;
    long hits = 0;
    for (ShardId reporter : lossReporters) {
      lossSum += loss.applyAsDouble(reports.get(reporter));
      hits += correct.applyAsLong(reports.get(reporter));
    }
    return new StepResult(lossSum, hits);
  }

  /** One reply of type {@code type} from every shard for round {@code id}. */
  private <T extends Message> Map<ShardId, T> await(long id, Class<T> type, String phase) {
    Map<ShardId, T> replies = new LinkedHashMap<>();
    long deadline = System.nanoTime() + settings.stepTimeout().toNanos();
    while (replies.size() < shards.size()) {
      Message message = poll(deadline, phase, id, replies.keySet());
      if (type.isInstance(message) && roundOf(message) == id) {
        replies.put(PlanProtos.fromProto(shardOf(message)), type.cast(message));
      } else if (message instanceof ShardFailureProto failure && failure.getStep() == updating && updating != id) {
        ShardId shard = PlanProtos.fromProto(failure.getShard());
        throw new ClusterException(updatingPhase + " update failed on shard " + shard + " (node "
            + transport.nodeOf(shard) + "): " + failure.getMessage());
      } else if (message instanceof ShardFailureProto failure && failure.getStep() == id) {
        ShardId shard = PlanProtos.fromProto(failure.getShard());
        abort(id, "shard " + shard + " failed");
        if (failure.getDiverged()) {
          throw new TrainingDivergedException("training diverged at " + phase + ": " + failure.getMessage()
              + " (model '" + model.name() + "', " + config.optimizer().describe() + "); the step was not applied — "
              + "lower the learning rate or enable gradient clipping");
        }
        throw new ClusterException(phase + " failed on shard " + shard + " (node " + transport.nodeOf(shard) + "): "
            + failure.getMessage());
      }
      // Anything else is a late reply of an aborted round: dropped.
    }
    return replies;
  }

  /** The next driver message, or a timeout error naming who has not answered and what everyone waits for. */
  private Message poll(long deadline, String phase, long id, java.util.Set<ShardId> answered) {
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        Message message = left > 0 ? transport.poll(Duration.ofNanos(left)) : null;
        if (message == null) {
          break;
        }
        if (!(message instanceof NodeLostProto lost)) {
          return message;
        }
        List<ShardId> there = shards.stream().filter(shard -> transport.nodeOf(shard).equals(lost.getNode())).toList();
        if (!there.isEmpty()) {
          if (id >= 0) {
            abort(id, "node " + lost.getNode() + " lost");
          }
          throw new NodeLostException(lost.getNode(), phase + ": worker " + lost.getNode() + " (" + lost.getAddress()
              + ") " + lost.getReason() + "; it held shards " + there + ". The step was aborted on the other shards;"
              + " no update was applied");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterException(phase + ": interrupted while waiting for the shards", e);
    }
    List<ShardId> silent = new ArrayList<>(shards);
    silent.removeAll(answered);
    String status = describeStatus(id);
    if (id >= 0) {
      abort(id, "timed out");
    }
    StringBuilder names = new StringBuilder();
    for (ShardId shard : silent) {
      names.append(names.isEmpty() ? "" : ", ").append(shard).append(" on ").append(transport.nodeOf(shard));
    }
    throw new ClusterException(phase + " timed out after " + settings.stepTimeout().toSeconds() + " s, still waiting for "
        + names + ". Shard status:" + status);
  }

  /** Asks every shard what it is doing; one line per shard, "no answer" for the silent ones. */
  private String describeStatus(long id) {
    sendAll(ShardStatusQueryProto.newBuilder().setStep(id).build());
    Map<ShardId, ShardStatusProto> statuses = new LinkedHashMap<>();
    long deadline = System.nanoTime() + STATUS_WAIT.toNanos();
    try {
      while (statuses.size() < shards.size()) {
        long left = deadline - System.nanoTime();
        Message message = left > 0 ? transport.poll(Duration.ofNanos(left)) : null;
        if (message == null) {
          break;
        }
        if (message instanceof ShardStatusProto status) {
          statuses.put(PlanProtos.fromProto(status.getShard()), status);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    StringBuilder text = new StringBuilder();
    for (ShardId shard : shards) {
      ShardStatusProto status = statuses.get(shard);
      text.append(System.lineSeparator()).append("  ").append(shard).append(" on ").append(transport.nodeOf(shard))
          .append(": ").append(status == null ? "no answer (node down or stuck?)"
              : status.getPhase() + " in round " + status.getStep() + ", waiting for " + status.getWaitingFor());
    }
    return text.toString();
  }

  private void abort(long id, String reason) {
    sendAll(AbortStepProto.newBuilder().setStep(id).setReason(reason).build());
  }

  private static long roundOf(Message message) {
    if (message instanceof GradientsReadyProto ready) {
      return ready.getStep();
    }
    if (message instanceof StepDoneProto done) {
      return done.getStep();
    }
    return -1;
  }

  private static org.partita.proto.ShardIdProto shardOf(Message message) {
    if (message instanceof GradientsReadyProto ready) {
      return ready.getShard();
    }
    return ((StepDoneProto) message).getShard();
  }
}
