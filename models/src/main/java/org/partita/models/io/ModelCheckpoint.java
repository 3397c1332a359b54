package org.partita.models.io;

import java.io.IOException;
import java.nio.file.Path;
import org.partita.models.data.DataFormatException;
import org.partita.models.data.DataPreparation;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.Optimizer;
import org.partita.models.optim.OptimizerSpec;
import org.partita.proto.CheckpointManifestProto;
import org.partita.proto.DataPositionProto;
import org.partita.proto.FormatVersionProto;
import org.partita.proto.ShardFileRefProto;
import org.partita.proto.ShardIdProto;
import org.partita.proto.ShardStateProto;

/**
 * A whole, unsplit model saved as a checkpoint directory with a single shard (replica 0, stage 0,
 * slice 0) and no partition plan — the form the reference trainer writes and {@code evaluate} and
 * {@code predict} read. Distributed checkpoints use the same files with one shard per holder.
 */
public final class ModelCheckpoint {
  public static final ShardIdProto WHOLE_MODEL = ShardIdProto.getDefaultInstance();

  private ModelCheckpoint() {}

  /**
   * What was saved besides the tensors: where training stood. Training goes on with batch
   * {@code batchInEpoch} of epoch {@code epoch} (0-based) as optimizer step {@code step}; with the
   * seed that fixes the data order and every random draw, so a resumed run sees the same batches.
   */
  public record Position(long step, int epoch, int batchInEpoch, long seed) {}

  public static void save(Path directory, ModelSpec model, Optimizer optimizer, Position position) throws IOException {
    save(directory, model, optimizer, null, position);
  }

  /** {@link #save} with how the data was prepared (null: not recorded). */
  public static void save(Path directory, ModelSpec model, Optimizer optimizer, DataPreparation preparation,
      Position position) throws IOException {
    ShardStateProto state = ShardStates.capture(WHOLE_MODEL, position.step(), optimizer);
    ShardFileRefProto shard = CheckpointFiles.writeShard(directory, state);
    CheckpointFiles.writeManifest(directory, manifest(model, optimizer.spec(), preparation, position).addShards(shard)
        .build());
  }

  /**
   * A manifest without shards or plan; callers add the shard files they wrote (and their plan).
   * {@code preparation}: how the samples were prepared, null when not recorded.
   */
  public static CheckpointManifestProto.Builder manifest(ModelSpec model, OptimizerSpec optimizer,
      DataPreparation preparation, Position position) {
    DataPositionProto.Builder data = DataPositionProto.newBuilder().setEpoch(position.epoch())
        .setBatchInEpoch(position.batchInEpoch()).setShuffleSeed(position.seed());
    if (preparation != null) {
      data.setPreparation(PreparationProtos.toProto(preparation));
    }
    return CheckpointManifestProto.newBuilder()
        .setFormatVersion(FormatVersionProto.FORMAT_VERSION_CURRENT_VALUE)
        .setModel(SpecProtos.toProto(model))
        .setOptimizer(SpecProtos.toProto(optimizer))
        .setStep(position.step())
        .setEpoch(position.epoch())
        .setSeed(position.seed())
        .setDataPosition(data)
        .setCreatedUnixMillis(System.currentTimeMillis());
  }

  /** Where training stood when {@code manifest} was written. */
  public static Position position(CheckpointManifestProto manifest) {
    return new Position(manifest.getStep(), manifest.getEpoch(), (int) manifest.getDataPosition().getBatchInEpoch(),
        manifest.getSeed());
  }

  /**
   * How the samples of {@code manifest}'s model were prepared; empty for checkpoints written
   * before it was recorded (Fashion-MNIST models, see {@link DataPreparation#fashionMnist}).
   */
  public static java.util.Optional<DataPreparation> preparation(CheckpointManifestProto manifest, Path file)
      throws DataFormatException {
    if (!manifest.getDataPosition().hasPreparation()) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(PreparationProtos.fromProto(manifest.getDataPosition().getPreparation(),
          "manifest"));
    } catch (IllegalArgumentException e) {
      throw new DataFormatException(file, e.getMessage(), e);
    }
  }

  /** The manifest of a whole-model checkpoint with its specs decoded. */
  public record Saved(Path directory, CheckpointManifestProto manifest, ModelSpec model, OptimizerSpec optimizer) {
    public Position position() {
      return ModelCheckpoint.position(manifest);
    }
  }

  public static Saved read(Path directory) throws IOException {
    CheckpointManifestProto manifest = CheckpointFiles.readManifest(directory);
    Path file = directory.resolve(CheckpointFiles.MANIFEST);
    if (manifest.getShardsCount() != 1 || !manifest.getShards(0).getShard().equals(WHOLE_MODEL)) {
      throw new DataFormatException(file, "holds " + manifest.getShardsCount() + " shards; a whole-model checkpoint "
          + "holds exactly one (replica 0, stage 0, slice 0) — re-shard distributed checkpoints first");
    }
    try {
      return new Saved(directory, manifest, SpecProtos.fromProto(manifest.getModel(), "manifest"),
          SpecProtos.fromProto(manifest.getOptimizer(), "manifest"));
    } catch (IllegalArgumentException e) {
      throw new DataFormatException(file, e.getMessage(), e);
    }
  }

  /** Loads the saved tensors into an optimizer (and so its parameters) built from {@code saved.model()}. */
  public static void restore(Saved saved, Optimizer optimizer) throws IOException {
    ShardFileRefProto reference = saved.manifest().getShards(0);
    ShardStateProto state = CheckpointFiles.readShard(saved.directory(), reference);
    Path file = saved.directory().resolve(reference.getFileName());
    try {
      ShardStates.restore(state, optimizer, "shard state");
    } catch (IllegalArgumentException e) {
      throw new DataFormatException(file, e.getMessage(), e);
    }
  }
}
