package org.partita.runtime;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.partitioner.PartitionPlan;
import org.partita.runtime.driver.DriverNode;
import org.partita.runtime.node.WorkerNode;

/**
 * Nodes talking mutual TLS on loopback with certificates from {@link TlsCertificates}: a cluster
 * forms and trains exactly, its shards talking over shard links; a node with a certificate from another CA, or without TLS, never
 * becomes a member (asserted on membership — the cluster logs nothing about it); plain TCP off
 * loopback is refused.
 */
class TlsClusterTest {
  private static final Duration STRANGER_WAIT = Duration.ofSeconds(8);

  @TempDir
  static Path directory;
  private static DriverNode driver;
  private static WorkerNode first;
  private static WorkerNode second;

  @BeforeAll
  static void startTlsCluster() throws Exception {
    TlsCertificates.generate(directory.resolve("cluster"), List.of("driver", "node-1", "node-2", "forked-1"));
    TlsCertificates.generate(directory.resolve("stranger"), List.of("node-9"));
    // Messages take the network path, as between machines, not the in-process hand-over of one JVM.
    RuntimeSettings settings = RuntimeSettings.defaults().withSameProcessDelivery(false);
    driver = DriverNode.start("127.0.0.1", 0, List.of(),
        settings.withTls(TlsSettings.fromDirectory(directory.resolve("cluster"), "driver")));
    first = WorkerNode.start("node-1", "127.0.0.1", 0, List.of(driver.address()),
        settings.withTls(TlsSettings.fromDirectory(directory.resolve("cluster"), "node-1")));
    second = WorkerNode.start("node-2", "127.0.0.1", 0, List.of(driver.address()),
        settings.withTls(TlsSettings.fromDirectory(directory.resolve("cluster"), "node-2")));
    driver.awaitWorkers(2);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable node : new AutoCloseable[] {first, second, driver}) {
      try {
        if (node != null) {
          node.close();
        }
      } catch (Exception e) {
        // the others still stop
      }
    }
  }

  @Test
  void aTlsClusterTrainsExactly() {
    assertTrue(driver.address().startsWith("akka://partita@127.0.0.1:"), driver.address());
    ModelSpec model = StandardModels.mlp(3);
    PartitionPlan plan = ExactnessCheck.plan(model, 1, new int[] {0, model.layers().size()}, new int[] {2}, 1,
        List.of("node-1", "node-2"));
    long sentBefore = first.links().orElseThrow().framesSent();
    long receivedBefore = second.links().orElseThrow().framesReceived();
    try (DistributedTrainer trainer = driver.trainer(model, ExactnessCheck.config(), plan)) {
      ExactnessCheck.Outcome outcome = ExactnessCheck.compare(ExactnessCheck.reference(model), trainer);
      System.out.println("over TLS: " + ExactnessCheck.describe(plan, outcome));
      assertTrue(outcome.maxRelative() < ExactnessCheck.TOLERANCE, ExactnessCheck.describe(plan, outcome));
    }
    // The slices' all-gathers went over the shard links, not Artery.
    assertTrue(first.links().orElseThrow().framesSent() > sentBefore, "node-1 sent nothing over its shard links");
    assertTrue(second.links().orElseThrow().framesReceived() > receivedBefore,
        "node-2 received nothing over its shard links");
  }

  @Test
  void nodesWithAForeignCertificateOrNoTlsNeverJoin() throws Exception {
    WorkerNode foreign = WorkerNode.start("node-9", "127.0.0.1", 0, List.of(driver.address()),
        RuntimeSettings.defaults().withTls(TlsSettings.fromDirectory(directory.resolve("stranger"), "node-9")));
    WorkerNode plain = WorkerNode.start("plain", "127.0.0.1", 0, List.of(driver.address()), RuntimeSettings.defaults());
    try {
      Thread.sleep(STRANGER_WAIT.toMillis());
      List<String> members = driver.workers().stream().map(WorkerInfo::name).toList();
      assertTrue(members.containsAll(List.of("node-1", "node-2")) && !members.contains("node-9")
          && !members.contains("plain"), "members: " + members);
    } finally {
      foreign.stop(Duration.ofSeconds(30));
      plain.stop(Duration.ofSeconds(30));
    }
  }

  /** A worker in its own JVM, started as an operator would with --tls, joins and trains exactly. */
  @Test
  void aForkedWorkerJoinsOverTlsAndTrainsExactly() throws Exception {
    ForkedWorker forked = ForkedWorker.start("forked-1", driver.address(), "--tls",
        directory.resolve("cluster").toString());
    try {
      forked.awaitUp(Duration.ofSeconds(60));
      assertTrue(driver.awaitWorkers(3, Duration.ofSeconds(60)), "members: " + driver.workers());
      ModelSpec model = StandardModels.mlp(3);
      PartitionPlan plan = ExactnessCheck.plan(model, 1, new int[] {0, 1, model.layers().size()}, new int[] {1, 2}, 2,
          List.of("forked-1", "node-1", "node-2"));
      try (DistributedTrainer trainer = driver.trainer(model, ExactnessCheck.config(), plan)) {
        ExactnessCheck.Outcome outcome = ExactnessCheck.compare(ExactnessCheck.reference(model), trainer);
        System.out.println("across JVMs over TLS: " + ExactnessCheck.describe(plan, outcome));
        assertTrue(outcome.maxRelative() < ExactnessCheck.TOLERANCE, ExactnessCheck.describe(plan, outcome));
      }
    } catch (Throwable e) {
      forked.printOutput("forked TLS worker: " + e);
      throw e;
    } finally {
      forked.stop(Duration.ofSeconds(20));
    }
  }

  @Test
  void plainTcpOffLoopbackIsRefused() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> WorkerNode.start("exposed", "192.0.2.10", 0, List.of(driver.address()), RuntimeSettings.defaults()));
    assertTrue(refused.getMessage().contains("plain TCP is allowed on loopback only"), refused.getMessage());
  }

  @Test
  void missingStoresAreNamed() {
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> TlsSettings.fromDirectory(directory.resolve("cluster"), "node-7"));
    assertTrue(missing.getMessage().contains("node-7.p12"), missing.getMessage());
  }
}
