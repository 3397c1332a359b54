package org.partita.partitioner;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.partita.models.data.DataFormatException;
import org.partita.models.io.CheckpointFiles;
import org.partita.models.io.ModelCheckpoint;
import org.partita.models.io.SpecProtos;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;
import org.partita.proto.CheckpointManifestProto;
import org.partita.proto.ShardFileRefProto;
import org.partita.proto.ShardStateProto;

/**
 * A checkpoint of any plan — the reference trainer's single shard or a cluster's one file per
 * shard — read, checked (every file's size and SHA-256 against the manifest) and merged into the
 * whole model's state, ready to be split for whatever plan training resumes with. {@code plan} is
 * the plan it was saved with, or null for a whole-model checkpoint.
 */
public record LoadedCheckpoint(Path directory, ModelSpec model, OptimizerSpec optimizer, PartitionPlan plan,
    ModelCheckpoint.Position position, ShardStateProto whole) {

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
    return new LoadedCheckpoint(directory, model, optimizer, plan, ModelCheckpoint.position(manifest), whole);
  }
}
