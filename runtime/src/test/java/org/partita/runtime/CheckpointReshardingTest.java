package org.partita.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.blas.Blas;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.DataFormatException;
import org.partita.models.io.ModelCheckpoint;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.train.CheckpointSchedule;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.partitioner.LoadedCheckpoint;
import org.partita.partitioner.PartitionPlan;
import org.partita.runtime.driver.DirectTransport;
import org.partita.runtime.driver.TrainingSession;

/**
 * Checkpoints of a split model: one file per shard plus a manifest with the plan; resumed with the
 * same plan the run ends bit-identical to the uninterrupted one; resumed with another plan (more
 * slices, replicas, the reference trainer, or on Akka nodes) it ends equal to the reference; a
 * damaged shard file is refused with its name.
 */
class CheckpointReshardingTest {
  @TempDir
  Path directory;

  private static final ModelSpec MODEL = StandardModels.mlp(3);
  /** Two epochs of 10 steps (the tenth short); checkpoints every 4 steps. */
  private static final TrainingConfig CONFIG = new TrainingConfig(2, ExactnessCheck.BATCH, 11,
      ExactnessCheck.config().optimizer());
  private static final List<String> LOCAL = List.of("local");

  private static ArrayDataset data() {
    return ExactnessCheck.data(MODEL);
  }

  private static PartitionPlan plan(int replicas, int slices, List<String> nodes) {
    return ExactnessCheck.plan(MODEL, replicas, new int[] {0, MODEL.layers().size()}, new int[] {slices}, 1, nodes);
  }

  private static TrainingSession session(PartitionPlan plan, org.partita.proto.ShardStateProto whole) {
    DirectTransport transport = new DirectTransport(MODEL, plan, CONFIG.optimizer(), Blas.get(), whole);
    return new TrainingSession(MODEL, CONFIG, plan, transport, RuntimeSettings.defaults(),
        whole == null ? 0 : whole.getStep());
  }

  @Test
  void resumesOnTheSamePlanBitIdenticallyAndOnOtherPlansExactly() throws Exception {
    LocalTrainer reference = new LocalTrainer(MODEL, CONFIG, Blas.get());
    reference.fit(data(), null, TrainingListener.NONE);

    Path root = directory.resolve("checkpoints");
    PartitionPlan twoSlices = plan(1, 2, LOCAL);
    TrainedModel uninterrupted;
    try (TrainingSession first = session(twoSlices, null)) {
      first.fit(data(), null, TrainingListener.NONE, null, new CheckpointSchedule(root, 4, 3));
      uninterrupted = first.collect();
    }
    try (var listing = Files.list(root.resolve("step-000000012"))) {
      assertEquals(List.of("manifest.pb", "shard-r0-s0-p0-step12.pb", "shard-r0-s0-p1-step12.pb"),
          listing.map(p -> p.getFileName().toString()).sorted().toList());
    }
    LoadedCheckpoint checkpoint = LoadedCheckpoint.read(root.resolve("step-000000012"));
    assertEquals(new ModelCheckpoint.Position(12, 1, 2, 11), checkpoint.position(), "step 12 = batch 2 of epoch 1");
    assertEquals(twoSlices, checkpoint.plan());

    try (TrainingSession same = session(twoSlices, checkpoint.whole())) {
      same.fit(data(), null, TrainingListener.NONE, checkpoint.position(), null);
      TrainedModel resumed = same.collect();
      for (int p = 0; p < resumed.network().parameters().size(); p++) {
        assertArrayEquals(uninterrupted.network().parameters().get(p).value().data,
            resumed.network().parameters().get(p).value().data, "same plan, parameter " + p);
      }
    }
    for (PartitionPlan other : List.of(plan(1, 3, LOCAL), plan(2, 1, LOCAL), plan(1, 1, LOCAL))) {
      try (TrainingSession resumed = session(other, checkpoint.whole())) {
        resumed.fit(data(), null, TrainingListener.NONE, checkpoint.position(), null);
        assertClose(reference, resumed.collect(), "resumed with " + other.describe());
      }
    }
    LocalTrainer local = new LocalTrainer(MODEL, CONFIG, Blas.get());
    local.restore(checkpoint.whole(), checkpoint.position().step(), "checkpoint of " + twoSlices.describe());
    local.fit(data(), null, TrainingListener.NONE, checkpoint.position(), null);
    assertClose(reference, new TrainedModel(local.network(), local.optimizer(), local.step()), "reference trainer");
  }

  @Test
  void resumesOnAkkaNodesFromACheckpointOfAnotherPlan() throws Exception {
    Path root = directory.resolve("akka");
    LocalTrainer reference = new LocalTrainer(MODEL, CONFIG, Blas.get());
    reference.fit(data(), null, TrainingListener.NONE);
    List<String> nodes = List.of("node-1", "node-2");
    try (EmbeddedCluster cluster = EmbeddedCluster.start(2, RuntimeSettings.defaults())) {
      try (DistributedTrainer first = cluster.trainer(MODEL, CONFIG, plan(2, 1, nodes))) {
        first.fit(data(), null, TrainingListener.NONE, null, new CheckpointSchedule(root, 8, 1));
      }
      LoadedCheckpoint checkpoint = LoadedCheckpoint.read(CheckpointSchedule.resolve(root));
      assertEquals(16, checkpoint.position().step(), "the newest of steps 8 and 16");
      try (DistributedTrainer resumed = cluster.trainer(MODEL, CONFIG, plan(1, 2, nodes), checkpoint.whole())) {
        assertEquals(16, resumed.step());
        resumed.fit(data(), null, TrainingListener.NONE, checkpoint.position(), null);
        assertClose(reference, resumed.collect(), "2 replicas → 2 slices on Akka nodes");
      }
    }
  }

  @Test
  void aDamagedShardFileIsRefusedByName() throws Exception {
    Path root = directory.resolve("damaged");
    try (TrainingSession session = session(plan(1, 2, LOCAL), null)) {
      session.fit(data(), null, TrainingListener.NONE, null, new CheckpointSchedule(root, 20, 1));
    }
    Path checkpoint = CheckpointSchedule.resolve(root);
    Path shard = checkpoint.resolve("shard-r0-s0-p1-step20.pb");
    byte[] bytes = Files.readAllBytes(shard);
    bytes[bytes.length / 2] ^= 0x40;
    Files.write(shard, bytes);
    DataFormatException damaged = assertThrows(DataFormatException.class, () -> LoadedCheckpoint.read(checkpoint));
    assertTrue(damaged.getMessage().contains("shard-r0-s0-p1-step20.pb"), damaged.getMessage());
  }

  private static void assertClose(LocalTrainer reference, TrainedModel trained, String what) {
    assertEquals(reference.step(), trained.step(), what + ": steps");
    double[] worst = ExactnessCheck.differences(reference.network().parameters(), trained.network().parameters());
    System.out.printf(java.util.Locale.ROOT, "%s: max |Δ| %.3e, max relative %.3e%n", what, worst[0], worst[1]);
    assertTrue(worst[1] < ExactnessCheck.TOLERANCE, what + ": max relative difference " + worst[1]);
  }
}
