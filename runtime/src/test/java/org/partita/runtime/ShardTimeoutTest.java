package org.partita.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import org.partita.runtime.driver.DriverNode;
import org.partita.runtime.node.WorkerNode;

/**
 * A shard that never answers produces the named timeout error; a worker that leaves produces the
 * named node-lost error at once. The MLP in two stages on node-1 (this JVM) and node-2 (its own
 * JVM), node-3 idle, a 5 s step timeout. One step trains; then node-2's process is frozen
 * (SIGSTOP: it neither answers nor leaves, like a hung machine), so the next step must fail within
 * the timeout plus the status query with a {@link ClusterException} naming the silent shard
 * (r0/s1/p0), its node and the phase — not hang, not blame a live shard or the idle node — and not
 * count as a step. Thawed and then stopped, node-2 leaves the cluster: the next step fails at once
 * with a {@link NodeLostException} naming it.
 */
class ShardTimeoutTest {
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(5);
  /** Step timeout, then up to 3 s asking every shard for its status, plus generous slack. */
  private static final Duration FAILURE_WITHIN = Duration.ofSeconds(30);
  private static final RuntimeSettings SETTINGS = RuntimeSettings.defaults().withStepTimeout(STEP_TIMEOUT);

  @Test
  void silentShardIsNamedWithItsNodeAndPhaseAndALostNodeAtOnce() throws Exception {
    ModelSpec model = StandardModels.mlp(3);
    PartitionPlan plan = ExactnessCheck.plan(model, new int[] {0, 1, model.layers().size()}, new int[] {1, 1}, 1,
        List.of("node-1", "node-2"));
    ArrayDataset data = ExactnessCheck.data(model);
    FloatMatrix inputs = new FloatMatrix(model.inputShape().size(), ExactnessCheck.BATCH);
    FloatMatrix targets = new FloatMatrix(model.outputClasses(), ExactnessCheck.BATCH);
    data.copyBatch(null, 0, ExactnessCheck.BATCH, inputs, targets);

    DriverNode driver = DriverNode.start("127.0.0.1", 0, List.of(), SETTINGS);
    WorkerNode node1 = null;
    WorkerNode node3 = null;
    ForkedWorker node2 = null;
    try {
      node1 = WorkerNode.start("node-1", "127.0.0.1", 0, List.of(driver.address()), SETTINGS);
      node3 = WorkerNode.start("node-3", "127.0.0.1", 0, List.of(driver.address()), SETTINGS);
      node2 = ForkedWorker.start("node-2", driver.address());
      node2.awaitUp(Duration.ofSeconds(60));
      driver.awaitWorkers(3);
      DistributedTrainer trainer = driver.trainer(model, ExactnessCheck.config(), plan);
      trainer.trainStep(inputs, targets, 0);
      assertEquals(1, trainer.step(), "steps before node-2 freezes");

      node2.freeze();
      long start = System.nanoTime();
      ClusterException silent = assertTimeoutPreemptively(FAILURE_WITHIN,
          () -> assertThrows(ClusterException.class, () -> trainer.trainStep(inputs, targets, 0)),
          "waited for the step with a frozen node to fail");
      double seconds = (System.nanoTime() - start) / 1e9;
      String message = silent.getMessage();
      System.out.printf(java.util.Locale.ROOT, "failed after %.1f s:%n%s%n", seconds, message);
      assertTrue(seconds >= STEP_TIMEOUT.toSeconds() - 0.5, "failed before the step timeout: " + seconds + " s");
      assertTrue(message.contains("forward/backward"), "names the phase: " + message);
      assertTrue(message.contains("timed out after 5 s"), "names the timeout: " + message);
      assertTrue(message.contains("r0/s1/p0 on node-2: no answer"), "names the silent shard and its node: " + message);
      assertTrue(message.contains("r0/s0/p0 on node-1: ") && !message.contains("r0/s0/p0 on node-1: no answer"),
          "the live shard answers the status query: " + message);
      assertFalse(message.contains("node-3"), "the idle node is not blamed: " + message);
      assertEquals(1, trainer.step(), "the failed step is not counted");

      node2.thaw();
      node2.stop(Duration.ofSeconds(30));
      ForkedWorker stopped = node2;
      node2 = null;
      long lostAt = System.nanoTime();
      ClusterException lost = assertTimeoutPreemptively(FAILURE_WITHIN,
          () -> assertThrows(ClusterException.class, () -> trainer.trainStep(inputs, targets, 0)));
      System.out.printf(java.util.Locale.ROOT, "after node-2 left: failed in %.1f s:%n%s%n",
          (System.nanoTime() - lostAt) / 1e9, lost.getMessage());
      assertInstanceOf(NodeLostException.class, lost, lost.getMessage());
      assertEquals("node-2", ((NodeLostException) lost).node());
      assertTrue(lost.getMessage().contains("r0/s1/p0"), lost.getMessage());
      assertFalse(driver.workers().stream().anyMatch(worker -> worker.name().equals("node-2")), "no longer offered");
      assertEquals(1, trainer.step());
      trainer.close();
      assertTrue(stopped.pid() > 0);
    } finally {
      if (node2 != null) {
        node2.thaw();
        node2.stop(Duration.ofSeconds(30));
      }
      if (node3 != null) {
        node3.close();
      }
      if (node1 != null) {
        node1.close();
      }
      driver.close();
    }
  }
}
