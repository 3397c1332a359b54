package org.partita.models.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.blas.Blas;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.SyntheticData;
import org.partita.models.io.CheckpointFiles;
import org.partita.models.io.ModelCheckpoint;
import org.partita.models.io.ShardStates;
import org.partita.models.layers.Parameter;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;

/**
 * Periodic checkpoints keep the newest K; a run resumed from one in the middle of an epoch ends
 * with bit-identical weights to the run that never stopped (same batches, same dropout, same Adam
 * state); a directory without a manifest (a crash while saving) is never chosen.
 */
class CheckpointResumeTest {
  @TempDir
  Path directory;

  private static final ModelSpec MODEL = StandardModels.mlp(3);
  private static final TrainingConfig CONFIG = new TrainingConfig(2, 30, 7, OptimizerSpec.adam(0.01f));

  private static ArrayDataset data() {
    return SyntheticData.blobs("blobs", MODEL.inputShape(), 10, 290, 0.8f, 5);
  }

  @Test
  void resumedRunIsBitIdenticalToTheUninterruptedOne() throws Exception {
    LocalTrainer straight = new LocalTrainer(MODEL, CONFIG, Blas.get());
    straight.fit(data(), null, TrainingListener.NONE);

    Path root = directory.resolve("checkpoints");
    LocalTrainer first = new LocalTrainer(MODEL, CONFIG, Blas.get());
    first.fit(data(), null, TrainingListener.NONE, null, new CheckpointSchedule(root, 4, 2));
    try (var listing = Files.list(root)) {
      assertEquals(List.of("step-000000016", "step-000000020"),
          listing.map(p -> p.getFileName().toString()).sorted().toList(), "the newest two of steps 4, 8, …, 20");
    }
    Files.createDirectories(root.resolve("step-000000024")); // a save that crashed before its manifest
    assertEquals(root.resolve("step-000000020"), CheckpointSchedule.resolve(root));

    // Step 16 is batch 6 of epoch 1 (10 batches per epoch): resume mid-epoch.
    ModelCheckpoint.Saved saved = ModelCheckpoint.read(root.resolve("step-000000016"));
    assertEquals(new ModelCheckpoint.Position(16, 1, 6, 7), saved.position());
    LocalTrainer resumed = new LocalTrainer(MODEL, CONFIG, Blas.get());
    resumed.restore(CheckpointFiles.readShard(saved.directory(), saved.manifest().getShards(0)), 16, "checkpoint");
    TrainingReport report = resumed.fit(data(), null, TrainingListener.NONE, saved.position(), null);
    assertEquals(20, resumed.step());
    assertEquals(3 * 30 + 20, report.trainSamples(), "only the four remaining batches (the last short) were trained");
    List<Parameter> expected = straight.network().parameters();
    List<Parameter> actual = resumed.network().parameters();
    for (int p = 0; p < expected.size(); p++) {
      assertArrayEquals(expected.get(p).value().data, actual.get(p).value().data, "parameter " + expected.get(p));
    }
    assertEquals(ShardStates.capture(ModelCheckpoint.WHOLE_MODEL, 20, straight.optimizer()),
        ShardStates.capture(ModelCheckpoint.WHOLE_MODEL, 20, resumed.optimizer()), "optimizer state too");
  }

  @Test
  void mismatchedResumesAreRefused() throws Exception {
    LocalTrainer trainer = new LocalTrainer(MODEL, CONFIG, Blas.get());
    IllegalArgumentException wrongStep = assertThrows(IllegalArgumentException.class, () -> trainer.fit(data(), null,
        TrainingListener.NONE, new ModelCheckpoint.Position(16, 1, 6, 7), null));
    assertTrue(wrongStep.getMessage().contains("step 16"), wrongStep.getMessage());
    IllegalArgumentException finished = assertThrows(IllegalArgumentException.class, () -> trainer.fit(data(), null,
        TrainingListener.NONE, new ModelCheckpoint.Position(0, 2, 0, 7), null));
    assertTrue(finished.getMessage().contains("more epochs"), finished.getMessage());
    java.io.IOException empty = assertThrows(java.io.IOException.class,
        () -> CheckpointSchedule.resolve(Files.createDirectories(directory.resolve("empty"))));
    assertTrue(empty.getMessage().contains("no manifest.pb"), empty.getMessage());
    assertFalse(Files.exists(directory.resolve("empty").resolve("manifest.pb")));
  }
}
