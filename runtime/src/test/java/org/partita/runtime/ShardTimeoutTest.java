package org.partita.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.jblas.FloatMatrix;
import org.junit.jupiter.api.Test;
import org.partita.models.data.ArrayDataset;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.partitioner.PartitionPlan;
import org.partita.runtime.node.WorkerNode;

/**
 * A shard that never answers produces the named timeout error. Three embedded workers, the MLP
 * in two stages on node-1 and node-2 (node-3 holds nothing), a 5 s step timeout. One step trains;
 * then node-2's ActorSystem is stopped, so stage 1's shard silently stops answering. The next step
 * must fail within a bounded time with a {@link ClusterException} that names the silent shard
 * (r0/s1/p0), its node (node-2) and the phase (forward/backward) — not hang, and not blame a
 * live shard or the idle node — and must not count as a step. The cluster must still close in
 * bounded time with the dead node in it.
 */
class ShardTimeoutTest {
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(5);
  /** Step timeout, then up to 3 s asking every shard for its status, plus generous slack. */
  private static final Duration FAILURE_WITHIN = Duration.ofSeconds(30);
  private static final Duration CLOSE_WITHIN = Duration.ofSeconds(60);

  @Test
  void silentShardIsNamedWithItsNodeAndPhase() {
    ModelSpec model = StandardModels.mlp(3);
    PartitionPlan plan = ExactnessCheck.plan(model, new int[] {0, 1, model.layers().size()}, new int[] {1, 1}, 1,
        List.of("node-1", "node-2"));
    ArrayDataset data = ExactnessCheck.data(model);
    FloatMatrix inputs = new FloatMatrix(model.inputShape().size(), ExactnessCheck.BATCH);
    FloatMatrix targets = new FloatMatrix(model.outputClasses(), ExactnessCheck.BATCH);
    data.copyBatch(null, 0, ExactnessCheck.BATCH, inputs, targets);

    EmbeddedCluster cluster = EmbeddedCluster.start(3, RuntimeSettings.defaults().withStepTimeout(STEP_TIMEOUT));
    try {
      DistributedTrainer trainer = cluster.trainer(model, ExactnessCheck.config(), plan);
      trainer.trainStep(inputs, targets, 0);
      assertEquals(1, trainer.step(), "steps before node-2 stops");

      WorkerNode node2 = cluster.nodes().get(1);
      assertEquals("node-2", node2.name());
      long stopping = System.nanoTime();
      node2.stop(Duration.ofSeconds(30));
      System.out.printf(java.util.Locale.ROOT, "node-2 stopped in %.1f s%n", (System.nanoTime() - stopping) / 1e9);

      long start = System.nanoTime();
      ClusterException failure = assertTimeoutPreemptively(FAILURE_WITHIN,
          () -> assertThrows(ClusterException.class, () -> trainer.trainStep(inputs, targets, 0)),
          "waited for the step with a stopped node to fail");
      double seconds = (System.nanoTime() - start) / 1e9;
      String message = failure.getMessage();
      System.out.printf(java.util.Locale.ROOT, "failed after %.1f s:%n%s%n", seconds, message);

      assertTrue(seconds >= STEP_TIMEOUT.toSeconds() - 0.5, "failed before the step timeout: " + seconds + " s");
      assertTrue(message.contains("forward/backward"), "names the phase: " + message);
      assertTrue(message.contains("timed out after 5 s"), "names the timeout: " + message);
      assertTrue(message.contains("r0/s1/p0 on node-2: no answer"), "names the silent shard and its node: " + message);
      assertTrue(message.contains("r0/s0/p0 on node-1: ") && !message.contains("r0/s0/p0 on node-1: no answer"),
          "the live shard answers the status query: " + message);
      assertFalse(message.contains("node-3"), "the idle node is not blamed: " + message);
      assertEquals(1, trainer.step(), "the failed step is not counted");
      trainer.close();
    } finally {
      long closing = System.nanoTime();
      assertTimeoutPreemptively(CLOSE_WITHIN, cluster::close, "waited for the cluster with node-2 stopped to close");
      System.out.printf(java.util.Locale.ROOT, "cluster closed in %.1f s%n", (System.nanoTime() - closing) / 1e9);
    }
  }
}
