package org.partita.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jblas.FloatMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.CommandRunner.Outcome;
import org.partita.models.blas.Blas;
import org.partita.models.io.CheckpointFiles;
import org.partita.models.io.ModelCheckpoint;
import org.partita.models.io.ShardStates;
import org.partita.models.layers.Activation;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.GruSpec;
import org.partita.models.layers.LstmSpec;
import org.partita.models.layers.Shape;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.onnx.ExportOptions;
import org.partita.models.onnx.OnnxExport;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.TrainingConfig;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PipelineSchedule;
import org.partita.partitioner.PlanProtos;
import org.partita.partitioner.ShardId;
import org.partita.partitioner.StateResharding;
import org.partita.proto.ShardFileRefProto;
import org.partita.proto.ShardStateProto;
import org.partita.proto.onnx.Onnx.ModelProto;

/**
 * {@code partita export}: the same weights give the same file, byte for byte, whether the
 * reference trainer saved them or the shards of a 2-slice, a 2-replica or a 2-stage plan did (the
 * sharded checkpoints are written as a cluster writes them: replica 0's shards, each cut from the
 * whole state, and a manifest naming the plan); a Fashion-MNIST classifier gets its pixel
 * statistics and class names; bad input exits 2 naming the file, and nothing is overwritten
 * without --force. Whether the files compute the right thing is OnnxRuntimeTest's concern (models).
 */
class ExportCommandTest {
  @TempDir
  Path directory;

  private static final ModelSpec MODEL = new ModelSpec("recurrent", new Shape(5, 3, 1), List.of(
      new GruSpec(3, 4, 5, true), new LstmSpec(4, 4, 5, false), new DenseSpec(4, 3, Activation.IDENTITY)),
      Loss.SOFTMAX_CROSS_ENTROPY, 9);
  private static final TrainingConfig CONFIG = new TrainingConfig(1, 4, 1, OptimizerSpec.adam(0.01f));

  @Test
  void theSameWeightsGiveTheSameFileWhicheverPlanSavedThem() throws Exception {
    LocalTrainer trainer = new LocalTrainer(MODEL, CONFIG, Blas.get());
    FloatMatrix inputs = FloatMatrix.rand(15, 4);
    FloatMatrix targets = new FloatMatrix(3, 4);
    for (int c = 0; c < 4; c++) {
      targets.put(c % 3, c, 1f);
    }
    for (int step = 0; step < 3; step++) {
      trainer.trainStep(inputs, targets, 0);
    }
    ModelCheckpoint.Position position = new ModelCheckpoint.Position(3, 0, 3, 1);
    trainer.saveCheckpoint(directory.resolve("reference"), position);
    ShardStateProto whole = ShardStates.capture(ModelCheckpoint.WHOLE_MODEL, 3, trainer.optimizer());
    Map<String, PartitionPlan> plans = Map.of(
        "two-slices", PartitionPlan.balanced(MODEL, 1, new int[] {0, 3}, new int[] {2}, 1, PipelineSchedule.GPIPE, 4,
            List.of("a", "b")),
        "two-replicas", PartitionPlan.balanced(MODEL, 2, new int[] {0, 3}, new int[] {1}, 1, PipelineSchedule.GPIPE, 4,
            List.of("a", "b")),
        "two-stages", PartitionPlan.balanced(MODEL, 1, new int[] {0, 1, 3}, new int[] {2, 1}, 2,
            PipelineSchedule.GPIPE, 4, List.of("a", "b", "c")));
    for (Map.Entry<String, PartitionPlan> plan : plans.entrySet()) {
      saveSharded(directory.resolve(plan.getKey()), whole, plan.getValue(), position);
    }

    byte[] expected = OnnxExport.model(trainer.network(), ExportOptions.NONE).toByteArray();
    for (String saved : List.of("reference", "two-slices", "two-replicas", "two-stages")) {
      Path file = directory.resolve(saved + ".onnx");
      Outcome outcome = CommandRunner.run("export", "--checkpoint", directory.resolve(saved).toString(),
          "--out", file.toString());
      assertEquals(ExitCode.OK, outcome.exitCode(), outcome.err());
      assertTrue(outcome.out().contains("wrote " + file), outcome.out());
      assertTrue(outcome.out().contains("input 'input' float32 [N, 5, 3] (N×T×F)"), outcome.out());
      assertArrayEquals(expected, Files.readAllBytes(file), saved + ": not the reference trainer's file");
    }
  }

  /** As a cluster saves: each shard of replica 0 its own file, then the manifest with the plan. */
  private static void saveSharded(Path checkpoint, ShardStateProto whole, PartitionPlan plan,
      ModelCheckpoint.Position position) throws Exception {
    List<ShardFileRefProto> files = new ArrayList<>();
    for (ShardId shard : plan.shards()) {
      if (shard.replica() == 0) {
        files.add(CheckpointFiles.writeShard(checkpoint, StateResharding.split(MODEL, whole, plan, shard)));
      }
    }
    CheckpointFiles.writeManifest(checkpoint, ModelCheckpoint.manifest(MODEL, CONFIG.optimizer(), CONFIG.preparation(), position)
        .setPlan(PlanProtos.toProto(plan)).addAllShards(files).build());
  }

  @Test
  void aFashionMnistClassifierCarriesItsPixelStatisticsAndClassNames() throws Exception {
    LocalTrainer trainer = new LocalTrainer(StandardModels.cnn(3), CONFIG, Blas.get());
    trainer.saveCheckpoint(directory.resolve("cnn"), new ModelCheckpoint.Position(0, 0, 0, 1));
    Path file = directory.resolve("cnn.onnx");
    Outcome outcome = CommandRunner.run("export", "--checkpoint", directory.resolve("cnn").toString(),
        "--out", file.toString());
    assertEquals(ExitCode.OK, outcome.exitCode(), outcome.err());
    assertTrue(outcome.out().contains("float32 [N, 1, 28, 28] (N×C×H×W), standardisation folded in; outputs logits "
        + "and probabilities"), outcome.out());
    ModelProto model = ModelProto.parseFrom(Files.readAllBytes(file));
    Map<String, String> metadata = model.getMetadataPropsList().stream()
        .collect(Collectors.toMap(entry -> entry.getKey(), entry -> entry.getValue()));
    assertTrue(metadata.get("partita.classes").startsWith("[\"T-shirt/top\",\"Trouser\","), metadata.toString());
    assertEquals("folded into the graph, 1 block", metadata.get("partita.input_standardization"));
  }

  @Test
  void badInputExitsTwoNamingTheFileAndNothingIsOverwrittenWithoutForce() throws Exception {
    LocalTrainer trainer = new LocalTrainer(MODEL, CONFIG, Blas.get());
    Path checkpoint = directory.resolve("checkpoint");
    trainer.saveCheckpoint(checkpoint, new ModelCheckpoint.Position(0, 0, 0, 1));
    Path file = directory.resolve("model.onnx");
    Files.writeString(file, "keep me");

    Outcome refused = CommandRunner.run("export", "--checkpoint", checkpoint.toString(), "--out", file.toString());
    assertEquals(ExitCode.BAD_INPUT, refused.exitCode(), refused.out());
    assertTrue(refused.err().contains(file + " already exists; pass --force"), refused.err());
    assertEquals("keep me", Files.readString(file));

    Outcome forced = CommandRunner.run("export", "--checkpoint", checkpoint.toString(), "--out", file.toString(),
        "--force");
    assertEquals(ExitCode.OK, forced.exitCode(), forced.err());
    assertEquals("recurrent", ModelProto.parseFrom(Files.readAllBytes(file)).getGraph().getName());

    Outcome directoryOut = CommandRunner.run("export", "--checkpoint", checkpoint.toString(), "--out",
        directory.toString(), "--force");
    assertEquals(ExitCode.BAD_INPUT, directoryOut.exitCode());
    assertTrue(directoryOut.err().contains(directory + " is a directory"), directoryOut.err());

    Path missing = directory.resolve("no-such-checkpoint");
    Outcome absent = CommandRunner.run("export", "--checkpoint", missing.toString(), "--out",
        directory.resolve("other.onnx").toString());
    assertEquals(ExitCode.BAD_INPUT, absent.exitCode());
    assertTrue(absent.err().contains(missing.toString()), absent.err());
    assertTrue(Files.notExists(directory.resolve("other.onnx")));

    Files.writeString(checkpoint.resolve(CheckpointFiles.MANIFEST), "not a manifest");
    Outcome damaged = CommandRunner.run("export", "--checkpoint", checkpoint.toString(), "--out",
        directory.resolve("other.onnx").toString());
    assertEquals(ExitCode.BAD_INPUT, damaged.exitCode());
    assertTrue(damaged.err().contains(checkpoint.resolve(CheckpointFiles.MANIFEST).toString()), damaged.err());
  }
}
