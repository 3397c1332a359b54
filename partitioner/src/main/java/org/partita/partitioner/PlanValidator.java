package org.partita.partitioner;

import java.util.ArrayList;
import java.util.List;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.UnitRange;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;

/**
 * Checks a plan against a model and a cluster and lists every problem in words a user can act on:
 * coverage of layers, slice ranges, batch arithmetic, placement and memory per node.
 */
public final class PlanValidator {
  private PlanValidator() {}

  /** Throws {@link IllegalArgumentException} listing all problems, or returns quietly. */
  public static void validate(PartitionPlan plan, ModelSpec model, ClusterSpec cluster, OptimizerSpec optimizer) {
    List<String> problems = problems(plan, model, cluster, optimizer);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("plan " + plan.describe() + " does not fit model '" + model.name() + "': "
          + String.join("; ", problems));
    }
  }

  public static List<String> problems(PartitionPlan plan, ModelSpec model, ClusterSpec cluster,
      OptimizerSpec optimizer) {
    List<String> problems = new ArrayList<>();
    int expectedFirst = 0;
    for (int s = 0; s < plan.stages().size(); s++) {
      StagePlan stage = plan.stages().get(s);
      if (stage.firstLayer() != expectedFirst) {
        problems.add("stage " + s + " starts at layer " + stage.firstLayer() + " but layer " + expectedFirst
            + " is next uncovered");
      }
      expectedFirst = stage.endLayer();
      for (int layer = stage.firstLayer(); layer < Math.min(stage.endLayer(), model.layers().size()); layer++) {
        checkSlices(model.layers().get(layer), layer, s, stage, problems);
      }
    }
    if (expectedFirst != model.layers().size()) {
      problems.add("the stages cover layers up to " + expectedFirst + " but the model has " + model.layers().size());
    }
    if (plan.globalBatch() % (plan.replicas() * plan.microBatches()) != 0) {
      problems.add("global batch " + plan.globalBatch() + " is not divisible by replicas × micro-batches = "
          + plan.replicas() + " × " + plan.microBatches());
    }
    for (ShardId shard : plan.shards()) {
      String node = plan.placement().get(shard);
      if (node == null) {
        problems.add("shard " + shard + " is not placed on any node");
      } else if (!cluster.names().contains(node)) {
        problems.add("shard " + shard + " is placed on unknown node '" + node + "' (cluster: " + cluster.names() + ")");
      }
    }
    if (problems.isEmpty()) {
      checkMemory(plan, model, cluster, optimizer, problems);
    }
    return problems;
  }

  private static void checkSlices(LayerSpec spec, int layer, int stageIndex, StagePlan stage, List<String> problems) {
    List<UnitRange> slices = stage.layerSlices().get(layer - stage.firstLayer());
    if (slices.size() != stage.sliceCount()) {
      problems.add("stage " + stageIndex + " has " + stage.sliceCount() + " slices but layer " + layer + " ("
          + spec.describe() + ") is cut into " + slices.size());
      return;
    }
    int next = 0;
    int smallest = Integer.MAX_VALUE;
    int largest = 0;
    for (int p = 0; p < slices.size(); p++) {
      UnitRange range = slices.get(p);
      if (range.begin() != next) {
        problems.add("slice " + p + " of layer " + layer + " (" + spec.describe() + ") starts at unit " + range.begin()
            + " but unit " + next + " is next uncovered");
      }
      next = range.end();
      smallest = Math.min(smallest, range.size());
      largest = Math.max(largest, range.size());
    }
    if (next != spec.units()) {
      problems.add("the slices of layer " + layer + " (" + spec.describe() + ") end at unit " + next + " of "
          + spec.units());
    }
    if (largest - smallest > 1) {
      problems.add("the slices of layer " + layer + " (" + spec.describe() + ") are unbalanced: " + smallest + " to "
          + largest + " units");
    }
  }

  private static void checkMemory(PartitionPlan plan, ModelSpec model, ClusterSpec cluster, OptimizerSpec optimizer,
      List<String> problems) {
    for (NodeSpec node : cluster.nodes()) {
      long need = MemoryModel.node(model, plan, node.name(), optimizer);
      if (need > node.memoryBytes()) {
        StringBuilder shards = new StringBuilder();
        for (var entry : plan.placement().entrySet()) {
          if (entry.getValue().equals(node.name())) {
            ShardId shard = entry.getKey();
            StagePlan stage = plan.stages().get(shard.stage());
            shards.append(shards.isEmpty() ? "" : ", ").append("stage ").append(shard.stage()).append(" slice ")
                .append(shard.slice()).append(" of layers ").append(stage.firstLayer()).append("–")
                .append(stage.endLayer() - 1).append(" (").append(describeLayers(model, stage)).append(") needs ")
                .append(MemoryModel.shard(model, plan, shard, optimizer).describe());
          }
        }
        problems.add(shards + "; with the runtime's " + ShardMemory.mebibytes(MemoryModel.RUNTIME_BASE) + " and "
            + Math.round(100 * (1 - MemoryModel.HEAP_FILL)) + "% of the heap free for the collector, node "
            + node.name() + " needs " + ShardMemory.mebibytes(need) + " but offers "
            + ShardMemory.mebibytes(node.memoryBytes()));
      }
    }
  }

  private static String describeLayers(ModelSpec model, StagePlan stage) {
    List<String> names = new ArrayList<>();
    for (int layer = stage.firstLayer(); layer < stage.endLayer(); layer++) {
      names.add(model.layers().get(layer).describe());
    }
    return String.join(", ", names);
  }
}
