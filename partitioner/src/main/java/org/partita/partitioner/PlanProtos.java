package org.partita.partitioner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.partita.models.io.SpecProtos;
import org.partita.models.layers.UnitRange;
import org.partita.proto.FormatVersionProto;
import org.partita.proto.LayerSplitProto;
import org.partita.proto.PartitionPlanProto;
import org.partita.proto.PipelineScheduleProto;
import org.partita.proto.PlacementProto;
import org.partita.proto.ShardIdProto;
import org.partita.proto.StageProto;
import org.partita.proto.UnitRangeProto;

/** Partition plans to and from their wire form; reading names the source and field on errors. */
public final class PlanProtos {
  private PlanProtos() {}

  public static PartitionPlanProto toProto(PartitionPlan plan) {
    PartitionPlanProto.Builder builder = PartitionPlanProto.newBuilder()
        .setFormatVersion(FormatVersionProto.FORMAT_VERSION_CURRENT_VALUE)
        .setReplicas(plan.replicas()).setMicroBatches(plan.microBatches())
        .setSchedule(PipelineScheduleProto.valueOf(plan.schedule().name())).setGlobalBatch(plan.globalBatch());
    for (StagePlan stage : plan.stages()) {
      StageProto.Builder stageProto = StageProto.newBuilder().setFirstLayer(stage.firstLayer())
          .setEndLayer(stage.endLayer()).setSliceCount(stage.sliceCount());
      for (int layer = stage.firstLayer(); layer < stage.endLayer(); layer++) {
        LayerSplitProto.Builder split = LayerSplitProto.newBuilder().setLayer(layer);
        for (UnitRange range : stage.layerSlices().get(layer - stage.firstLayer())) {
          split.addSlices(UnitRangeProto.newBuilder().setBegin(range.begin()).setEnd(range.end()));
        }
        stageProto.addLayers(split);
      }
      builder.addStages(stageProto);
    }
    plan.placement().forEach((shard, node) -> builder.addPlacements(PlacementProto.newBuilder()
        .setShard(toProto(shard)).setNode(node)));
    return builder.build();
  }

  public static PartitionPlan fromProto(PartitionPlanProto proto, String source) {
    SpecProtos.checkVersion(proto.getFormatVersion(), source + ": partition plan");
    try {
      List<StagePlan> stages = new ArrayList<>();
      for (int s = 0; s < proto.getStagesCount(); s++) {
        StageProto stage = proto.getStages(s);
        List<List<UnitRange>> layers = new ArrayList<>();
        for (int l = 0; l < stage.getLayersCount(); l++) {
          LayerSplitProto split = stage.getLayers(l);
          if (split.getLayer() != stage.getFirstLayer() + l) {
            throw new IllegalArgumentException("stages[" + s + "].layers[" + l + "] is layer " + split.getLayer()
                + ", expected " + (stage.getFirstLayer() + l));
          }
          List<UnitRange> ranges = new ArrayList<>();
          for (UnitRangeProto range : split.getSlicesList()) {
            ranges.add(new UnitRange(range.getBegin(), range.getEnd()));
          }
          layers.add(ranges);
        }
        stages.add(new StagePlan(stage.getFirstLayer(), stage.getEndLayer(), layers));
      }
      Map<ShardId, String> placement = new LinkedHashMap<>();
      for (PlacementProto entry : proto.getPlacementsList()) {
        ShardIdProto id = entry.getShard();
        placement.put(new ShardId(id.getReplica(), id.getStage(), id.getSlice()), entry.getNode());
      }
      PipelineSchedule schedule = proto.getSchedule() == PipelineScheduleProto.ONE_F_ONE_B
          ? PipelineSchedule.ONE_F_ONE_B : PipelineSchedule.GPIPE;
      return new PartitionPlan(proto.getReplicas(), stages, proto.getMicroBatches(), schedule, proto.getGlobalBatch(),
          placement);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": partition plan: " + e.getMessage(), e);
    }
  }

  public static ShardIdProto toProto(ShardId shard) {
    return ShardIdProto.newBuilder().setReplica(shard.replica()).setStage(shard.stage()).setSlice(shard.slice()).build();
  }

  public static ShardId fromProto(ShardIdProto shard) {
    return new ShardId(shard.getReplica(), shard.getStage(), shard.getSlice());
  }
}
