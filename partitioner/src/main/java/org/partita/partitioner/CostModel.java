package org.partita.partitioner;

import java.util.ArrayList;
import java.util.List;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.RecurrentSpec;
import org.partita.models.layers.UnitRange;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;

/**
 * Predicts the step time of a plan (DESIGN.md, "Cost and memory model"): per shard, the
 * {@link LayerWork} of its units for every micro-batch priced by the {@link MachineProfile};
 * messages and bytes of the exchanges the algorithm makes, priced by the {@link Link}; the GPipe
 * fill and drain ({@link #predict}); a ring all-reduce among replicas; the optimizer update.
 *
 * <p>Exchanges per micro-batch: inside a stage of S slices, every layer's outputs are all-gathered
 * forward and its input gradient reduce-scattered backward ((S−1) messages each way per shard,
 * carrying (S−1)/S of the tensor); recurrent slices also exchange h_t and dh_{t−1} at every time
 * step, each step waiting on the last (latency counts T times); a stage sends its
 * output forward to the next stage and receives the gradient back. Replicas all-reduce each
 * shard's gradients in rings, one per bucket of layers: 2(R−1) messages carrying 2(R−1)/R of the
 * bucket, overlapping the rest of the backward ({@link #exposedAllReduceSeconds}).
 */
public final class CostModel {
  private final MachineProfile machine;
  private final Link link;

  public CostModel(MachineProfile machine, Link link) {
    this.machine = machine;
    this.link = link;
  }

  /**
   * For {@code nodes} nodes sharing this machine, all computing: each on its share of the cores —
   * less than one when there are more nodes than cores — and they talk over {@code link}
   * ({@link Link#SAME_PROCESS} for an embedded cluster or Spark on a local master,
   * {@link Link#SHARED_MACHINE} for separate processes).
   */
  public static CostModel sharedMachine(MachineProfile machine, int nodes, Link link) {
    return onCoreShare(machine, (double) machine.threads() / nodes, machine.threads(), link);
  }

  /**
   * For nodes that each compute on {@code share} of {@code machine}'s cores — below one when more
   * nodes than cores take turns — while {@code busyCores} of a host's cores compute at once
   * ({@link MachineProfile#scaledToShare(double, double)}), and whose messages' core work
   * ({@link Link#onCoreShare}) gets the same share.
   */
  public static CostModel onCoreShare(MachineProfile machine, double share, double busyCores, Link link) {
    return new CostModel(machine.scaledToShare(share, busyCores), link.onCoreShare(share));
  }

  /**
   * Per micro-batch, stage s takes t_s: its slowest slice's compute plus the exchanges inside the
   * stage, which block. Micro-batches stream through the stages, so a step is
   * Σ_s t_s + (M−1)·max_s t_s — one micro-batch through every stage (fill and drain) and the
   * others behind it at the slowest stage's pace — plus each stage boundary's transfer once (a
   * later micro-batch's transfer travels while the stages compute; when the slower direction of
   * the transfers is slower than the slowest stage, it sets the pace instead). The part of a send
   * that the link says the nodes' cores spend ({@link Link#coreSeconds}) cannot travel meanwhile:
   * it is in t_s for every micro-batch. Reported as compute and exchange M·max t and a bubble for
   * the rest. With one stage this is M·t.
   */
  public StepPrediction predict(ModelSpec model, PartitionPlan plan, OptimizerSpec optimizer) {
    int micro = plan.microBatchSize();
    int stages = plan.stages().size();
    double slowestCompute = 0;
    double slowestExchange = 0;
    double slowestStage = 0;
    double stagesSum = 0;
    double boundaries = 0;
    double slowestBoundary = 0;
    double allReduce = 0;
    double update = 0;
    for (int s = 0; s < stages; s++) {
      StagePlan stage = plan.stages().get(s);
      double stageCompute = 0;
      double stageExchange = 0;
      double forward = 0;
      double backward = 0;
      for (int slice = 0; slice < stage.sliceCount(); slice++) {
        double compute = sliceComputeSeconds(model, stage, slice, micro);
        double exchange = sliceExchangeSeconds(model, plan, s, slice, micro);
        stageCompute = Math.max(stageCompute, compute);
        Crossing out = crossing(model, plan, s, slice, micro);
        forward = Math.max(forward, link.wireSeconds(out.messages(), out.forwardBytes()));
        backward = Math.max(backward, link.wireSeconds(out.messages(), out.backwardBytes()));
        // Sending costs the sender's cores every micro-batch: forward to the next stage, and the
        // gradient back to the previous one. Where nodes share cores this does not overlap with
        // computing; over a wire between machines it is zero here and the transfer overlaps.
        double sending = link.coreSeconds(out.messages(), out.forwardBytes()) + gradientBackCoreSeconds(model, plan,
            s, micro);
        stageExchange = Math.max(stageExchange, exchange + sending);
        long parameters = sliceParameters(model, stage, slice);
        update = Math.max(update, updateSeconds(parameters, 2 * stage.layerCount(), optimizer));
        if (plan.replicas() > 1) {
          allReduce = Math.max(allReduce, exposedAllReduceSeconds(model, stage, slice, micro, plan.replicas()));
        }
      }
      slowestCompute = Math.max(slowestCompute, stageCompute);
      slowestExchange = Math.max(slowestExchange, stageExchange);
      slowestStage = Math.max(slowestStage, stageCompute + stageExchange);
      stagesSum += stageCompute + stageExchange;
      // The first micro-batch's activations cross forward and the last one's gradient back, in
      // series with the stages; the others stream, and each direction of a full-duplex link
      // carries one kind, so the slower direction sets the pace.
      boundaries += forward + backward;
      slowestBoundary = Math.max(slowestBoundary, Math.max(forward, backward));
    }
    int m = plan.microBatches();
    double compute = m * slowestCompute;
    double exchange = m * slowestExchange;
    double transferPace = (m - 1) * Math.max(0, slowestBoundary - slowestStage);
    double bubble = Math.max(0, stagesSum - slowestStage) + boundaries + transferPace;
    return new StepPrediction(compute, exchange, bubble, allReduce, update);
  }

  /**
   * What a step costs on top of {@link #predict} when the driver sends the batch itself
   * ({@code DistributedTrainer.trainStep}, as benchmarks do) instead of each replica's first shards
   * feeding from samples they keep (training runs): the first micro-batch's inputs must reach every
   * first-stage slice of every replica, one message after another from the one driver, before any
   * shard can start (later micro-batches travel while shards compute), and the loss report comes
   * back at the end.
   */
  public double driverFeedSeconds(ModelSpec model, PartitionPlan plan) {
    int messages = plan.replicas() * plan.stages().get(0).sliceCount();
    double microBatchBytes = (double) model.inputShape().size() * plan.microBatchSize() * Float.BYTES;
    return link.seconds(messages, messages * microBatchBytes) + link.latencySeconds();
  }

  /** Forward + backward of one slice for one micro-batch, loss included on the last layer. */
  public double sliceComputeSeconds(ModelSpec model, StagePlan stage, int slice, int microBatch) {
    double seconds = 0;
    for (int layer = stage.firstLayer(); layer < stage.endLayer(); layer++) {
      LayerSpec spec = model.layers().get(layer);
      UnitRange units = stage.units(layer, slice);
      seconds += machine.seconds(LayerWork.of(spec, units, microBatch, layer > 0));
      // The input gradient buffer is cleared before each layer's backward.
      seconds += layer > 0 ? (double) spec.inputShape().size() * microBatch * machine.nsPerFloat() * 1e-9 : 0;
    }
    if (stage.endLayer() == model.layers().size()) {
      long outputs = (long) model.outputShape().size() * microBatch;
      seconds += outputs * (machine.nsPerTranscendental() + 4 * machine.nsPerFloat()) * 1e-9;
    }
    return seconds;
  }

  /** The optimizer update plus clearing the gradients before the next step. */
  public double updateSeconds(long parameters, int tensors, OptimizerSpec optimizer) {
    return parameters * (machine.update().of(optimizer.rule()) + machine.nsPerFloat()) * 1e-9
        + tensors * machine.nsPerCall() * 1e-9;
  }

  /**
   * What a step waits for of a slice's gradient all-reduce among {@code replicas}. The runtime cuts
   * the gradients into buckets ({@link GradientBucketing}) and starts a bucket's ring as soon as
   * the last micro-batch's backward has passed its lowest layer; the rings travel one after
   * another while the backward of the layers below goes on, so only what the wire still carries
   * when the backward ends is waited for. The cores' part of the rings (encoding, copying,
   * summing) is not hidden: it is the same cores' work. A layer's backward is taken as two thirds
   * of its forward + backward (two of its three GEMMs), half for the model's first layer, which
   * computes no input gradient.
   */
  private double exposedAllReduceSeconds(ModelSpec model, StagePlan stage, int slice, int micro, int replicas) {
    int layers = stage.layerCount();
    long[] floats = new long[layers];
    double[] backward = new double[layers];
    double backwardTotal = 0;
    for (int local = 0; local < layers; local++) {
      int layer = stage.firstLayer() + local;
      LayerSpec spec = model.layers().get(layer);
      UnitRange units = stage.units(layer, slice);
      floats[local] = spec.parameterCount(units);
      backward[local] = machine.seconds(LayerWork.of(spec, units, micro, layer > 0)) * (layer > 0 ? 2.0 / 3 : 0.5);
      backwardTotal += backward[local];
    }
    long messages = 2L * (replicas - 1);
    double wireEnd = 0;
    double cores = 0;
    double ready = 0;
    int end = layers;
    for (int first : GradientBucketing.firstLayers(floats)) {
      long bucketFloats = 0;
      for (int local = first; local < end; local++) {
        bucketFloats += floats[local];
        ready += backward[local];
      }
      double bytes = 2.0 * (replicas - 1) / replicas * bucketFloats * Float.BYTES;
      wireEnd = Math.max(ready, wireEnd) + link.wireSeconds(messages, bytes);
      cores += link.coreSeconds(messages, bytes) + bucketFloats * 2.0 * machine.nsPerFloat() * 1e-9;
      end = first;
    }
    return cores + Math.max(0, wireEnd - backwardTotal);
  }

  /** A slice's exchanges inside its stage for one micro-batch (all-gathers, reduce-scatters), which block it. */
  private double sliceExchangeSeconds(ModelSpec model, PartitionPlan plan, int stageIndex, int slice, int micro) {
    StagePlan stage = plan.stages().get(stageIndex);
    int slices = stage.sliceCount();
    double seconds = 0;
    for (int layer = stage.firstLayer(); layer < stage.endLayer(); layer++) {
      LayerSpec spec = model.layers().get(layer);
      UnitRange units = stage.units(layer, slice);
      if (slices > 1) {
        long inputFloats = (long) spec.inputShape().size() * micro;
        if (spec instanceof RecurrentSpec recurrent) {
          // every step: h_t all-gathered forward; the partial dh_{t-1} reduce-scattered backward (T−1 steps)
          long hiddenFloats = (long) recurrent.hidden() * micro;
          seconds += recurrent.timeSteps()
              * link.seconds(slices - 1, (double) (slices - 1) * units.size() * micro * Float.BYTES);
          seconds += (recurrent.timeSteps() - 1)
              * link.seconds(slices - 1, (double) (slices - 1) / slices * hiddenFloats * Float.BYTES);
        } else {
          // forward all-gather of outputs: send own piece to S−1 peers, receive theirs
          long outputFloats = (long) units.size() * spec.rowsPerUnit() * micro;
          seconds += link.seconds(slices - 1, (double) (slices - 1) * outputFloats * Float.BYTES);
        }
        if (layer > 0) {
          // backward reduce-scatter of the input gradient (once per micro-batch): each peer gets the rows it owns
          seconds += link.seconds(slices - 1, (double) (slices - 1) / slices * inputFloats * Float.BYTES);
        }
      }
    }
    return seconds;
  }

  /**
   * A slice's sends across its stage's boundary for one micro-batch: one message to every slice
   * of the next stage each way, its activations forward and the gradient pieces back.
   */
  private record Crossing(int messages, double forwardBytes, double backwardBytes) {}

  private static Crossing crossing(ModelSpec model, PartitionPlan plan, int stageIndex, int slice, int micro) {
    StagePlan stage = plan.stages().get(stageIndex);
    if (stageIndex + 1 >= plan.stages().size()) {
      return new Crossing(0, 0, 0);
    }
    LayerSpec last = model.layers().get(stage.endLayer() - 1);
    long ownFloats = (long) stage.units(stage.endLayer() - 1, slice).size() * last.rowsPerUnit() * micro;
    int receivers = plan.stages().get(stageIndex + 1).sliceCount();
    return new Crossing(receivers, (double) receivers * ownFloats * Float.BYTES, (double) ownFloats * Float.BYTES);
  }

  /**
   * The cores' time for a slice of stage {@code stageIndex} to send one micro-batch's input
   * gradient back: a piece to every slice of the previous stage, the whole input in all.
   */
  private double gradientBackCoreSeconds(ModelSpec model, PartitionPlan plan, int stageIndex, int micro) {
    if (stageIndex == 0) {
      return 0;
    }
    StagePlan stage = plan.stages().get(stageIndex);
    long inputFloats = (long) model.layers().get(stage.firstLayer()).inputShape().size() * micro;
    return link.coreSeconds(plan.stages().get(stageIndex - 1).sliceCount(), (double) inputFloats * Float.BYTES);
  }

  static long sliceParameters(ModelSpec model, StagePlan stage, int slice) {
    long parameters = 0;
    for (int layer = stage.firstLayer(); layer < stage.endLayer(); layer++) {
      parameters += model.layers().get(layer).parameterCount(stage.units(layer, slice));
    }
    return parameters;
  }

  /** Compute seconds of the whole model on one machine for one batch: the reference trainer's step. */
  public double singleNodeStepSeconds(ModelSpec model, int batch, OptimizerSpec optimizer) {
    PartitionPlan plan = PartitionPlan.single(model, batch, "local");
    StagePlan stage = plan.stages().get(0);
    return sliceComputeSeconds(model, stage, 0, batch)
        + updateSeconds(model.parameterCount(), 2 * model.layers().size(), optimizer);
  }

  /** Per-layer compute seconds on one machine, for reports. */
  public List<Double> layerSeconds(ModelSpec model, int batch) {
    List<Double> seconds = new ArrayList<>();
    for (int layer = 0; layer < model.layers().size(); layer++) {
      LayerSpec spec = model.layers().get(layer);
      seconds.add(machine.seconds(LayerWork.of(spec, UnitRange.all(spec.units()), batch, layer > 0)));
    }
    return seconds;
  }
}
