package org.partita.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.blas.Blas;
import org.partita.models.io.CheckpointFiles;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.train.CheckpointSchedule;
import org.partita.models.train.StepMetrics;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.partitioner.PartitionPlan;
import org.partita.runtime.driver.DirectTransport;
import org.partita.runtime.driver.TrainingSession;
import org.partita.runtime.node.WorkerNode;

/**
 * One of three embedded nodes is stopped in the middle of training (2 replicas on node-1 and
 * node-2, checkpoints every 4 steps). The driver aborts the step, re-plans the same shape on the
 * two nodes left, restores the newest checkpoint and goes on; the final weights are bit-identical
 * to a run that never lost a node.
 */
class NodeLossRecoveryTest {
  @TempDir
  Path directory;

  private static final ModelSpec MODEL = StandardModels.mlp(3);
  private static final TrainingConfig CONFIG = new TrainingConfig(2, ExactnessCheck.BATCH, 11,
      ExactnessCheck.config().optimizer());

  private static PartitionPlan twoReplicas(List<String> nodes) {
    return ExactnessCheck.plan(MODEL, 2, new int[] {0, MODEL.layers().size()}, new int[] {1}, 1, nodes);
  }

  @Test
  void trainingSurvivesLosingANodeMidStepWithTheSameWeights() throws Exception {
    loseANode(false);
  }

  /**
   * The newest checkpoint (after step 8) is damaged just before the node is lost: recovery names
   * the damaged file, restarts from the one before it (step 4), and still ends with the same weights.
   */
  @Test
  void recoveryPassesOverADamagedNewestCheckpoint() throws Exception {
    loseANode(true);
  }

  private void loseANode(boolean damageNewest) throws Exception {
    TrainedModel uninterrupted;
    PartitionPlan local = twoReplicas(List.of("local"));
    try (TrainingSession session = new TrainingSession(MODEL, CONFIG, local,
        new DirectTransport(MODEL, local, CONFIG.optimizer(), Blas.get()), RuntimeSettings.defaults())) {
      session.fit(ExactnessCheck.data(MODEL), null, TrainingListener.NONE);
      uninterrupted = session.collect();
    }

    List<String> log = new ArrayList<>();
    try (EmbeddedCluster cluster = EmbeddedCluster.start(3, RuntimeSettings.defaults())) {
      WorkerNode victim = cluster.nodes().get(1);
      AtomicBoolean stopped = new AtomicBoolean();
      AtomicReference<Path> damaged = new AtomicReference<>();
      Thread stop = new Thread(() -> {
        sleep(5); // step 11 is under way
        victim.close();
      }, "stop-node-2");
      TrainingListener killer = new TrainingListener() {
        @Override
        public void onStep(StepMetrics metrics) {
          if (metrics.globalStep() == 10 && stopped.compareAndSet(false, true)) {
            if (damageNewest) {
              damaged.set(damageNewestCheckpoint());
            }
            stop.start();
          } else if (metrics.globalStep() == 12) {
            // A node that leaves gracefully keeps computing for a moment; do not let the run end first.
            join(stop);
          }
        }
      };
      RecoveringTraining.Outcome outcome = RecoveringTraining.fit(cluster, MODEL, CONFIG,
          workers -> twoReplicas(workers.stream().limit(2).map(WorkerInfo::name).toList()),
          ExactnessCheck.data(MODEL), null, killer, new CheckpointSchedule(directory, 4, 2), null, 2, Duration.ZERO,
          log::add);
      assertTrue(stopped.get());
      assertEquals(1, outcome.recoveries().size(), "one loss survived: " + log);
      String recovery = outcome.recoveries().get(0);
      System.out.println(recovery);
      java.util.regex.Matcher parts = java.util.regex.Pattern.compile(
          "lost worker node-2 after step (\\d+); going on with 2 workers, restarting from checkpoint .*step-0+(\\d+)"
          + " \\(step (\\d+)\\): (\\d+) steps redone( \\(.*\\))?").matcher(recovery);
      assertTrue(parts.matches(), recovery);
      if (damageNewest) {
        assertEquals("4", parts.group(3), "restarted from the checkpoint before the damaged one: " + recovery);
        assertTrue(parts.group(5) != null && parts.group(5).contains(damaged.get() + ": SHA-256"), recovery);
      } else {
        assertEquals(null, parts.group(5), recovery);
      }
      int failedAt = Integer.parseInt(parts.group(1));
      int restart = Integer.parseInt(parts.group(3));
      assertTrue(failedAt >= 10 && failedAt <= 13 && restart % 4 == 0 && restart <= failedAt
          && Integer.parseInt(parts.group(4)) == failedAt - restart, recovery);
      assertFalse(outcome.plan().placement().containsValue("node-2"), outcome.plan().placement().toString());
      assertEquals(List.of("node-1", "node-3"), cluster.workers().stream().map(WorkerInfo::name).toList());
      TrainedModel recovered = outcome.model();
      assertEquals(uninterrupted.step(), recovered.step());
      for (int p = 0; p < recovered.network().parameters().size(); p++) {
        assertArrayEquals(uninterrupted.network().parameters().get(p).value().data,
            recovered.network().parameters().get(p).value().data, "parameter " + p);
      }
    }
  }

  /** Flips a byte in the middle of a shard file of the newest complete checkpoint; returns that file. */
  private Path damageNewestCheckpoint() {
    try {
      Path newest = CheckpointSchedule.newest(directory).orElseThrow();
      Path shard;
      try (java.util.stream.Stream<Path> files = Files.list(newest)) {
        shard = files.filter(f -> !f.getFileName().toString().equals(CheckpointFiles.MANIFEST)).sorted()
            .findFirst().orElseThrow();
      }
      byte[] bytes = Files.readAllBytes(shard);
      bytes[bytes.length / 2] ^= 0x5a;
      Files.write(shard, bytes);
      return shard;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void join(Thread thread) {
    try {
      thread.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
