package org.partita.partitioner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jblas.FloatMatrix;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.UnitRange;
import org.partita.models.network.ModelSpec;
import org.partita.models.tensor.TensorCodec;
import org.partita.proto.OptimizerStateProto;
import org.partita.proto.ParameterProto;
import org.partita.proto.ShardIdProto;
import org.partita.proto.ShardStateProto;
import org.partita.proto.TensorProto;
import org.partita.proto.UnitRangeProto;

/**
 * Joins the states of one replica's shards into the state of the whole model (one shard holding
 * every unit), with {@link ParameterSharding}: merged tensors equal the unsplit ones exactly. Used
 * to hand back a trained model and to move a checkpoint between plans.
 */
public final class StateResharding {
  private StateResharding() {}

  /** {@code states} holds one state per shard of replica 0 of {@code plan}, in any order. */
  public static ShardStateProto merge(ModelSpec model, PartitionPlan plan, Map<ShardId, ShardStateProto> states) {
    Map<String, List<ParameterProto>> parameters = new LinkedHashMap<>();
    Map<String, List<OptimizerStateProto>> slots = new LinkedHashMap<>();
    ShardStateProto first = null;
    for (int s = 0; s < plan.stages().size(); s++) {
      for (int p = 0; p < plan.stages().get(s).sliceCount(); p++) {
        ShardId shard = new ShardId(0, s, p);
        ShardStateProto state = states.get(shard);
        if (state == null) {
          throw new IllegalArgumentException("no state for shard " + shard + " of " + plan.describe());
        }
        first = first == null ? state : first;
        for (ParameterProto parameter : state.getParametersList()) {
          parameters.computeIfAbsent(parameter.getLayer() + "/" + parameter.getKind(), k -> new ArrayList<>())
              .add(parameter);
        }
        for (OptimizerStateProto slot : state.getOptimizerStateList()) {
          slots.computeIfAbsent(slot.getLayer() + "/" + slot.getParameter() + "/" + slot.getSlot(),
              k -> new ArrayList<>()).add(slot);
        }
      }
    }
    ShardStateProto.Builder whole = ShardStateProto.newBuilder().setFormatVersion(first.getFormatVersion())
        .setShard(ShardIdProto.getDefaultInstance()).setStep(first.getStep())
        .setOptimizerSteps(first.getOptimizerSteps());
    for (List<ParameterProto> parts : parameters.values()) {
      ParameterProto head = parts.get(0);
      LayerSpec spec = model.layers().get(head.getLayer());
      whole.addParameters(head.toBuilder().setUnits(all(spec))
          .setValue(join(spec, parts.stream().map(ParameterProto::getValue).toList(),
              parts.stream().map(ParameterProto::getUnits).toList(), plan, head.getLayer())));
    }
    for (List<OptimizerStateProto> parts : slots.values()) {
      OptimizerStateProto head = parts.get(0);
      LayerSpec spec = model.layers().get(head.getLayer());
      whole.addOptimizerState(head.toBuilder().setUnits(all(spec))
          .setValue(join(spec, parts.stream().map(OptimizerStateProto::getValue).toList(),
              parts.stream().map(OptimizerStateProto::getUnits).toList(), plan, head.getLayer())));
    }
    return whole.build();
  }

  /**
   * The part of the whole model's state {@code whole} that shard {@code shard} of {@code plan}
   * holds: its stage's layers, its units of each; parameters and optimizer state alike. With
   * {@link #merge} this moves a checkpoint between any two plans.
   */
  public static ShardStateProto split(ModelSpec model, ShardStateProto whole, PartitionPlan plan, ShardId shard) {
    StagePlan stage = plan.stages().get(shard.stage());
    ShardStateProto.Builder part = ShardStateProto.newBuilder().setFormatVersion(whole.getFormatVersion())
        .setShard(PlanProtos.toProto(shard)).setStep(whole.getStep()).setOptimizerSteps(whole.getOptimizerSteps());
    for (ParameterProto parameter : whole.getParametersList()) {
      if (stage.contains(parameter.getLayer())) {
        UnitRange units = stage.units(parameter.getLayer(), shard.slice());
        part.addParameters(parameter.toBuilder().setUnits(range(units))
            .setValue(cut(model, parameter.getLayer(), parameter.getValue(), units)));
      }
    }
    for (OptimizerStateProto slot : whole.getOptimizerStateList()) {
      if (stage.contains(slot.getLayer())) {
        UnitRange units = stage.units(slot.getLayer(), shard.slice());
        part.addOptimizerState(slot.toBuilder().setUnits(range(units))
            .setValue(cut(model, slot.getLayer(), slot.getValue(), units)));
      }
    }
    return part.build();
  }

  private static TensorProto cut(ModelSpec model, int layer, TensorProto whole, UnitRange units) {
    LayerSpec spec = model.layers().get(layer);
    if (units.begin() == 0 && units.end() == spec.units()) {
      return whole;
    }
    FloatMatrix matrix = TensorCodec.decodeMatrix(whole, "layer " + layer + " (" + spec.describe() + ")");
    return TensorCodec.encode(ParameterSharding.split(spec, matrix, List.of(units)).get(0));
  }

  private static UnitRangeProto range(UnitRange units) {
    return UnitRangeProto.newBuilder().setBegin(units.begin()).setEnd(units.end()).build();
  }

  private static TensorProto join(LayerSpec spec, List<TensorProto> values, List<UnitRangeProto> units,
      PartitionPlan plan, int layer) {
    List<FloatMatrix> parts = new ArrayList<>();
    List<UnitRange> ranges = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      String what = "layer " + layer + " (" + spec.describe() + ") units [" + units.get(i).getBegin() + ", "
          + units.get(i).getEnd() + ") of " + plan.describe();
      parts.add(TensorCodec.decodeMatrix(values.get(i), what));
      ranges.add(new UnitRange(units.get(i).getBegin(), units.get(i).getEnd()));
    }
    return TensorCodec.encode(ParameterSharding.merge(spec, parts, ranges));
  }

  private static UnitRangeProto all(LayerSpec spec) {
    return UnitRangeProto.newBuilder().setBegin(0).setEnd(spec.units()).build();
  }
}
