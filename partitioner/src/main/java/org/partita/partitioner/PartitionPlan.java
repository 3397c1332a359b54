package org.partita.partitioner;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.UnitRange;
import org.partita.models.network.ModelSpec;

/**
 * How one model is spread over machines: {@code replicas} data-parallel copies, each a pipeline
 * of stages, each stage split into slices of its layers' units; micro-batches per step and their
 * schedule; the node every shard lives on. Structural consistency is checked here; fit against a
 * model and a cluster by {@link PlanValidator}.
 */
public record PartitionPlan(int replicas, List<StagePlan> stages, int microBatches, PipelineSchedule schedule,
    int globalBatch, Map<ShardId, String> placement) {

  public PartitionPlan {
    if (replicas < 1 || microBatches < 1 || globalBatch < 1) {
      throw new IllegalArgumentException("replicas, micro-batches and global batch must be ≥ 1; got " + replicas + ", "
          + microBatches + ", " + globalBatch);
    }
    if (stages == null || stages.isEmpty()) {
      throw new IllegalArgumentException("a plan needs at least one stage");
    }
    stages = List.copyOf(stages);
    placement = Collections.unmodifiableMap(new LinkedHashMap<>(placement));
  }

  /**
   * A balanced plan: stage s holds layers [cuts[s], cuts[s+1]) split into slices[s] equal unit
   * ranges; shards are placed on {@code nodes} in order (replica, stage, slice), one per node.
   */
  public static PartitionPlan balanced(ModelSpec model, int replicas, int[] cuts, int[] slices, int microBatches,
      PipelineSchedule schedule, int globalBatch, List<String> nodes) {
    if (cuts.length != slices.length + 1 || cuts[0] != 0 || cuts[cuts.length - 1] != model.layers().size()) {
      throw new IllegalArgumentException("stage cuts " + java.util.Arrays.toString(cuts) + " must run from 0 to "
          + model.layers().size() + " with one more entry than slice counts " + java.util.Arrays.toString(slices));
    }
    List<StagePlan> stages = new ArrayList<>();
    for (int s = 0; s < slices.length; s++) {
      List<List<UnitRange>> layerSlices = new ArrayList<>();
      for (int layer = cuts[s]; layer < cuts[s + 1]; layer++) {
        LayerSpec spec = model.layers().get(layer);
        if (slices[s] > spec.units()) {
          throw new IllegalArgumentException("stage " + s + " cannot cut layer " + layer + " (" + spec.describe()
              + ") into " + slices[s] + " slices: it has " + spec.units() + " units");
        }
        layerSlices.add(List.of(UnitRange.split(spec.units(), slices[s])));
      }
      stages.add(new StagePlan(cuts[s], cuts[s + 1], layerSlices));
    }
    Map<ShardId, String> placement = new LinkedHashMap<>();
    int next = 0;
    for (int r = 0; r < replicas; r++) {
      for (int s = 0; s < stages.size(); s++) {
        for (int p = 0; p < slices[s]; p++) {
          if (next >= nodes.size()) {
            throw new IllegalArgumentException("the plan has more shards than the " + nodes.size() + " nodes given");
          }
          placement.put(new ShardId(r, s, p), nodes.get(next++));
        }
      }
    }
    return new PartitionPlan(replicas, stages, microBatches, schedule, globalBatch, placement);
  }

  /** The whole model as one shard on one node. */
  public static PartitionPlan single(ModelSpec model, int globalBatch, String node) {
    return balanced(model, 1, new int[] {0, model.layers().size()}, new int[] {1}, 1, PipelineSchedule.GPIPE,
        globalBatch, List.of(node));
  }

  public List<ShardId> shards() {
    List<ShardId> shards = new ArrayList<>();
    for (int r = 0; r < replicas; r++) {
      for (int s = 0; s < stages.size(); s++) {
        for (int p = 0; p < stages.get(s).sliceCount(); p++) {
          shards.add(new ShardId(r, s, p));
        }
      }
    }
    return shards;
  }

  /** Samples one micro-batch of one replica holds. */
  public int microBatchSize() {
    return globalBatch / (replicas * microBatches);
  }

  /** "2 replicas × 2 stages (1+2 slices), 4 micro-batches GPIPE, batch 128". */
  public String describe() {
    StringBuilder slices = new StringBuilder();
    for (StagePlan stage : stages) {
      slices.append(slices.isEmpty() ? "" : "+").append(stage.sliceCount());
    }
    return replicas + " replica" + (replicas == 1 ? "" : "s") + " × " + stages.size() + " stage"
        + (stages.size() == 1 ? "" : "s") + " (" + slices + " slice" + (slices.toString().equals("1") ? "" : "s")
        + "), " + microBatches + " micro-batch" + (microBatches == 1 ? "" : "es") + " "
        + schedule.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ", batch " + globalBatch;
  }
}
