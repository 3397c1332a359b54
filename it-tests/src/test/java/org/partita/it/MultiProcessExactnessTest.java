package org.partita.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.train.LocalTrainer;
import org.partita.partitioner.PartitionPlan;
import org.partita.runtime.DistributedTrainer;
import org.partita.runtime.ExactnessCheck;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.WorkerInfo;
import org.partita.runtime.driver.DriverNode;

/**
 * Four JVMs over mutual TLS: the driver (this JVM) and three worker processes started from the
 * built jar as {@code partita node}. Model-parallel, data-parallel and hybrid plans of the MLP,
 * every plan's shards spread over all three workers, train ten steps of fixed batches; every
 * parameter then equals the single-process reference trainer's within 1e-5 relative.
 */
class MultiProcessExactnessTest {
  private static final List<String> NODES = ProcessCluster.NODES.subList(0, 3);
  private static final ModelSpec MLP = StandardModels.mlp(3);

  private static ProcessCluster cluster;
  private static DriverNode driver;
  private static LocalTrainer reference;

  @BeforeAll
  static void startCluster() throws Exception {
    long start = System.nanoTime();
    cluster = ProcessCluster.start();
    driver = cluster.startDriver(List.of(), RuntimeSettings.defaults());
    for (PartitaJvm worker : cluster.startWorkers(NODES, driver.address(), List.of())) {
      assertTrue(worker.output().contains("(mutual TLS)"), worker.describeOutput());
    }
    driver.awaitWorkers(NODES.size());
    System.out.printf("driver and %d worker JVMs up in %.1f s%n", NODES.size(), (System.nanoTime() - start) / 1e9);
    assertEquals(NODES, driver.workers().stream().map(WorkerInfo::name).toList());
    reference = ExactnessCheck.reference(MLP);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  static Stream<Arguments> plans() {
    int layers = MLP.layers().size();
    return Stream.of(
        Arguments.of("model-parallel", plan(1, new int[] {0, layers}, new int[] {3}, 1)),
        Arguments.of("model-parallel", plan(1, new int[] {0, 1, 2, layers}, new int[] {1, 1, 1}, 3)),
        Arguments.of("data-parallel", plan(3, new int[] {0, layers}, new int[] {1}, 1)),
        Arguments.of("hybrid", plan(3, new int[] {0, layers}, new int[] {2}, 1)),
        Arguments.of("hybrid", plan(2, new int[] {0, 2, layers}, new int[] {1, 1}, 2)));
  }

  private static PartitionPlan plan(int replicas, int[] cuts, int[] slices, int microBatches) {
    return ExactnessCheck.plan(MLP, replicas, cuts, slices, microBatches, NODES);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("plans")
  void equalsTheReferenceTrainerAcrossFourJvms(String kind, PartitionPlan plan) {
    assertEquals(new HashSet<>(NODES), new HashSet<>(plan.placement().values()), "every worker holds shards");
    ExactnessCheck.Outcome outcome;
    try (DistributedTrainer trainer = driver.trainer(MLP, ExactnessCheck.config(), plan)) {
      outcome = ExactnessCheck.compare(reference, trainer);
    }
    System.out.println(kind + " " + ExactnessCheck.describe(plan, outcome) + " after " + reference.step() + " steps");
    assertTrue(outcome.maxRelative() <= ExactnessCheck.TOLERANCE, kind + " " + ExactnessCheck.describe(plan, outcome));
  }
}
