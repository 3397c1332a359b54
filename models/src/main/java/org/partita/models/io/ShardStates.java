package org.partita.models.io;

import java.util.ArrayList;
import java.util.List;
import org.partita.models.layers.Parameter;
import org.partita.models.layers.ParameterKind;
import org.partita.models.layers.UnitRange;
import org.partita.models.optim.Optimizer;
import org.partita.models.optim.UpdateRule;
import org.partita.models.tensor.TensorCodec;
import org.partita.proto.FormatVersionProto;
import org.partita.proto.OptimizerSlotProto;
import org.partita.proto.OptimizerStateProto;
import org.partita.proto.ParameterKindProto;
import org.partita.proto.ParameterProto;
import org.partita.proto.ShardIdProto;
import org.partita.proto.ShardStateProto;
import org.partita.proto.UnitRangeProto;

/**
 * A shard's parameters and optimizer state to and from {@link ShardStateProto}. Tensors are
 * matched by (layer, kind, unit range), never by position, and restoring checks every shape, so
 * a checkpoint from a different model or split is refused with the tensor named.
 */
public final class ShardStates {
  private ShardStates() {}

  public static ShardStateProto capture(ShardIdProto shard, long step, Optimizer optimizer) {
    ShardStateProto.Builder builder = ShardStateProto.newBuilder()
        .setFormatVersion(FormatVersionProto.FORMAT_VERSION_CURRENT_VALUE)
        .setShard(shard)
        .setStep(step)
        .setOptimizerSteps(optimizer.updates());
    List<OptimizerSlotProto> slots = slotsOf(optimizer.spec().rule());
    for (int p = 0; p < optimizer.parameters().size(); p++) {
      Parameter parameter = optimizer.parameters().get(p);
      builder.addParameters(ParameterProto.newBuilder().setLayer(parameter.layer())
          .setKind(kind(parameter.kind())).setUnits(range(parameter.units()))
          .setValue(TensorCodec.encode(parameter.value())));
      for (int s = 0; s < slots.size(); s++) {
        builder.addOptimizerState(OptimizerStateProto.newBuilder().setLayer(parameter.layer())
            .setParameter(kind(parameter.kind())).setSlot(slots.get(s)).setUnits(range(parameter.units()))
            .setValue(TensorCodec.encode(optimizer.slot(p, s), 0, parameter.value().rows, parameter.value().columns)));
      }
    }
    return builder.build();
  }

  /** Loads values and optimizer state into the optimizer's parameters; {@code source} names the file. */
  public static void restore(ShardStateProto state, Optimizer optimizer, String source) {
    List<OptimizerSlotProto> slots = slotsOf(optimizer.spec().rule());
    List<String> missing = new ArrayList<>();
    for (int p = 0; p < optimizer.parameters().size(); p++) {
      Parameter parameter = optimizer.parameters().get(p);
      String what = source + ": " + parameter;
      ParameterProto stored = findParameter(state, parameter);
      if (stored == null) {
        missing.add(parameter.toString());
        continue;
      }
      TensorCodec.decodeInto(stored.getValue(), parameter.value(), what);
      for (int s = 0; s < slots.size(); s++) {
        OptimizerStateProto slot = findSlot(state, parameter, slots.get(s));
        if (slot == null) {
          missing.add(parameter + " optimizer " + slots.get(s));
          continue;
        }
        TensorCodec.decodeInto(slot.getValue(), optimizer.slot(p, s), 0, parameter.length(),
            what + " optimizer " + slots.get(s));
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(source + ": checkpoint lacks " + missing
          + " — it was written for a different model, split or optimizer");
    }
    optimizer.restoreUpdates(state.getOptimizerSteps());
  }

  private static ParameterProto findParameter(ShardStateProto state, Parameter parameter) {
    for (ParameterProto stored : state.getParametersList()) {
      if (stored.getLayer() == parameter.layer() && stored.getKind() == kind(parameter.kind())
          && stored.getUnits().equals(range(parameter.units()))) {
        return stored;
      }
    }
    return null;
  }

  private static OptimizerStateProto findSlot(ShardStateProto state, Parameter parameter, OptimizerSlotProto slot) {
    for (OptimizerStateProto stored : state.getOptimizerStateList()) {
      if (stored.getLayer() == parameter.layer() && stored.getParameter() == kind(parameter.kind())
          && stored.getSlot() == slot && stored.getUnits().equals(range(parameter.units()))) {
        return stored;
      }
    }
    return null;
  }

  /** The optimizer's state arrays in slot order, as the wire names them. */
  static List<OptimizerSlotProto> slotsOf(UpdateRule rule) {
    if (rule instanceof UpdateRule.Momentum) {
      return List.of(OptimizerSlotProto.VELOCITY);
    }
    if (rule instanceof UpdateRule.Adam) {
      return List.of(OptimizerSlotProto.ADAM_FIRST_MOMENT, OptimizerSlotProto.ADAM_SECOND_MOMENT);
    }
    return List.of();
  }

  static ParameterKindProto kind(ParameterKind kind) {
    return ParameterKindProto.valueOf(kind.name());
  }

  static UnitRangeProto range(UnitRange units) {
    return UnitRangeProto.newBuilder().setBegin(units.begin()).setEnd(units.end()).build();
  }
}
