package org.partita.runtime.shard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.UnitRange;
import org.partita.models.network.ModelSpec;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.ShardId;
import org.partita.partitioner.StagePlan;

/**
 * What one shard knows of the plan: the layers of its stage and its units in each, its siblings
 * (the other slices of the stage), the slices of the stages before and after, and which rows of
 * every exchanged tensor each of them owns.
 */
final class ShardLayout {
  private final ShardId id;
  private final ModelSpec model;
  private final PartitionPlan plan;
  private final StagePlan stage;
  private final Map<Long, RowSelection> selections = new HashMap<>();

  ShardLayout(ShardId id, ModelSpec model, PartitionPlan plan) {
    if (id.stage() >= plan.stages().size() || id.slice() >= plan.stages().get(id.stage()).sliceCount()
        || id.replica() >= plan.replicas()) {
      throw new IllegalArgumentException("shard " + id + " is not part of the plan " + plan.describe());
    }
    this.id = id;
    this.model = model;
    this.plan = plan;
    this.stage = plan.stages().get(id.stage());
  }

  ShardId id() {
    return id;
  }

  ModelSpec model() {
    return model;
  }

  PartitionPlan plan() {
    return plan;
  }

  int firstLayer() {
    return stage.firstLayer();
  }

  int endLayer() {
    return stage.endLayer();
  }

  int layerCount() {
    return stage.layerCount();
  }

  boolean firstStage() {
    return id.stage() == 0;
  }

  boolean lastStage() {
    return id.stage() == plan.stages().size() - 1;
  }

  int slices() {
    return stage.sliceCount();
  }

  /** Slices of stage {@code stageIndex} (same replica). */
  int slicesOf(int stageIndex) {
    return plan.stages().get(stageIndex).sliceCount();
  }

  /** This shard's units of {@code layer}. */
  UnitRange units(int layer) {
    return stage.units(layer, id.slice());
  }

  LayerSpec spec(int layer) {
    return model.layers().get(layer);
  }

  /** The shards of {@code stageIndex} in this shard's replica, slice by slice. */
  List<ShardId> stageShards(int stageIndex) {
    List<ShardId> shards = new ArrayList<>();
    for (int p = 0; p < slicesOf(stageIndex); p++) {
      shards.add(new ShardId(id.replica(), stageIndex, p));
    }
    return shards;
  }

  /** Rows of {@code layer}'s whole output owned by slice {@code slice} of the stage holding the layer. */
  RowSelection rowsOf(int layer, int slice) {
    long key = ((long) layer << 32) | slice;
    return selections.computeIfAbsent(key, k -> RowSelection.of(spec(layer), stageOf(layer).units(layer, slice)));
  }

  UnitRange unitsOf(int layer, int slice) {
    return stageOf(layer).units(layer, slice);
  }

  private StagePlan stageOf(int layer) {
    for (StagePlan candidate : plan.stages()) {
      if (candidate.contains(layer)) {
        return candidate;
      }
    }
    throw new IllegalArgumentException("layer " + layer + " is in no stage of " + plan.describe());
  }
}
