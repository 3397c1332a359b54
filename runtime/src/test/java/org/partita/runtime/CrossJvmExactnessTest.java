package org.partita.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.train.LocalTrainer;
import org.partita.partitioner.PartitionPlan;
import org.partita.runtime.driver.DriverNode;
import org.partita.runtime.node.WorkerMain;
import org.partita.runtime.node.WorkerNode;

/**
 * The exactness check with shards in a second JVM. The driver and worker local-1 run in this JVM;
 * worker remote-1 is a forked {@code java} process running {@link WorkerMain}, started the way
 * an operator starts a node on another machine. Embedded clusters share one classpath, one
 * loaded configuration and one BLAS library, so they cannot show that two separately started JVMs
 * agree on serializer bindings, manifests and frame sizes; this does. MLP plans with every shard
 * on remote-1 (driver ↔ shard messages cross the process boundary) and plans alternating shards
 * between local-1 and remote-1 (activations and gradients between slices and stages cross it too),
 * M ∈ {1, 4}: after 10 steps every parameter equals the reference trainer's within 1e-4 relative.
 */
class CrossJvmExactnessTest {
  private static final String REMOTE = "remote-1";
  private static final String LOCAL = "local-1";
  private static final Duration REMOTE_START = Duration.ofSeconds(60);
  private static final Duration REMOTE_STOP = Duration.ofSeconds(20);
  private static final RuntimeSettings SETTINGS = RuntimeSettings.defaults();
  private static final ModelSpec MLP = StandardModels.mlp(3);

  private static DriverNode driver;
  private static WorkerNode local;
  private static ForkedWorker remote;
  private static LocalTrainer reference;

  /** The remote worker's output goes with every failure: its log is the only view into the other JVM. */
  @RegisterExtension
  static final TestWatcher PRINT_REMOTE_OUTPUT = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      if (remote != null) {
        remote.printOutput("test " + context.getDisplayName() + " failed");
      }
    }
  };

  @BeforeAll
  static void startNodes() throws Exception {
    driver = DriverNode.start("127.0.0.1", 0, List.of(), SETTINGS);
    try {
      remote = ForkedWorker.start(REMOTE, driver.address());
      String address = remote.awaitUp(REMOTE_START);
      System.out.println("worker " + REMOTE + " (pid " + remote.pid() + ") up at " + address);
      driver.awaitWorkers(1);
      assertEquals(List.of(REMOTE), names(driver.workers()), "the only worker is the forked one");
      local = WorkerNode.start(LOCAL, "127.0.0.1", 0, List.of(driver.address()), SETTINGS);
      driver.awaitWorkers(2);
      assertEquals(List.of(LOCAL, REMOTE), names(driver.workers()));
      driver.workers().forEach(worker -> System.out.println("  " + worker));
    } catch (Throwable e) {
      if (remote != null) {
        remote.printOutput("start-up failed: " + e);
      }
      throw e; // @AfterAll still stops whatever started
    }
    reference = ExactnessCheck.reference(MLP);
  }

  @AfterAll
  static void stopNodes() throws Exception {
    // The forked worker first: it leaves the cluster gracefully only while the others are up.
    try {
      if (remote != null) {
        remote.stop(REMOTE_STOP);
      }
    } finally {
      remote = null;
      try {
        if (local != null) {
          local.close();
        }
      } finally {
        local = null;
        if (driver != null) {
          driver.close();
          driver = null;
        }
      }
    }
  }

  static Stream<Arguments> cases() {
    int layers = MLP.layers().size();
    int cut = layers / 2;
    List<Arguments> cases = new ArrayList<>();
    for (int m : new int[] {1, 4}) {
      cases.add(Arguments.of("remote only", plan(new int[] {0, layers}, new int[] {2}, m, List.of(REMOTE))));
      cases.add(Arguments.of("remote only", plan(new int[] {0, cut, layers}, new int[] {2, 2}, m, List.of(REMOTE))));
    }
    // Alternating placement: s0/p0 local, s0/p1 remote, s1/p0 local, s1/p1 remote, so the all-gather
    // between slices and the hand-over and gradients between stages all cross the process boundary.
    List<String> both = List.of(LOCAL, REMOTE);
    cases.add(Arguments.of("local + remote", plan(new int[] {0, layers}, new int[] {2}, 1, both)));
    cases.add(Arguments.of("local + remote", plan(new int[] {0, cut, layers}, new int[] {1, 1}, 4, both)));
    cases.add(Arguments.of("local + remote", plan(new int[] {0, cut, layers}, new int[] {2, 2}, 1, both)));
    cases.add(Arguments.of("local + remote", plan(new int[] {0, cut, layers}, new int[] {2, 2}, 4, both)));
    // Replica 0 here, replica 1 there (and crosswise for the hybrid): the ring all-reduce of every
    // shard's gradients crosses the process boundary.
    cases.add(Arguments.of("local + remote", ExactnessCheck.plan(MLP, 2, new int[] {0, layers}, new int[] {1}, 2,
        both)));
    cases.add(Arguments.of("local + remote", ExactnessCheck.plan(MLP, 2, new int[] {0, layers}, new int[] {2}, 1,
        List.of(LOCAL, REMOTE, REMOTE, LOCAL))));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("cases")
  void planEqualsReference(String where, PartitionPlan plan) {
    Set<String> expectedNodes = where.equals("remote only") ? Set.of(REMOTE) : Set.of(LOCAL, REMOTE);
    assertEquals(expectedNodes, new HashSet<>(plan.placement().values()), "nodes the plan uses");
    try (DistributedTrainer trainer = driver.trainer(MLP, ExactnessCheck.config(), plan)) {
      ExactnessCheck.Outcome outcome = ExactnessCheck.compare(reference, trainer);
      System.out.println(where + ": " + ExactnessCheck.describe(plan, outcome));
      assertTrue(outcome.maxRelative() < ExactnessCheck.TOLERANCE, ExactnessCheck.describe(plan, outcome));
    }
  }

  private static PartitionPlan plan(int[] cuts, int[] slices, int microBatches, List<String> nodes) {
    return ExactnessCheck.plan(MLP, cuts, slices, microBatches, nodes);
  }

  private static List<String> names(List<WorkerInfo> workers) {
    return workers.stream().map(WorkerInfo::name).toList();
  }
}
