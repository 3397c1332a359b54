package org.partita.partitioner;

import org.partita.models.layers.Conv2DSpec;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.RecurrentCell;
import org.partita.models.layers.RecurrentSpec;
import org.partita.models.layers.UnitRange;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;

/**
 * Bytes per shard, counted like the layers allocate them: parameters, gradients (same size),
 * optimizer state (0, 1 or 2 copies); activations kept for backward — each layer's own output and
 * the full gathered output that feeds the next layer, for every micro-batch in flight (GPipe: all
 * M; 1F1B: at most stages − stage); per-layer scratch (Conv2D patch matrices, recurrent step
 * states); and message buffers (the largest tensor exchanged, twice). A node also needs a fixed
 * {@link #RUNTIME_BASE} for the JVM, the actor system and the data it feeds, and a heap that
 * is at most {@link #HEAP_FILL} full of it.
 */
public final class MemoryModel {
  /** Heap the runtime itself needs on a node before any shard (measured order of magnitude). */
  public static final long RUNTIME_BASE = 64L << 20;

  /**
   * The largest share of a heap that live data may fill. G1 needs free regions to copy survivors
   * into, and contiguous ones for every humongous array (each weight slice, each state chunk): four
   * 300 MiB workers holding 253 MiB each (84%) train a 42.6 M-parameter MLP, while three holding
   * 298 MiB each (99%) could not place their shards (it-tests BigModelTest).
   */
  public static final double HEAP_FILL = 0.9;

  private MemoryModel() {}

  public static ShardMemory shard(ModelSpec model, PartitionPlan plan, ShardId shard, OptimizerSpec optimizer) {
    StagePlan stage = plan.stages().get(shard.stage());
    int micro = plan.microBatchSize();
    int inFlight = plan.schedule() == PipelineSchedule.GPIPE ? plan.microBatches()
        : Math.min(plan.microBatches(), plan.stages().size() - shard.stage());
    long parameters = 0;
    long activations = 0;
    long scratch = 0;
    long largestMessage = 0;
    for (int layer = stage.firstLayer(); layer < stage.endLayer(); layer++) {
      LayerSpec spec = model.layers().get(layer);
      UnitRange units = stage.units(layer, shard.slice());
      parameters += spec.parameterCount(units);
      long own = (long) units.size() * spec.rowsPerUnit() * micro;
      long full = stage.sliceCount() > 1 ? (long) spec.outputShape().size() * micro : 0;
      activations += inFlight * (own + full);
      // output-gradient and input-gradient buffers of one micro-batch at a time
      scratch += (long) spec.outputShape().size() * micro + (long) spec.inputShape().size() * micro;
      scratch += layerScratch(spec, units, micro);
      largestMessage = Math.max(largestMessage, (long) spec.inputShape().size() * micro);
    }
    long floats = Float.BYTES;
    return new ShardMemory(parameters * floats, parameters * floats,
        (long) optimizer.rule().slots() * parameters * floats, activations * floats, scratch * floats,
        2 * largestMessage * floats);
  }

  private static long layerScratch(LayerSpec spec, UnitRange units, int batch) {
    if (spec instanceof Conv2DSpec conv) {
      long rows = (long) conv.outputShape().positions() * batch;
      // patches and their gradient (P·B × K), the GEMM product (P·B × F) and the activation gradient
      return 2 * rows * conv.patchSize() + 2 * rows * units.size();
    }
    if (spec instanceof RecurrentSpec recurrent) {
      long gates = (long) recurrent.cell().gates() * units.size();
      // T step states (gates, c, a kept value, h) plus the stacked input and the gate gradients;
      // a GRU keeps the gates' recurrent parts and a second set of gate gradients instead of the stack
      long buffers = recurrent.cell() == RecurrentCell.GRU ? 3 * gates
          : recurrent.inputs() + recurrent.hidden() + gates;
      return recurrent.timeSteps() * (gates + 3L * units.size()) * batch + 2L * buffers * batch;
    }
    return 0;
  }

  /**
   * Heap node {@code node} needs for all shards placed on it: their bytes and the runtime base,
   * filling {@link #HEAP_FILL} of it.
   */
  public static long node(ModelSpec model, PartitionPlan plan, String node, OptimizerSpec optimizer) {
    long live = RUNTIME_BASE;
    for (var entry : plan.placement().entrySet()) {
      if (entry.getValue().equals(node)) {
        live += shard(model, plan, entry.getKey(), optimizer).total();
      }
    }
    return (long) Math.ceil(live / HEAP_FILL);
  }
}
