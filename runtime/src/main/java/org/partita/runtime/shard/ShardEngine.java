package org.partita.runtime.shard;

import com.google.protobuf.Message;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.blas.Blas;
import org.partita.models.io.CheckpointFiles;
import org.partita.models.io.ShardStates;
import org.partita.models.layers.BatchContext;
import org.partita.models.layers.Layer;
import org.partita.models.layers.LayerBinding;
import org.partita.models.layers.Parameter;
import org.partita.models.layers.Phase;
import org.partita.models.layers.RecurrentLayer;
import org.partita.models.layers.UnitRange;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.GradientClipping;
import org.partita.models.optim.Optimizer;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.tensor.TensorCodec;
import org.partita.models.train.FaultPoint;
import org.partita.models.train.MicroBatches;
import org.partita.models.train.PartitionedBatches;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PipelineSchedule;
import org.partita.partitioner.PlanProtos;
import org.partita.partitioner.ShardId;
import org.partita.proto.AbortStepProto;
import org.partita.proto.AllReduceChunkProto;
import org.partita.proto.ContinueRoundProto;
import org.partita.proto.ApplyUpdateProto;
import org.partita.proto.FetchStateProto;
import org.partita.proto.GradientsReadyProto;
import org.partita.proto.InputGradientProto;
import org.partita.proto.InputsProto;
import org.partita.proto.LayerOutputProto;
import org.partita.proto.RunStepProto;
import org.partita.proto.SaveShardProto;
import org.partita.proto.ShardFileRefProto;
import org.partita.proto.ShardSavedProto;
import org.partita.proto.ShardFailureProto;
import org.partita.proto.ShardIdProto;
import org.partita.proto.ShardStateChunkProto;
import org.partita.proto.SpanKindProto;
import org.partita.proto.ShardStateProto;
import org.partita.proto.ShardStatusQueryProto;
import org.partita.proto.ShardStatusProto;
import org.partita.proto.StepDoneProto;
import org.partita.proto.StepKindProto;
import org.partita.proto.StepRefProto;
import org.partita.proto.TargetsProto;
import org.partita.proto.TensorProto;
import org.partita.proto.UnitRangeProto;
import org.partita.runtime.LocalSamples;

/**
 * One shard's part of the model-parallel algorithm (DESIGN.md, "The model-parallel algorithm"),
 * free of Akka: it consumes runtime protos and emits runtime protos through an {@link Outbox}, so
 * the same code runs under an actor, in a unit test that wires engines together directly, or in
 * a Spark task.
 *
 * <p>Owns: the bound slices of its stage's layers (parameters, gradients), their optimizer state,
 * and the activation buffers of the round in progress, kept per micro-batch across rounds along
 * with each recurrent layer's final state, which a round that carries its streams
 * ({@link RunStepProto#getCarryState}) starts from. Rounds: a {@link RunStepProto} opens one;
 * micro-batches go forward in order as their inputs complete (the stage input from the driver or
 * the previous stage; each layer's output all-gathered among the slices), the last stage turns
 * all-gathered logits into the loss, and backwards run in micro-batch order (GPipe: after every
 * forward of the round; 1F1B: as soon as possible), partial input gradients reduce-scattered to
 * the slices that own the rows. A recurrent layer split into slices runs step by step with its
 * siblings ({@link RecurrentSteps}: h_t all-gathered and dh reduce-scattered every time step).
 * Partial sums are added in slice order, so a run is deterministic.
 * The shard sums its gradients with the same shard of every other replica in buckets of layers
 * ({@link GradientBuckets}, each a {@link RingAllReduce}; a replica holds samples
 * [⌊r·B/R⌋, ⌊(r+1)·B/R⌋) of the global batch B): a bucket enters the ring as soon as the last
 * micro-batch's backward has passed its layers, while the earlier layers still compute. Once all
 * are summed, it reports their sum of squares and waits for
 * {@link ApplyUpdateProto}; only then are parameters touched. An aborted round leaves parameters
 * and optimizer state exactly as they were.
 *
 * <p>Threading: one thread at a time (the owning actor's). Messages of a round that has not
 * started yet are kept until it starts; messages of earlier rounds are dropped.
 */
public final class ShardEngine {

  /** Where the engine's messages go. */
  public interface Outbox {
    void toShard(ShardId shard, Message message);

    void toDriver(Message message);
  }

  private enum RoundPhase { FORWARD, BACKWARD, ALL_REDUCE, WAITING_FOR_UPDATE, DONE, FAILED }

  private final ShardLayout layout;
  private final String node;
  /** "shard r0-s0-p0 on node-1", for errors and fault-point announcements. */
  private final String description;
  private final ShardIdProto idProto;
  private final List<Layer> layers;
  /** Whether a round's carried recurrent streams concern this shard. */
  private final boolean hasRecurrentLayer;
  private final Optimizer optimizer;
  private final Outbox outbox;
  private final BufferPool pool;
  private final GradientBuckets buckets;
  private final List<Message> early = new ArrayList<>();
  private final List<ShardStateChunkProto> incomingState = new ArrayList<>();
  /** The state transfer the driver is pulling chunk by chunk (null: none under way). */
  private StateChunks.Outgoing outgoingState;
  private final LocalSamples localSamples;
  /** The local samples' visiting order for {@link #orderEpoch}. */
  private int[] localOrder;
  private int orderEpoch = -1;
  private Round round;
  private long lastRound = -1;
  /** The last round that finished here: streams may be carried from it into the next. */
  private long completedRound = -1;
  /** True after an update, which leaves the gradients zero; an aborted round leaves them dirty. */
  private boolean gradientsZero;
  /** The message being handled: when it started and whether its time is the round's compute. */
  private long handleStart;
  private boolean handlingCompute;
  /** The training round's spans of work, reported with its gradients for the driver's timeline. */
  private final RoundSpans spans = new RoundSpans();

  public ShardEngine(ShardId id, String node, ModelSpec model, PartitionPlan plan, OptimizerSpec optimizerSpec,
      Blas blas, Outbox outbox) {
    this(id, node, model, plan, optimizerSpec, blas, outbox, null);
  }

  /**
   * An engine whose node keeps {@code localSamples} (null: none): as its replica's first shard it
   * feeds rounds that ask for it ({@link RunStepProto#hasLocalFeed()}) from them.
   */
  public ShardEngine(ShardId id, String node, ModelSpec model, PartitionPlan plan, OptimizerSpec optimizerSpec,
      Blas blas, Outbox outbox, LocalSamples localSamples) {
    this.localSamples = localSamples;
    this.layout = new ShardLayout(id, model, plan);
    this.node = node;
    this.description = "shard " + layout.id() + " on " + node;
    this.idProto = PlanProtos.toProto(id);
    this.outbox = outbox;
    List<Layer> bound = new ArrayList<>();
    List<Parameter> parameters = new ArrayList<>();
    for (int l = layout.firstLayer(); l < layout.endLayer(); l++) {
      Layer layer = layout.spec(l).bind(new LayerBinding(l, model.initSeed(), layout.units(l), blas));
      bound.add(layer);
      parameters.addAll(layer.parameters());
    }
    this.layers = List.copyOf(bound);
    this.hasRecurrentLayer = bound.stream().anyMatch(layer -> layer instanceof RecurrentLayer);
    this.optimizer = new Optimizer(optimizerSpec, parameters);
    this.pool = new BufferPool();
    List<List<Parameter>> byLayer = new ArrayList<>();
    for (Layer layer : bound) {
      byLayer.add(layer.parameters());
    }
    this.buckets = new GradientBuckets(id, plan.replicas(), byLayer);
  }

  public ShardId id() {
    return layout.id();
  }

  /** Replaces parameters and optimizer state (checkpoint restore); {@code source} names the file. */
  public void restoreState(ShardStateProto state, String source) {
    ShardStates.restore(state, optimizer, source);
  }

  /**
   * Handles one message from the driver or another shard. A message this shard cannot use (bad
   * tensor, unknown layer, a protocol violation) fails the round in progress and is reported to
   * the driver with the reason; the shard stays usable for the next round.
   */
  public void handle(Message message) {
    handleStart = System.nanoTime();
    handlingCompute = message instanceof RunStepProto || message instanceof InputsProto
        || message instanceof TargetsProto || message instanceof LayerOutputProto
        || message instanceof InputGradientProto || message instanceof ContinueRoundProto;
    try {
      dispatch(message);
      if (round != null) {
        long end = System.nanoTime();
        if (handlingCompute) {
          round.computeNanos += end - handleStart;
        }
        if (round.phase.compareTo(RoundPhase.WAITING_FOR_UPDATE) < 0) {
          spans.add(handleStart, end, handlingKind());
        }
      }
    } catch (RuntimeException e) {
      // A RunStep refused before its round began fails that round, not the one before it.
      long failed = message instanceof RunStepProto run ? run.getStep() : round == null ? -1 : round.id;
      failRound();
      outbox.toDriver(ShardFailureProto.newBuilder().setShard(idProto).setStep(failed)
          .setMessage(e.getMessage() == null ? e.toString() : e.getMessage()).build());
    }
  }

  private SpanKindProto handlingKind() {
    return handlingCompute ? SpanKindProto.SPAN_COMPUTE : SpanKindProto.SPAN_EXCHANGE;
  }

  private void dispatch(Message message) {
    if (message instanceof LayerOutputProto output) {
      onLayerOutput(output);
    } else if (message instanceof InputGradientProto gradient) {
      onInputGradient(gradient);
    } else if (message instanceof InputsProto inputs) {
      onInputs(inputs);
    } else if (message instanceof TargetsProto targets) {
      onTargets(targets);
    } else if (message instanceof RunStepProto run) {
      onRunStep(run);
    } else if (message instanceof AllReduceChunkProto piece) {
      onAllReduceChunk(piece);
    } else if (message instanceof ContinueRoundProto proceed) {
      onContinue(proceed);
    } else if (message instanceof ApplyUpdateProto apply) {
      onApplyUpdate(apply);
    } else if (message instanceof AbortStepProto abort) {
      onAbort(abort);
    } else if (message instanceof ShardStatusQueryProto) {
      outbox.toDriver(status());
    } else if (message instanceof ShardStateChunkProto chunk) {
      onStateChunk(chunk);
    } else if (message instanceof SaveShardProto save) {
      onSave(save);
    } else if (message instanceof FetchStateProto fetch) {
      onFetchState(fetch);
    } else {
      throw new IllegalArgumentException(description + ": unexpected " + message.getDescriptorForType().getName());
    }
  }

  /** Sends the chunk of this shard's state the driver asks for; chunk 0 starts a new transfer. */
  private void onFetchState(FetchStateProto fetch) {
    if (fetch.getChunk() == 0) {
      outgoingState = new StateChunks.Outgoing(idProto, ShardStates.stream(idProto, fetch.getStep(), optimizer));
    } else if (outgoingState == null || fetch.getChunk() != outgoingState.nextIndex()) {
      throw new IllegalArgumentException(description + ": asked for state chunk " + fetch.getChunk() + " but "
          + (outgoingState == null ? "no state transfer was started" : "chunk " + outgoingState.nextIndex()
          + " is next"));
    }
    outbox.toDriver(outgoingState.next());
    if (outgoingState.done()) {
      outgoingState = null;
    }
  }

  /** A piece of the state to start from (a resumed checkpoint); restored once all have come. */
  private void onStateChunk(ShardStateChunkProto chunk) {
    incomingState.add(chunk);
    if (incomingState.size() == chunk.getCount()) {
      List<ShardStateChunkProto> chunks = new ArrayList<>(incomingState);
      incomingState.clear();
      restoreState(StateChunks.join(chunks, description + ": initial state"), "initial state of " + description);
    }
  }

  /** Writes this shard's file of a checkpoint (atomically: temporary name, then rename). */
  private void onSave(SaveShardProto save) {
    try {
      ShardFileRefProto file = CheckpointFiles.writeShard(Path.of(save.getDirectory()), idProto, save.getStep(),
          ShardStates.stream(idProto, save.getStep(), optimizer));
      outbox.toDriver(ShardSavedProto.newBuilder().setFile(file).setStep(save.getStep()).build());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(description + ": could not save its checkpoint file in " + save.getDirectory()
          + ": " + e, e);
    }
  }

  // ---- rounds -----------------------------------------------------------------------------------

  private void onRunStep(RunStepProto run) {
    if (run.getStep() <= lastRound) {
      throw new IllegalStateException(description + ": round " + run.getStep() + " after round " + lastRound);
    }
    if (round != null && round.phase != RoundPhase.DONE && round.phase != RoundPhase.FAILED) {
      throw new IllegalStateException(description + ": round " + run.getStep() + " started while round " + round.id
          + " is in " + round.phase);
    }
    round = new Round(run, pool, lastRound);
    spans.start(handleStart);
    lastRound = run.getStep();
    if (round.kind == StepKindProto.TRAIN) {
      buckets.reset(round.id);
      if (!gradientsZero) {
        for (Layer layer : layers) {
          layer.zeroGradients();
        }
      }
      gradientsZero = false;
    }
    List<Message> replay = new ArrayList<>();
    for (Iterator<Message> it = early.iterator(); it.hasNext(); ) {
      Message message = it.next();
      long messageRound = roundOf(message);
      if (messageRound <= lastRound) {
        it.remove();
        if (messageRound == lastRound) {
          replay.add(message);
        }
      }
    }
    for (Message message : replay) {
      dispatch(message);
    }
    if (run.hasLocalFeed()) {
      feedLocally(run);
    }
    advance();
  }

  /**
   * A round fed from the replica's own samples: its first shard (stage 0, slice 0) cuts its share
   * of the batch into the round's micro-batches and sends the inputs to the replica's first stage
   * and the targets to its last, itself included; the other shards wait for them as usual.
   */
  private void feedLocally(RunStepProto run) {
    ShardId id = layout.id();
    if (id.stage() != 0 || id.slice() != 0 || round.microBatches.length == 0) {
      return;
    }
    if (round.kind != StepKindProto.TRAIN) {
      throw new IllegalArgumentException(description + ": round " + run.getStep() + " asks for local samples, which"
          + " feed training steps only");
    }
    if (localSamples == null || localSamples.replica() != id.replica()) {
      throw new IllegalStateException(description + ": round " + run.getStep() + " is fed from replica "
          + id.replica() + "'s own samples, but node " + node + " keeps " + (localSamples == null ? "no samples"
          : "those of replica " + localSamples.replica()) + "; place each replica's first shard where its samples are");
    }
    PartitionedBatches batches = localSamples.batches();
    int epoch = run.getLocalFeed().getEpoch();
    int batch = run.getLocalFeed().getBatch();
    if (batch < 0 || batch >= batches.stepsPerEpoch() || batches.share(batch, id.replica()) != run.getSamples()) {
      throw new IllegalArgumentException(description + ": round " + run.getStep() + " gives replica " + id.replica()
          + " " + run.getSamples() + " samples of batch " + batch + ", but the samples kept here were placed for "
          + batches.stepsPerEpoch() + " batches of " + batches.batchSamples(0) + " over " + batches.replicas()
          + " replicas");
    }
    if (orderEpoch != epoch) {
      localOrder = new int[batches.replicaSamples(id.replica())];
      batches.replicaOrder(id.replica(), epoch, localOrder);
      orderEpoch = epoch;
    }
    int offset = batches.replicaOffset(batch, id.replica());
    List<Message> own = new ArrayList<>();
    for (int m = 0; m < round.microBatches.length; m++) {
      MicroBatch mb = round.microBatches[m];
      int from = MicroBatches.first(round.samples, round.microBatches.length, m);
      FloatMatrix inputs = pool.feedInputs(mb.size);
      FloatMatrix targets = pool.feedTargets(mb.size);
      localSamples.samples().copyBatch(localOrder, offset + from, mb.size, inputs, targets);
      InputsProto in = InputsProto.newBuilder().setStep(mb.ref).setInputs(TensorCodec.encode(inputs)).build();
      TargetsProto out = TargetsProto.newBuilder().setStep(mb.ref).setTargets(TensorCodec.encode(targets)).build();
      for (ShardId shard : layout.stageShards(0)) {
        if (shard.equals(id)) {
          own.add(in);
        } else {
          outbox.toShard(shard, in);
        }
      }
      for (ShardId shard : layout.stageShards(layout.plan().stages().size() - 1)) {
        if (shard.equals(id)) {
          own.add(out);
        } else {
          outbox.toShard(shard, out);
        }
      }
    }
    for (Message message : own) {
      dispatch(message);
    }
  }

  private void onInputs(InputsProto inputs) {
    if (defer(inputs, inputs.getStep().getStep())) {
      return;
    }
    MicroBatch mb = microBatch(inputs.getStep(), "inputs");
    if (!layout.firstStage()) {
      throw new IllegalArgumentException(description + ": got model inputs but only stage 0 reads them");
    }
    mb.receiveStageInput(0, () -> TensorCodec.decodeInto(inputs.getInputs(), mb.stageInput,
        description + ": inputs of micro-batch " + mb.index));
    advance();
  }

  private void onTargets(TargetsProto targets) {
    if (defer(targets, targets.getStep().getStep())) {
      return;
    }
    MicroBatch mb = microBatch(targets.getStep(), "targets");
    if (!layout.lastStage()) {
      throw new IllegalArgumentException(description + ": got targets but only the last stage computes the loss");
    }
    TensorCodec.decodeInto(targets.getTargets(), mb.targets, description + ": targets of micro-batch " + mb.index);
    mb.targetsReady = true;
    advance();
  }

  private void onLayerOutput(LayerOutputProto output) {
    if (defer(output, output.getStep().getStep())) {
      return;
    }
    MicroBatch mb = microBatch(output.getStep(), "layer output");
    ShardId sender = PlanProtos.fromProto(output.getSender());
    int layer = output.getLayer();
    String what = description + ": outputs of layer " + layer + " from " + sender + " for micro-batch " + mb.index;
    checkUnits(output.getUnits(), layer, sender, what);
    int own = layer - layout.firstLayer();
    boolean stepwise = own >= 0 && own < layers.size() && mb.recurrent[own] != null
        && sender.stage() == layout.id().stage();
    if (output.getRecurrentState() != stepwise) {
      throw new IllegalArgumentException(what + ": " + (stepwise
          ? "a whole output, but the slices of this recurrent layer exchange h_t step by step"
          : "a recurrent step's h_t, but this shard runs no such layer in slices"));
    }
    if (stepwise) {
      mb.recurrent[own].receiveHidden(output.getTimeStep(), sender.slice(), output.getValues(), what);
      advance();
      return;
    }
    RowSelection rows = layout.rowsOf(layer, sender.slice());
    if (layer == layout.firstLayer() - 1 && sender.stage() == layout.id().stage() - 1) {
      mb.receiveStageInput(sender.slice(), () -> rows.decodeInto(output.getValues(), mb.stageInput, what));
    } else if (layer >= layout.firstLayer() && layer < layout.endLayer() && sender.stage() == layout.id().stage()) {
      int i = layer - layout.firstLayer();
      mb.receiveGathered(i, sender.slice(), () -> rows.decodeInto(output.getValues(), mb.gathered[i], what));
    } else {
      throw new IllegalArgumentException(what + ": this shard neither reads nor gathers that layer");
    }
    advance();
  }

  private void onInputGradient(InputGradientProto gradient) {
    if (defer(gradient, gradient.getStep().getStep())) {
      return;
    }
    MicroBatch mb = microBatch(gradient.getStep(), "input gradient");
    ShardId sender = PlanProtos.fromProto(gradient.getSender());
    int layer = gradient.getLayer();
    String what = description + ": gradient of layer " + layer + " outputs from " + sender + " for micro-batch "
        + mb.index;
    checkUnits(gradient.getUnits(), layer, layout.id(), what);
    int i = layer - layout.firstLayer();
    if (gradient.getRecurrentState()) {
      if (i < 0 || i >= layers.size() || mb.recurrent[i] == null || sender.stage() != layout.id().stage()) {
        throw new IllegalArgumentException(what + ": a recurrent step's dh, but this shard runs no such layer in"
            + " slices with the sender");
      }
      mb.recurrent[i].receiveHiddenGradient(gradient.getTimeStep(), sender.slice(), gradient.getValues(), what);
      advance();
      return;
    }
    boolean fromNextStage = i == layout.layerCount() - 1 && !layout.lastStage()
        && sender.stage() == layout.id().stage() + 1;
    boolean fromSibling = i >= 0 && i < layout.layerCount() - 1 && sender.stage() == layout.id().stage();
    if (!fromNextStage && !fromSibling) {
      throw new IllegalArgumentException(what + ": this shard does not own outputs of that layer");
    }
    mb.receivePartial(i, sender.slice(), () -> TensorCodec.decodeInto(gradient.getValues(), mb.partials[i][sender.slice()], what));
    advance();
  }

  private void onAllReduceChunk(AllReduceChunkProto piece) {
    if (defer(piece, piece.getStep())) {
      return;
    }
    if (buckets.receive(piece, outbox::toShard) && round.phase == RoundPhase.ALL_REDUCE) {
      reportGradients();
    }
  }

  /** The shard's own nudge to go on with a backward it paused so the ring's pieces could be handled. */
  private void onContinue(ContinueRoundProto proceed) {
    if (round != null && round.id == proceed.getStep() && round.paused) {
      round.paused = false;
      advance();
    }
  }

  private void onApplyUpdate(ApplyUpdateProto apply) {
    if (round == null || apply.getStep() != round.id) {
      return; // an update for a round that was aborted here
    }
    if (round.phase != RoundPhase.WAITING_FOR_UPDATE || round.applyLocally) {
      throw new IllegalStateException(description + ": update for round " + apply.getStep() + " in phase " + round.phase
          + (round.applyLocally ? ", which applies its update itself" : ""));
    }
    applyUpdate(apply.getGradientScale());
  }

  private void applyUpdate(float gradientScale) {
    if (gradientScale != 1f) {
      GradientClipping.scale(optimizer.parameters(), gradientScale);
    }
    optimizer.stepAndZeroGradients(round.optimizerStep);
    gradientsZero = true;
    finishRound();
  }

  private void onAbort(AbortStepProto abort) {
    lastRound = Math.max(lastRound, abort.getStep());
    early.removeIf(message -> roundOf(message) <= abort.getStep());
    buckets.abort(abort.getStep());
    if (round != null && round.id == abort.getStep() && round.phase != RoundPhase.DONE) {
      // Parameters were not touched: updates wait for ApplyUpdate, or, applied locally, for the
      // end of the all-reduce, which leaves the round DONE (an abort after that changes nothing).
      round.phase = RoundPhase.FAILED;
    }
  }

  private void failRound() {
    if (round != null && round.phase != RoundPhase.DONE) {
      round.phase = RoundPhase.FAILED;
    }
  }

  public long currentRound() {
    return round == null ? -1 : round.id;
  }

  public ShardStatusProto status() {
    ShardStatusProto.Builder status = ShardStatusProto.newBuilder().setShard(idProto).setNode(node);
    if (round == null) {
      return status.setStep(-1).setPhase("IDLE").build();
    }
    status.setStep(round.id).setPhase(round.phase.name());
    String waiting = switch (round.phase) {
      case FORWARD -> round.forwardNext < round.microBatches.length ? round.microBatches[round.forwardNext].waitingForward()
          : "nothing (forward complete)";
      case BACKWARD -> round.backwardNext < round.microBatches.length
          ? round.microBatches[round.backwardNext].waitingBackward() : "nothing";
      case ALL_REDUCE -> buckets.waitingFor();
      case WAITING_FOR_UPDATE -> "the driver's update (every shard's gradients must be ready)";
      case DONE, FAILED -> "nothing";
    };
    return status.setWaitingFor(waiting).build();
  }

  // ---- progress ---------------------------------------------------------------------------------

  /** Runs every forward, loss and backward whose inputs are complete, in micro-batch order. */
  private void advance() {
    if (round == null) {
      return;
    }
    boolean progressed = true;
    while (progressed && (round.phase == RoundPhase.FORWARD || round.phase == RoundPhase.BACKWARD)) {
      progressed = advanceForward() | advanceBackward();
    }
  }

  private boolean advanceForward() {
    boolean progressed = false;
    while (round.forwardNext < round.microBatches.length) {
      MicroBatch mb = round.microBatches[round.forwardNext];
      while (mb.forwardLayer < layers.size() && mb.inputReady(mb.forwardLayer)) {
        if (!forward(mb, mb.forwardLayer)) {
          return progressed; // a recurrent slice waits for the other slices' h_t
        }
        mb.forwardLayer++;
        progressed = true;
      }
      if (mb.forwardLayer < layers.size() || !mb.outputReady()) {
        return progressed;
      }
      if (layout.lastStage()) {
        if (!mb.targetsReady) {
          return progressed;
        }
        if (!loss(mb)) {
          return true;
        }
      }
      mb.forwardDone = true;
      mb.forwardRound = round.id;
      round.forwardNext++;
      progressed = true;
    }
    if (round.kind == StepKindProto.EVALUATE) {
      finishRound();
      return true;
    }
    if (round.phase == RoundPhase.FORWARD) {
      round.phase = RoundPhase.BACKWARD;
    }
    return progressed;
  }

  private boolean advanceBackward() {
    if (round.kind != StepKindProto.TRAIN || round.phase == RoundPhase.FAILED || round.paused) {
      return false;
    }
    boolean gpipeWait = layout.plan().schedule() == PipelineSchedule.GPIPE && layout.lastStage()
        && round.forwardNext < round.microBatches.length;
    if (gpipeWait) {
      return false;
    }
    boolean progressed = false;
    while (round.backwardNext < round.microBatches.length) {
      MicroBatch mb = round.microBatches[round.backwardNext];
      if (!mb.forwardDone) {
        return progressed;
      }
      while (mb.backwardLayer >= 0 && mb.gradientReady(mb.backwardLayer)) {
        if (!backward(mb, mb.backwardLayer)) {
          return progressed; // a recurrent slice waits for the other slices' dh
        }
        mb.backwardLayer--;
        progressed = true;
        if (round.backwardNext == round.microBatches.length - 1 && buckets.needed()) {
          // The last micro-batch has passed back through this layer: its gradients are final.
          buckets.startReady(mb.backwardLayer + 1, outbox::toShard);
          if (mb.backwardLayer >= 0 && buckets.anyRunning()) {
            // Pause after each layer while a bucket is in the ring, so the pieces waiting in the
            // mailbox are summed and passed on between layers rather than after the backward.
            round.paused = true;
            outbox.toShard(layout.id(), ContinueRoundProto.newBuilder().setStep(round.id).build());
            return progressed;
          }
        }
      }
      if (mb.backwardLayer >= 0) {
        return progressed;
      }
      round.backwardNext++;
    }
    if (round.phase == RoundPhase.BACKWARD && round.forwardNext == round.microBatches.length) {
      finishBackward();
      progressed = true;
    }
    return progressed;
  }

  // layer i of the stage: input (inputRows × b) → own outputs (outputRows × b), then all-gather or hand on.
  // False while a sliced recurrent layer waits for the other slices' h_t (it is called again).
  private boolean forward(MicroBatch mb, int i) {
    if (round.kind == StepKindProto.TRAIN) {
      FaultPoint.reach(FaultPoint.Moment.FORWARD, round.optimizerStep + 1, description);
    }
    int layer = layout.firstLayer() + i;
    boolean handsOn = i == layers.size() - 1 && !layout.lastStage();
    RecurrentSteps steps = mb.recurrent[i];
    if (steps != null) {
      if (!steps.forward(mb.input(i), mb.exchanges[i])) {
        return false;
      }
      steps.writeOutputs(mb.outputs[i], handsOn ? null : mb.gathered[i]);
      if (handsOn) {
        sendOutputs(mb, i, layout.stageShards(layout.id().stage() + 1));
      } else {
        mb.gatheredByRecurrence(i);
      }
      return true;
    }
    mb.startRecurrence(i);
    layers.get(i).forward(mb.input(i), mb.outputs[i], mb.context(round));
    mb.keepFinalState(i);
    sendOutputs(mb, i, handsOn ? layout.stageShards(layout.id().stage() + 1) : siblings());
    if (!handsOn) {
      RowSelection own = layout.rowsOf(layer, layout.id().slice());
      boolean alone = mb.gathered[i] == mb.outputs[i];
      mb.receiveGathered(i, layout.id().slice(), alone ? () -> { } : () -> own.scatter(mb.outputs[i], mb.gathered[i]));
    }
    return true;
  }

  private void sendOutputs(MicroBatch mb, int i, List<ShardId> receivers) {
    if (receivers.isEmpty()) {
      return;
    }
    int layer = layout.firstLayer() + i;
    LayerOutputProto message = LayerOutputProto.newBuilder().setStep(mb.ref)
        .setSender(idProto).setLayer(layer).setUnits(range(layout.units(layer)))
        .setValues(TensorCodec.encode(mb.outputs[i])).build();
    for (ShardId receiver : receivers) {
      outbox.toShard(receiver, message);
    }
  }

  /**
   * A sliced recurrent layer's steps talk to the same layer's other slices; made once per pooled
   * micro-batch, reading its round reference when it sends.
   */
  private RecurrentSteps.Exchange exchange(MicroBatch mb, int layer) {
    return new RecurrentSteps.Exchange() {
      @Override
      public void hidden(int timeStep, FloatMatrix own) {
        LayerOutputProto message = LayerOutputProto.newBuilder().setStep(mb.ref).setSender(idProto).setLayer(layer)
            .setUnits(range(layout.units(layer))).setTimeStep(timeStep).setRecurrentState(true)
            .setValues(TensorCodec.encode(own)).build();
        for (ShardId sibling : siblings()) {
          outbox.toShard(sibling, message);
        }
      }

      @Override
      public void hiddenGradient(int timeStep, int slice, TensorProto values) {
        outbox.toShard(layout.stageShards(layout.id().stage()).get(slice), InputGradientProto.newBuilder()
            .setStep(mb.ref).setSender(idProto).setLayer(layer).setUnits(range(layout.unitsOf(layer, slice)))
            .setTimeStep(timeStep).setRecurrentState(true).setValues(values).build());
      }
    };
  }

  /** Loss of the all-gathered logits; false when it is not finite (the round fails, the driver is told). */
  private boolean loss(MicroBatch mb) {
    ModelSpec model = layout.model();
    FloatMatrix logits = mb.gathered[layers.size() - 1];
    double lossSum;
    if (round.kind == StepKindProto.TRAIN) {
      int predictions = round.globalSamples * model.outputGroups();
      lossSum = model.loss().valueAndGradient(model.perPrediction(logits), model.perPrediction(mb.targets),
          1f / predictions, model.perPrediction(mb.lossGradient));
    } else {
      lossSum = model.loss().value(model.perPrediction(logits), model.perPrediction(mb.targets));
    }
    if (!Double.isFinite(lossSum)) {
      round.phase = RoundPhase.FAILED;
      if (layout.id().slice() == 0) {
        outbox.toDriver(ShardFailureProto.newBuilder().setShard(idProto).setStep(round.id).setDiverged(true)
            .setMessage("loss became " + lossSum + " in micro-batch " + mb.index + " of optimizer step "
                + round.optimizerStep).build());
      }
      return false;
    }
    round.lossSum += lossSum;
    round.correct += Loss.countCorrect(model.perPrediction(logits), model.perPrediction(mb.targets));
    if (round.kind == StepKindProto.TRAIN) {
      int last = layers.size() - 1;
      mb.receivePartial(last, 0, () -> layout.rowsOf(layout.endLayer() - 1, layout.id().slice())
          .gather(mb.lossGradient, mb.partials[last][0]));
    }
    return true;
  }

  // layer i: own output gradient (outputRows × b) → parameter gradients, partial input gradient reduce-scattered.
  // The partial input gradient is handed on as soon as the layer has it, before its parameter gradients.
  // False while a sliced recurrent layer waits for the other slices' dh (it is called again). Backwards
  // run in micro-batch order, so the pooled input gradient is this micro-batch's until it returns true.
  private boolean backward(MicroBatch mb, int i) {
    FaultPoint.reach(FaultPoint.Moment.BACKWARD, round.optimizerStep + 1, description);
    int layer = layout.firstLayer() + i;
    // A stage of one slice keeps the whole input gradient of its layer i > 0 itself: the layer
    // writes it straight into the buffer layer i − 1's backward reads: one copy of every
    // activation gradient less per step (the CNN's ~2.3M floats at batch 64).
    FloatMatrix inputGradient = layer == 0 ? null
        : i > 0 && layout.slices() == 1 ? mb.partials[i - 1][0] : pool.inputGradient(i, mb.size);
    RecurrentSteps steps = mb.recurrent[i];
    if (steps == null || !steps.backwardStarted()) {
      if (inputGradient != null && !layers.get(i).assignsInputGradient()) {
        java.util.Arrays.fill(inputGradient.data, 0f);
      }
    }
    if (steps != null) {
      if (!steps.backwardStarted()) {
        steps.beginBackward(mb.sumPartials(i), inputGradient);
      }
      if (!steps.backward(mb.input(i), mb.exchanges[i])) {
        return false;
      }
      handOnInputGradient(mb, i, inputGradient);
      return true;
    }
    mb.startRecurrence(i);
    layers.get(i).backward(mb.input(i), mb.outputs[i], mb.sumPartials(i), inputGradient, mb.context(round),
        () -> handOnInputGradient(mb, i, inputGradient));
    return true;
  }

  /** Reduce-scatter: each owner of rows of the layer below gets this shard's partial sum for them. */
  private void handOnInputGradient(MicroBatch mb, int i, FloatMatrix inputGradient) {
    if (inputGradient == null) {
      return;
    }
    int below = layout.firstLayer() + i - 1;
    List<ShardId> owners = i == 0 ? layout.stageShards(layout.id().stage() - 1) : layout.stageShards(layout.id().stage());
    for (ShardId owner : owners) {
      RowSelection rows = layout.rowsOf(below, owner.slice());
      if (owner.equals(layout.id())) {
        FloatMatrix own = mb.partials[i - 1][owner.slice()];
        mb.receivePartial(i - 1, owner.slice(), own == inputGradient ? () -> { } : () -> rows.gather(inputGradient, own));
      } else {
        outbox.toShard(owner, InputGradientProto.newBuilder().setStep(mb.ref).setSender(idProto).setLayer(below)
            .setUnits(range(layout.unitsOf(below, owner.slice()))).setValues(rows.encode(inputGradient)).build());
      }
    }
  }

  /**
   * Every micro-batch's backward is done: the gradient buckets not yet started go into the ring
   * too; once every bucket is summed over the replicas, the gradients are reported. The all-reduce
   * time reported is what remains after the backward, the part the overlap did not hide.
   */
  private void finishBackward() {
    round.phase = RoundPhase.ALL_REDUCE;
    round.allReduceStart = System.nanoTime();
    if (buckets.startReady(0, outbox::toShard)) {
      reportGradients();
    } else {
      // The ring is under way: this shard's first pieces are out and its peers wait for the rest.
      FaultPoint.reach(FaultPoint.Moment.ALL_REDUCE, round.optimizerStep + 1, description);
    }
  }

  private void reportGradients() {
    long now = System.nanoTime();
    double sumOfSquares = GradientClipping.sumOfSquares(optimizer.parameters());
    long compute = round.computeNanos + (handlingCompute ? now - handleStart : 0);
    GradientsReadyProto.Builder ready = GradientsReadyProto.newBuilder().setShard(idProto).setStep(round.id)
        .setSumOfSquares(sumOfSquares).setComputeNanos(compute)
        .setAllReduceNanos(buckets.needed() ? now - round.allReduceStart : 0);
    spans.add(handleStart, now, handlingKind());
    spans.addTo(ready);
    if (reportsLoss()) {
      ready.setLossSum(round.lossSum).setCorrect(round.correct);
    }
    if (!Double.isFinite(sumOfSquares)) {
      ready.setNonFinite(firstNonFiniteGradient());
    }
    round.phase = RoundPhase.WAITING_FOR_UPDATE;
    outbox.toDriver(ready.build());
    if (round.applyLocally && Double.isFinite(sumOfSquares)) {
      // After the report, so the driver's reply (the next round) is on its way during the update.
      float clip = optimizer.spec().clipGlobalNorm();
      applyUpdate(clip > 0f ? GradientClipping.scaleFor(sumOfSquares, clip) : 1f);
    }
  }

  /** True when this shard is its replica's only one: its gradients are the whole model's. */
  private boolean wholeReplica() {
    return layout.plan().shards().size() == layout.plan().replicas();
  }

  private String firstNonFiniteGradient() {
    for (Parameter parameter : optimizer.parameters()) {
      for (float g : parameter.gradient().data) {
        if (!Float.isFinite(g)) {
          return "gradient of " + parameter + " (" + layout.spec(parameter.layer()).describe() + ") holds " + g;
        }
      }
    }
    return "the sum of squares of the gradients overflowed";
  }

  private void finishRound() {
    round.phase = RoundPhase.DONE;
    completedRound = round.id;
    boolean reportsLoss = reportsLoss();
    outbox.toDriver(StepDoneProto.newBuilder().setShard(idProto).setStep(round.id)
        .setLossSum(reportsLoss ? round.lossSum : 0).setCorrect(reportsLoss ? round.correct : 0)
        .setSamples(round.samples).build());
  }

  /** The last stage's slice 0 of each replica reports the replica's loss. */
  private boolean reportsLoss() {
    return layout.lastStage() && layout.id().slice() == 0;
  }

  // ---- message bookkeeping ----------------------------------------------------------------------

  /** True when the message belongs to a later round (kept) or an earlier one (dropped). */
  private boolean defer(Message message, long messageRound) {
    if (round != null && messageRound == round.id) {
      return round.phase == RoundPhase.FAILED || round.phase == RoundPhase.DONE;
    }
    if (messageRound > lastRound) {
      early.add(message);
    }
    return true;
  }

  private static long roundOf(Message message) {
    if (message instanceof InputsProto inputs) {
      return inputs.getStep().getStep();
    } else if (message instanceof TargetsProto targets) {
      return targets.getStep().getStep();
    } else if (message instanceof LayerOutputProto output) {
      return output.getStep().getStep();
    } else if (message instanceof InputGradientProto gradient) {
      return gradient.getStep().getStep();
    } else if (message instanceof AllReduceChunkProto piece) {
      return piece.getStep();
    }
    throw new IllegalArgumentException("not a round message: " + message.getDescriptorForType().getName());
  }

  private MicroBatch microBatch(StepRefProto ref, String what) {
    int m = ref.getMicroBatch();
    if (m < 0 || m >= round.microBatches.length) {
      throw new IllegalArgumentException(description + ": " + what + " for micro-batch " + m + " of round " + round.id
          + ", which has " + round.microBatches.length);
    }
    return round.microBatches[m];
  }

  private void checkUnits(UnitRangeProto units, int layer, ShardId owner, String what) {
    if (layer < 0 || layer >= layout.model().layers().size()) {
      throw new IllegalArgumentException(what + ": the model has no layer " + layer);
    }
    UnitRange expected = layout.unitsOf(layer, owner.slice());
    if (units.getBegin() != expected.begin() || units.getEnd() != expected.end()) {
      throw new IllegalArgumentException(what + ": units [" + units.getBegin() + ", " + units.getEnd()
          + ") but the plan gives " + owner + " units " + expected);
    }
  }

  private List<ShardId> siblings() {
    List<ShardId> siblings = new ArrayList<>(layout.stageShards(layout.id().stage()));
    siblings.remove(layout.id());
    return siblings;
  }

  private static UnitRangeProto range(UnitRange units) {
    return UnitRangeProto.newBuilder().setBegin(units.begin()).setEnd(units.end()).build();
  }

  /** One RunStep: its micro-batches and where the shard is in them. */
  private final class Round {
    final long id;
    final long optimizerStep;
    final StepKindProto kind;
    /** Samples of this replica; of the whole optimizer step (the loss is a mean over those). */
    final int samples;
    final int globalSamples;
    final MicroBatch[] microBatches;
    /** Update as soon as the gradients are all-reduced ({@link RunStepProto#getApplyLocally}). */
    final boolean applyLocally;
    RoundPhase phase = RoundPhase.FORWARD;
    int forwardNext;
    int backwardNext;
    double lossSum;
    long correct;
    long computeNanos;
    long allReduceStart;
    /** The backward waits for its {@link ContinueRoundProto} (see {@link #advanceBackward}). */
    boolean paused;

    /** {@code previous}: the round before this one here, whose streams {@link RunStepProto#getCarryState} continues. */
    Round(RunStepProto run, BufferPool pool, long previous) {
      if (run.getKind() != StepKindProto.TRAIN && run.getKind() != StepKindProto.EVALUATE) {
        throw new IllegalArgumentException(description + ": round " + run.getStep() + " has no kind");
      }
      int count = run.getMicroBatches();
      // A replica may get no samples of a batch smaller than the replica count; it still all-reduces.
      if (count < 0 || run.getSamples() < count || (count == 0) != (run.getSamples() == 0)) {
        throw new IllegalArgumentException(description + ": round " + run.getStep() + " cuts " + run.getSamples()
            + " samples into " + count + " micro-batches");
      }
      if (run.getGlobalSamples() < run.getSamples() || run.getFirstSample() < 0
          || run.getFirstSample() + run.getSamples() > run.getGlobalSamples()) {
        throw new IllegalArgumentException(description + ": round " + run.getStep() + " gives this replica samples "
            + run.getFirstSample() + "–" + (run.getFirstSample() + run.getSamples()) + " of " + run.getGlobalSamples());
      }
      this.id = run.getStep();
      this.optimizerStep = run.getOptimizerStep();
      this.kind = run.getKind();
      this.samples = run.getSamples();
      this.globalSamples = run.getGlobalSamples();
      if (run.getApplyLocally() && (run.getKind() != StepKindProto.TRAIN || !wholeReplica())) {
        throw new IllegalArgumentException(description + ": round " + run.getStep() + " asks to apply its update "
            + "locally, which only a training round of a replica held by one shard may (plan " + layout.plan().describe()
            + ")");
      }
      this.applyLocally = run.getApplyLocally();
      this.microBatches = new MicroBatch[count];
      boolean carry = run.getCarryState() && hasRecurrentLayer;
      for (int m = 0; m < count; m++) {
        int first = MicroBatches.first(samples, count, m);
        microBatches[m] = pool.take(m, MicroBatches.first(samples, count, m + 1) - first);
        if (carry && (previous != completedRound || microBatches[m].forwardRound != completedRound)) {
          throw new IllegalStateException(description + ": round " + id + " continues the recurrent streams of round "
              + previous + ", but micro-batch " + m + " (" + microBatches[m].size + " samples) did not finish that"
              + " round here; carried streams need the same split in consecutive rounds");
        }
      }
      for (int m = 0; m < count; m++) {
        microBatches[m].start(StepRefProto.newBuilder().setStep(id).setMicroBatch(m).build(),
            run.getFirstSample() + MicroBatches.first(samples, count, m), carry);
      }
    }
  }

  /** Activation and gradient buffers of one micro-batch, and which of their pieces have arrived. */
  final class MicroBatch {
    final int index;
    final int size;
    final FloatMatrix stageInput;
    final FloatMatrix targets;
    final FloatMatrix lossGradient;
    final FloatMatrix[] outputs;
    final FloatMatrix[] gathered;
    final FloatMatrix[][] partials;
    /** Per layer: the step-by-step run of a sliced recurrent layer, else null, and its messages out. */
    final RecurrentSteps[] recurrent;
    final RecurrentSteps.Exchange[] exchanges;
    /**
     * Per whole recurrent layer (else null): the state its forward starts from when streams are
     * carried, and the final state of its last forward, which the next carrying round starts from.
     */
    private final RecurrentLayer.StepState[] startStates;
    private final RecurrentLayer.StepState[] finalStates;
    private boolean carrying;
    /** The round whose forward this micro-batch's buffers finished last. */
    long forwardRound = -1;
    private final FloatMatrix[] summed;
    private long stageInputFrom;
    private final long[] gatheredFrom;
    private final long[] partialFrom;
    StepRefProto ref;
    int first;
    boolean targetsReady;
    boolean forwardDone;
    int forwardLayer;
    int backwardLayer;

    MicroBatch(int index, int size) {
      this.index = index;
      this.size = size;
      int n = layers.size();
      ModelSpec model = layout.model();
      this.stageInput = new FloatMatrix(layout.spec(layout.firstLayer()).inputShape().size(), size);
      int outputs = model.outputClasses() * model.outputGroups();
      this.targets = layout.lastStage() ? new FloatMatrix(outputs, size) : null;
      this.lossGradient = layout.lastStage() ? new FloatMatrix(outputs, size) : null;
      this.outputs = new FloatMatrix[n];
      this.gathered = new FloatMatrix[n];
      this.partials = new FloatMatrix[n][];
      this.recurrent = new RecurrentSteps[n];
      this.exchanges = new RecurrentSteps.Exchange[n];
      this.summed = new FloatMatrix[n];
      this.startStates = new RecurrentLayer.StepState[n];
      this.finalStates = new RecurrentLayer.StepState[n];
      this.gatheredFrom = new long[n];
      this.partialFrom = new long[n];
      for (int i = 0; i < n; i++) {
        this.outputs[i] = new FloatMatrix(layers.get(i).outputRows(), size);
        boolean handsOn = i == n - 1 && !layout.lastStage();
        boolean alone = layout.slices() == 1;
        this.gathered[i] = handsOn ? null
            : alone ? this.outputs[i] : new FloatMatrix(layout.spec(layout.firstLayer() + i).outputShape().size(), size);
        int senders = expectedPartials(i);
        this.partials[i] = new FloatMatrix[senders];
        for (int q = 0; q < senders; q++) {
          this.partials[i][q] = new FloatMatrix(layers.get(i).outputRows(), size);
        }
        this.summed[i] = senders == 1 ? this.partials[i][0] : new FloatMatrix(layers.get(i).outputRows(), size);
        if (!alone && layers.get(i) instanceof RecurrentLayer sliced) {
          int layer = layout.firstLayer() + i;
          List<UnitRange> units = new ArrayList<>();
          for (int q = 0; q < layout.slices(); q++) {
            units.add(layout.unitsOf(layer, q));
          }
          this.recurrent[i] = new RecurrentSteps(sliced, units, layout.id().slice(), size);
          this.exchanges[i] = exchange(this, layer);
        } else if (layers.get(i) instanceof RecurrentLayer whole) {
          this.startStates[i] = whole.newStepState(size);
          this.finalStates[i] = whole.newStepState(size);
        }
      }
    }

    /**
     * Readies the buffers for micro-batch {@code ref}, whose samples start at {@code first} of the
     * global batch; with {@code carry} its recurrent layers go on from where their last forward ended.
     */
    void start(StepRefProto ref, int first, boolean carry) {
      if (carry) {
        for (int i = 0; i < startStates.length; i++) {
          if (startStates[i] != null) {
            RecurrentLayer.StepState last = finalStates[i];
            finalStates[i] = startStates[i];
            startStates[i] = last;
          }
        }
      }
      carrying = carry;
      this.ref = ref;
      this.first = first;
      stageInputFrom = 0;
      java.util.Arrays.fill(gatheredFrom, 0);
      java.util.Arrays.fill(partialFrom, 0);
      targetsReady = false;
      forwardDone = false;
      forwardLayer = 0;
      backwardLayer = layers.size() - 1;
      for (RecurrentSteps steps : recurrent) {
        if (steps != null) {
          steps.start(carry);
        }
      }
    }

    /** Before whole recurrent layer i runs this micro-batch forward or backward: its initial state. */
    void startRecurrence(int i) {
      if (startStates[i] != null) {
        ((RecurrentLayer) layers.get(i)).startFrom(carrying ? startStates[i] : null);
      }
    }

    /** After whole recurrent layer i ran this micro-batch forward: the state a carrying round goes on from. */
    void keepFinalState(int i) {
      if (finalStates[i] != null) {
        finalStates[i].copyFrom(((RecurrentLayer) layers.get(i)).finalState());
      }
    }

    BatchContext context(Round round) {
      return round.kind == StepKindProto.TRAIN ? new BatchContext(round.optimizerStep, first, Phase.TRAIN)
          : BatchContext.inference();
    }

    FloatMatrix input(int i) {
      return i == 0 ? stageInput : gathered[i - 1];
    }

    private int expectedStageInputs() {
      return layout.firstStage() ? 1 : layout.slicesOf(layout.id().stage() - 1);
    }

    /** Senders of the gradient with respect to layer i's outputs: the loss, the siblings, or the next stage. */
    private int expectedPartials(int i) {
      if (i < layers.size() - 1) {
        return layout.slices();
      }
      return layout.lastStage() ? 1 : layout.slicesOf(layout.id().stage() + 1);
    }

    void receiveStageInput(int sender, Runnable copy) {
      stageInputFrom = mark(stageInputFrom, sender, "stage input");
      copy.run();
    }

    void receiveGathered(int i, int sender, Runnable copy) {
      gatheredFrom[i] = mark(gatheredFrom[i], sender, "outputs of layer " + (layout.firstLayer() + i));
      copy.run();
    }

    /** A sliced recurrent layer gathered its whole output step by step. */
    void gatheredByRecurrence(int i) {
      gatheredFrom[i] = (1L << layout.slices()) - 1;
    }

    void receivePartial(int i, int sender, Runnable copy) {
      partialFrom[i] = mark(partialFrom[i], sender, "gradient of layer " + (layout.firstLayer() + i));
      copy.run();
    }

    private long mark(long from, int sender, String what) {
      long bit = 1L << sender;
      if ((from & bit) != 0) {
        throw new IllegalArgumentException(description + ": " + what + " for micro-batch " + index
            + " arrived twice from slice " + sender);
      }
      return from | bit;
    }

    boolean inputReady(int i) {
      return i == 0 ? Long.bitCount(stageInputFrom) == expectedStageInputs()
          : Long.bitCount(gatheredFrom[i - 1]) == layout.slices();
    }

    /** The stage's last output is complete: all-gathered (last stage) or already handed on. */
    boolean outputReady() {
      int last = layers.size() - 1;
      return !layout.lastStage() || Long.bitCount(gatheredFrom[last]) == layout.slices();
    }

    boolean gradientReady(int i) {
      return Long.bitCount(partialFrom[i]) == expectedPartials(i);
    }

    /** The gradient with respect to layer i's own outputs: partials added in sender order. */
    FloatMatrix sumPartials(int i) {
      FloatMatrix[] parts = partials[i];
      if (parts.length == 1) {
        return parts[0];
      }
      float[] sum = summed[i].data;
      System.arraycopy(parts[0].data, 0, sum, 0, sum.length);
      for (int q = 1; q < parts.length; q++) {
        float[] part = parts[q].data;
        for (int k = 0; k < sum.length; k++) {
          sum[k] += part[k];
        }
      }
      return summed[i];
    }

    String waitingForward() {
      if (!inputReady(0)) {
        return layout.firstStage() ? "inputs of micro-batch " + index + " from the driver"
            : "outputs of layer " + (layout.firstLayer() - 1) + " for micro-batch " + index + " from "
                + missing(stageInputFrom, layout.stageShards(layout.id().stage() - 1));
      }
      for (int i = 0; i < layers.size(); i++) {
        if (gathered[i] != null && Long.bitCount(gatheredFrom[i]) < layout.slices() && i < forwardLayer) {
          return "outputs of layer " + (layout.firstLayer() + i) + " for micro-batch " + index + " from "
              + missing(gatheredFrom[i], layout.stageShards(layout.id().stage()));
        }
      }
      if (forwardLayer < layers.size() && recurrent[forwardLayer] != null) {
        RecurrentSteps.Waiting step = recurrent[forwardLayer].waitingForward();
        if (step != null) {
          return "h_" + step.timeStep() + " of layer " + (layout.firstLayer() + forwardLayer) + " for micro-batch "
              + index + " from " + slicesNamed(step.slices());
        }
      }
      return layout.lastStage() && !targetsReady ? "targets of micro-batch " + index + " from the driver"
          : "nothing (computing)";
    }

    String waitingBackward() {
      int i = backwardLayer;
      if (i >= 0 && gradientReady(i) && recurrent[i] != null) {
        RecurrentSteps.Waiting step = recurrent[i].waitingBackward();
        if (step != null) {
          return "dh_" + step.timeStep() + " of layer " + (layout.firstLayer() + i) + " for micro-batch " + index
              + " from " + slicesNamed(step.slices());
        }
      }
      if (i < 0 || gradientReady(i)) {
        return "nothing (computing)";
      }
      List<ShardId> senders = i < layers.size() - 1 ? layout.stageShards(layout.id().stage())
          : layout.stageShards(layout.id().stage() + 1);
      return "gradients of layer " + (layout.firstLayer() + i) + " outputs for micro-batch " + index + " from "
          + missing(partialFrom[i], senders);
    }

    private String slicesNamed(List<Integer> slices) {
      List<ShardId> stage = layout.stageShards(layout.id().stage());
      return String.join(", ", slices.stream().map(q -> stage.get(q).toString()).toList());
    }

    private String missing(long from, List<ShardId> senders) {
      List<String> names = new ArrayList<>();
      for (ShardId sender : senders) {
        if ((from & (1L << sender.slice())) == 0) {
          names.add(sender.toString());
        }
      }
      return String.join(", ", names);
    }
  }

  /**
   * Micro-batch buffers kept across rounds, one set per (micro-batch index, size): a steady run
   * allocates nothing after its first round; an epoch's short last batch and evaluation batches
   * get their own sets. Also the per-layer scratch for partial input gradients.
   */
  private final class BufferPool {
    private static final int MAX_SETS = 64;
    private final java.util.Map<Long, MicroBatch> sets = new java.util.LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(java.util.Map.Entry<Long, MicroBatch> eldest) {
        return size() > MAX_SETS;
      }
    };
    private final java.util.Map<Long, FloatMatrix> inputGradients = new java.util.HashMap<>();
    private final java.util.Map<Integer, FloatMatrix> feedInputs = new java.util.HashMap<>();
    private final java.util.Map<Integer, FloatMatrix> feedTargets = new java.util.HashMap<>();

    MicroBatch take(int index, int size) {
      return sets.computeIfAbsent(((long) index << 32) | size, key -> new MicroBatch(index, size));
    }

    FloatMatrix inputGradient(int i, int size) {
      long key = ((long) i << 32) | size;
      return inputGradients.computeIfAbsent(key, k -> new FloatMatrix(layers.get(i).inputRows(), size));
    }

    /** Scratch for a micro-batch of {@code size} samples fed from local samples (encoded before reuse). */
    FloatMatrix feedInputs(int size) {
      return feedInputs.computeIfAbsent(size, k -> new FloatMatrix(layout.model().inputShape().size(), size));
    }

    FloatMatrix feedTargets(int size) {
      ModelSpec model = layout.model();
      int rows = model.outputClasses() * model.outputGroups();
      return feedTargets.computeIfAbsent(size, k -> new FloatMatrix(rows, size));
    }
  }
}
