package org.partita.partitioner;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.partita.models.data.DataFormatException;
import org.partita.models.data.DataPreparation;
import org.partita.models.io.CheckpointFiles;
import org.partita.models.io.ModelCheckpoint;
import org.partita.models.io.SpecProtos;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.CheckpointSchedule;
import org.partita.proto.CheckpointManifestProto;
import org.partita.proto.ShardFileRefProto;
import org.partita.proto.ShardStateProto;

/**
 * A checkpoint of any plan — the reference trainer's single shard or a cluster's one file per
 * shard — read, checked (every file's size and SHA-256 against the manifest) and merged into the
 * whole model's state, ready to be split for whatever plan training resumes with. {@code plan} is
 * the plan it was saved with, or null for a whole-model checkpoint; {@code preparation} how its
 * samples were prepared, or null for checkpoints written before that was recorded.
 */
public record LoadedCheckpoint(Path directory, ModelSpec model, OptimizerSpec optimizer, PartitionPlan plan,
    ModelCheckpoint.Position position, ShardStateProto whole, DataPreparation preparation) {

  /**
   * The newest checkpoint under {@code root} (a directory of step-N checkpoints) that reads back
   * whole, for runs that resume unattended: recovery after a lost worker, a retried Spark stage.
   * A newer complete checkpoint that is damaged — a file missing, cut short or failing its
   * checksum — is passed over and {@code skipped} is told which file and why, so training goes on
   * from the last good state rather than stopping; the damaged directory is left as it is. Empty
   * when {@code root} holds no complete checkpoint; an error naming every damaged one when none reads.
   */
  public static Optional<LoadedCheckpoint> newestReadable(Path root, Consumer<String> skipped) throws IOException {
    List<Path> complete = CheckpointSchedule.complete(root);
    List<String> damaged = new ArrayList<>();
    for (int i = complete.size() - 1; i >= 0; i--) {
      try {
        return Optional.of(read(complete.get(i)));
      } catch (IOException e) {
        String why = "checkpoint " + complete.get(i) + " is damaged: " + e.getMessage();
        damaged.add(why);
        if (i > 0) {
          skipped.accept(why + "; trying the one before it");
        }
      }
    }
    if (!damaged.isEmpty()) {
      throw new DataFormatException(root, "no checkpoint in it reads back whole: " + String.join("; ", damaged));
    }
    return Optional.empty();
  }

  public static LoadedCheckpoint read(Path directory) throws IOException {
    CheckpointManifestProto manifest = CheckpointFiles.readManifest(directory);
    Path manifestFile = directory.resolve(CheckpointFiles.MANIFEST);
    ModelSpec model;
    OptimizerSpec optimizer;
    PartitionPlan plan;
    try {
      model = SpecProtos.fromProto(manifest.getModel(), manifestFile + ": model");
      optimizer = SpecProtos.fromProto(manifest.getOptimizer(), manifestFile + ": optimizer");
      plan = manifest.hasPlan() ? PlanProtos.fromProto(manifest.getPlan(), manifestFile + ": plan") : null;
    } catch (IllegalArgumentException e) {
      throw new DataFormatException(manifestFile, e.getMessage(), e);
    }
    Map<ShardId, ShardStateProto> states = new LinkedHashMap<>();
    for (ShardFileRefProto reference : manifest.getShardsList()) {
      states.put(PlanProtos.fromProto(reference.getShard()), CheckpointFiles.readShard(directory, reference));
    }
    ShardStateProto whole;
    try {
      if (plan == null) {
        if (states.size() != 1) {
          throw new IllegalArgumentException("names " + states.size() + " shard files but no plan to join them");
        }
        whole = states.values().iterator().next();
      } else {
        whole = StateResharding.merge(model, plan, states);
      }
    } catch (IllegalArgumentException e) {
      throw new DataFormatException(manifestFile, e.getMessage(), e);
    }
    return new LoadedCheckpoint(directory, model, optimizer, plan, ModelCheckpoint.position(manifest), whole,
        ModelCheckpoint.preparation(manifest, manifestFile).orElse(null));
  }
}
