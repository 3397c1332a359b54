package org.partita.models.io;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.WireFormat;
import java.io.IOException;
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
import org.partita.proto.TensorProto;
import org.partita.proto.UnitRangeProto;

/**
 * A shard's parameters and optimizer state to and from {@link ShardStateProto}. Tensors are
 * matched by (layer, kind, unit range), never by position, and restoring checks every shape, so
 * a checkpoint from a different model or split is refused with the tensor named.
 */
public final class ShardStates {
  /** 1 MiB of values per piece of a {@link #stream}. */
  private static final int VALUES_PER_PIECE = 1 << 18;

  private ShardStates() {}

  public static ShardStateProto capture(ShardIdProto shard, long step, Optimizer optimizer) {
    ShardStateProto.Builder builder = header(shard, step, optimizer).toBuilder();
    List<OptimizerSlotProto> slots = slotsOf(optimizer.spec().rule());
    for (int p = 0; p < optimizer.parameters().size(); p++) {
      Parameter parameter = optimizer.parameters().get(p);
      builder.addParameters(parameter(parameter, TensorCodec.encode(parameter.value())));
      for (int s = 0; s < slots.size(); s++) {
        builder.addOptimizerState(slot(parameter, slots.get(s),
            TensorCodec.encode(optimizer.slot(p, s), 0, parameter.value().rows, parameter.value().columns)));
      }
    }
    return builder.build();
  }

  /**
   * The serialized state {@link #capture} gives (the same message when parsed), produced piece by
   * piece: values are encoded only when the reader reaches them, a megabyte at a time, so a shard
   * whose state is most of its heap can still send or write it. Sizes are known without encoding
   * anything. The values are read where they live, so the optimizer must not step until the
   * stream has been read to its end (shards stream between rounds).
   */
  public static StateStream stream(ShardIdProto shard, long step, Optimizer optimizer) {
    List<OptimizerSlotProto> slots = slotsOf(optimizer.spec().rule());
    List<StateStream.Piece> pieces = new ArrayList<>();
    ByteString header = header(shard, step, optimizer).toByteString();
    pieces.add(new StateStream.Piece(header.size(), () -> header));
    for (int p = 0; p < optimizer.parameters().size(); p++) {
      Parameter parameter = optimizer.parameters().get(p);
      int rows = parameter.value().rows;
      int columns = parameter.value().columns;
      element(pieces, ShardStateProto.PARAMETERS_FIELD_NUMBER, parameter(parameter, TensorCodec.shape(rows, columns)),
          ParameterProto.VALUE_FIELD_NUMBER, parameter.value().data, rows * columns);
      for (int s = 0; s < slots.size(); s++) {
        element(pieces, ShardStateProto.OPTIMIZER_STATE_FIELD_NUMBER,
            slot(parameter, slots.get(s), TensorCodec.shape(rows, columns)), OptimizerStateProto.VALUE_FIELD_NUMBER,
            optimizer.slot(p, s), rows * columns);
      }
    }
    return new StateStream(pieces);
  }

  private static ShardStateProto header(ShardIdProto shard, long step, Optimizer optimizer) {
    return ShardStateProto.newBuilder()
        .setFormatVersion(FormatVersionProto.FORMAT_VERSION_CURRENT_VALUE)
        .setShard(shard)
        .setStep(step)
        .setOptimizerSteps(optimizer.updates())
        .build();
  }

  private static ParameterProto parameter(Parameter parameter, TensorProto value) {
    return ParameterProto.newBuilder().setLayer(parameter.layer()).setKind(kind(parameter.kind()))
        .setUnits(range(parameter.units())).setValue(value).build();
  }

  private static OptimizerStateProto slot(Parameter parameter, OptimizerSlotProto slot, TensorProto value) {
    return OptimizerStateProto.newBuilder().setLayer(parameter.layer()).setParameter(kind(parameter.kind()))
        .setSlot(slot).setUnits(range(parameter.units())).setValue(value).build();
  }

  /**
   * One element of a repeated message field whose tensor's values come last and uncopied:
   * {@code withShape} (its tensor holding only the shape) is followed, inside the same element, by
   * a second occurrence of the tensor field carrying just the values — protobuf merges repeated
   * occurrences of a message field, so the element parses as if written in one piece. The prefix is
   * all that is encoded up front; the values, {@link #VALUES_PER_PIECE} at a time, when read — a
   * heap nearly filled by the state need not find room for a whole tensor's bytes.
   */
  private static void element(List<StateStream.Piece> pieces, int field, MessageLite withShape, int tensorField,
      float[] values, int count) {
    int valueBytes = Math.multiplyExact(count, Float.BYTES);
    int dataField = CodedOutputStream.computeTagSize(TensorProto.DATA_FIELD_NUMBER)
        + CodedOutputStream.computeUInt32SizeNoTag(valueBytes) + valueBytes;
    int element = withShape.getSerializedSize() + CodedOutputStream.computeTagSize(tensorField)
        + CodedOutputStream.computeUInt32SizeNoTag(dataField) + dataField;
    ByteString.Output prefix = ByteString.newOutput();
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(prefix);
      out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt32NoTag(element);
      withShape.writeTo(out);
      out.writeTag(tensorField, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt32NoTag(dataField);
      out.writeTag(TensorProto.DATA_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.writeUInt32NoTag(valueBytes);
      out.flush();
    } catch (IOException e) {
      throw new IllegalStateException("writing into memory cannot fail", e);
    }
    ByteString head = prefix.toByteString();
    pieces.add(new StateStream.Piece(head.size(), () -> head));
    for (int from = 0; from < count; from += VALUES_PER_PIECE) {
      int first = from;
      int length = Math.min(VALUES_PER_PIECE, count - from);
      pieces.add(new StateStream.Piece((long) length * Float.BYTES, () -> TensorCodec.bytes(values, first, length)));
    }
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
