package org.partita.partitioner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.jblas.FloatMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.blas.Blas;
import org.partita.models.data.DataFormatException;
import org.partita.models.io.CheckpointFiles;
import org.partita.models.io.ModelCheckpoint;
import org.partita.models.layers.Activation;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.Shape;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.CheckpointSchedule;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.TrainingConfig;

/** Which checkpoint an unattended resume picks when the newest ones are damaged. */
class LoadedCheckpointTest {
  @TempDir
  Path root;

  private static final ModelSpec MODEL = new ModelSpec("tiny", Shape.vector(6),
      List.of(new DenseSpec(6, 5, Activation.RELU), new DenseSpec(5, 3, Activation.IDENTITY)),
      Loss.SOFTMAX_CROSS_ENTROPY, 3);
  private static final TrainingConfig CONFIG = new TrainingConfig(1, 4, 1, OptimizerSpec.adam(0.01f));

  /** Checkpoints after steps 2, 4 and 6 (all kept); returns each one's first parameter values. */
  private List<float[]> trainWithCheckpoints() {
    LocalTrainer trainer = new LocalTrainer(MODEL, CONFIG, Blas.get());
    CheckpointSchedule schedule = new CheckpointSchedule(root, 2, 3);
    FloatMatrix inputs = FloatMatrix.rand(6, 4);
    FloatMatrix targets = new FloatMatrix(3, 4);
    for (int c = 0; c < 4; c++) {
      targets.put(c % 3, c, 1f);
    }
    List<float[]> saved = new ArrayList<>();
    for (int step = 1; step <= 6; step++) {
      trainer.trainStep(inputs, targets, 0);
      if (schedule.due(step)) {
        schedule.save(trainer, new ModelCheckpoint.Position(step, 0, step, 1));
        saved.add(trainer.network().parameters().get(0).value().data.clone());
      }
    }
    return saved;
  }

  private static float[] firstParameter(LoadedCheckpoint loaded) {
    LocalTrainer restored = new LocalTrainer(MODEL, CONFIG, Blas.get());
    restored.restore(loaded.whole(), loaded.position().step(), loaded.directory().toString());
    return restored.network().parameters().get(0).value().data;
  }

  private static Path shardFile(Path checkpoint) throws IOException {
    try (Stream<Path> files = Files.list(checkpoint)) {
      return files.filter(f -> !f.getFileName().toString().equals(CheckpointFiles.MANIFEST)).findFirst().orElseThrow();
    }
  }

  private static void flipByte(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x5a;
    Files.write(file, bytes);
  }

  @Test
  void theNewestCheckpointIsTakenWhenItReads() throws Exception {
    List<float[]> saved = trainWithCheckpoints();
    List<String> skipped = new ArrayList<>();
    LoadedCheckpoint loaded = LoadedCheckpoint.newestReadable(root, skipped::add).orElseThrow();
    assertEquals(6, loaded.position().step());
    assertEquals(List.of(), skipped);
    assertArrayEquals(saved.get(2), firstParameter(loaded));
  }

  @Test
  void damagedNewerCheckpointsArePassedOverAndNamed() throws Exception {
    List<float[]> saved = trainWithCheckpoints();
    Path newest = CheckpointSchedule.complete(root).get(2);
    Path middle = CheckpointSchedule.complete(root).get(1);
    Path flipped = shardFile(newest);
    flipByte(flipped);
    Path missing = shardFile(middle);
    Files.delete(missing);

    List<String> skipped = new ArrayList<>();
    LoadedCheckpoint loaded = LoadedCheckpoint.newestReadable(root, skipped::add).orElseThrow();
    assertEquals(2, loaded.position().step(), "the oldest, undamaged checkpoint");
    assertArrayEquals(saved.get(0), firstParameter(loaded));
    assertEquals(2, skipped.size(), skipped.toString());
    assertTrue(skipped.get(0).contains(flipped.toString()) && skipped.get(0).contains("SHA-256"), skipped.get(0));
    assertTrue(skipped.get(1).contains(missing.toString()) && skipped.get(1).contains("not found"), skipped.get(1));
    assertTrue(Files.exists(flipped), "a damaged checkpoint is left as it is");
  }

  @Test
  void noReadableCheckpointIsAnErrorNamingEachDamage() throws Exception {
    trainWithCheckpoints();
    List<Path> damaged = new ArrayList<>();
    for (Path checkpoint : CheckpointSchedule.complete(root)) {
      Path shard = shardFile(checkpoint);
      flipByte(shard);
      damaged.add(shard);
    }
    List<String> skipped = new ArrayList<>();
    DataFormatException error = assertThrows(DataFormatException.class,
        () -> LoadedCheckpoint.newestReadable(root, skipped::add));
    for (Path shard : damaged) {
      assertTrue(error.getMessage().contains(shard.toString()), error.getMessage());
    }
    assertEquals(root, error.file());
  }

  @Test
  void nothingToResumeFromIsEmpty() throws Exception {
    assertEquals(Optional.empty(), LoadedCheckpoint.newestReadable(root.resolve("never-written"), s -> { }));
    Files.createDirectories(root.resolve("step-000000004")); // a save cut off before its manifest
    assertEquals(Optional.empty(), LoadedCheckpoint.newestReadable(root, s -> { }));
  }
}
