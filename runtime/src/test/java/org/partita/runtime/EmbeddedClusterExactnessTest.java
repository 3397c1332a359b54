package org.partita.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.partita.models.io.ModelFile;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.train.LocalTrainer;
import org.partita.partitioner.PartitionPlan;

/**
 * The exactness matrix on real Akka nodes: four embedded worker ActorSystems on loopback, their
 * shards handing each other protobuf messages in-process (SameProcessRefs; membership and control
 * go through Artery). MLP, CNN and a small average-pooling CNN × {whole, 2 slices, 3 slices,
 * 2 stages, 2 stages × 2 slices, replicas and hybrids} × M ∈ {1, 4}, the recurrent models with
 * sliced recurrent layers (per-time-step messages), and carried recurrent streams: after training
 * (10 steps; the streams 2 epochs of 9) every parameter equals the reference trainer's within 1e-5
 * relative. The example model files users start from (docs/examples) train model-parallel on 2
 * nodes, in slices and in stages, as the reference trainer does.
 */
class EmbeddedClusterExactnessTest {
  private static final List<String> NODES = List.of("node-1", "node-2", "node-3", "node-4");
  /** Keyed by the whole spec: the example file mlp.conf and the named mlp share a name, not a topology. */
  private static final Map<ModelSpec, LocalTrainer> REFERENCES = new HashMap<>();
  private static final Map<ModelSpec, CarriedStreams.Reference> CARRIED_REFERENCES = new HashMap<>();
  private static EmbeddedCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = EmbeddedCluster.start(NODES.size(), RuntimeSettings.defaults());
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of(StandardModels.mlp(3), StandardModels.cnn(3), ExactnessCheck.averagePoolingCnn())
        .flatMap(model -> Stream.of(1, 4)
        .flatMap(m -> ExactnessCheck.plans(model, model.layers().size() / 2, m, NODES).stream()
            .map(plan -> Arguments.of(model, plan))));
  }

  /** Recurrent models on the plans that slice their recurrent layers; M = 2 (micro-batches interleave). */
  static Stream<Arguments> recurrentCases() {
    return ExactnessCheck.recurrentModels().stream().flatMap(model -> ExactnessCheck.plans(model, 1, 2, NODES)
        .stream().filter(plan -> plan.stages().get(0).sliceCount() > 1).map(plan -> Arguments.of(model, plan)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("recurrentCases")
  void recurrentPlanEqualsReference(ModelSpec model, PartitionPlan plan) {
    planEqualsReference(model, plan);
  }

  /** Carried recurrent streams (char-lstm's truncated BPTT) on the plans that slice or replicate them; M = 2. */
  static Stream<Arguments> carriedStreamCases() {
    return CarriedStreams.models().stream().flatMap(model -> ExactnessCheck.plans(model, 1, 2, NODES,
        CarriedStreams.STREAMS).stream().filter(plan -> plan.stages().get(0).sliceCount() > 1 || plan.replicas() > 1)
        .map(plan -> Arguments.of(model, plan)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("carriedStreamCases")
  void carriedStreamsEqualReference(ModelSpec model, PartitionPlan plan) {
    CarriedStreams.Reference reference = CARRIED_REFERENCES.computeIfAbsent(model,
        n -> CarriedStreams.reference(model));
    try (DistributedTrainer trainer = cluster.trainer(model, CarriedStreams.config(), plan)) {
      ExactnessCheck.Outcome outcome = CarriedStreams.compare(reference, trainer);
      System.out.println(model.name() + " " + ExactnessCheck.describe(plan, outcome));
      assertTrue(outcome.maxRelative() < ExactnessCheck.TOLERANCE, ExactnessCheck.describe(plan, outcome));
    }
  }

  /** docs/examples/*.conf (the module runs in runtime/) × {2 slices, 2 stages} on 2 nodes, M = 1. */
  static Stream<Arguments> exampleFileCases() throws IOException {
    List<Arguments> cases = new ArrayList<>();
    try (Stream<Path> files = Files.list(Path.of("..", "docs", "examples"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".conf")).sorted().toList()) {
        ModelSpec model = ModelFile.read(file, 3);
        int layers = model.layers().size();
        for (PartitionPlan plan : List.of(
            ExactnessCheck.plan(model, new int[] {0, layers}, new int[] {2}, 1, NODES),
            ExactnessCheck.plan(model, new int[] {0, layers / 2, layers}, new int[] {1, 1}, 1, NODES))) {
          cases.add(Arguments.of(model, plan));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("exampleFileCases")
  void exampleModelFileEqualsReference(ModelSpec model, PartitionPlan plan) {
    planEqualsReference(model, plan);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void planEqualsReference(ModelSpec model, PartitionPlan plan) {
    LocalTrainer reference = REFERENCES.computeIfAbsent(model, n -> ExactnessCheck.reference(model));
    try (DistributedTrainer trainer = cluster.trainer(model, ExactnessCheck.config(), plan)) {
      ExactnessCheck.Outcome outcome = ExactnessCheck.compare(reference, trainer);
      System.out.println(model.name() + " " + ExactnessCheck.describe(plan, outcome));
      assertTrue(outcome.maxRelative() < ExactnessCheck.TOLERANCE, ExactnessCheck.describe(plan, outcome));
    }
  }
}
