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
