package org.partita.partitioner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;

class PlannerTest {
  private static final OptimizerSpec ADAM = OptimizerSpec.adam(1e-3f);
  private final Planner planner = new Planner(new CostModel(Fixtures.machine(), Fixtures.gigabit()));

  static Stream<Arguments> modelsAndClusters() {
    List<Arguments> cases = new ArrayList<>();
    for (ModelSpec model : List.of(StandardModels.mlp(1), StandardModels.cnn(1), Fixtures.rnn(), StandardModels.lstm(1),
        StandardModels.gru(1), Fixtures.stackedLstm(), Fixtures.embeddedGru())) {
      for (int nodes : new int[] {1, 2, 4, 8}) {
        cases.add(Arguments.of(model, nodes));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} on {1} nodes")
  @MethodSource("modelsAndClusters")
  void choosesAValidPlanThatBeatsItsRunnersUp(ModelSpec model, int nodes) {
    ClusterSpec cluster = ClusterSpec.uniform(nodes, 2, 4L << 30, Fixtures.gigabit());
    Planner.Result result = planner.plan(new Planner.Request(model, cluster, 128, ADAM));
    PartitionPlan plan = result.chosen().plan();
    PlanValidator.validate(plan, model, cluster, ADAM);
    assertTrue(plan.shards().size() <= nodes);
    for (Planner.Candidate other : result.alternatives()) {
      assertTrue(other.prediction().total() >= result.chosen().prediction().total(), other.plan().describe());
    }
    assertTrue(result.chosen().prediction().compute() > 0);
  }

  @Test
  void wideMlpThatDoesNotFitOneNodeGetsAModelParallelPlan() {
    ModelSpec wide = StandardModels.wideMlp(1);
    ClusterSpec cluster = ClusterSpec.uniform(4, 2, 256L << 20, Fixtures.gigabit());
    Planner.Result result = planner.plan(new Planner.Request(wide, cluster, 128, ADAM));
    PartitionPlan plan = result.chosen().plan();
    assertTrue(plan.stages().size() > 1 || plan.stages().get(0).sliceCount() > 1, plan.describe());
    assertEquals(1, plan.replicas(), "a replica of the whole model cannot fit: " + plan.describe());
  }

  @Test
  void cnnOnTwoRoomyNodesIsDataParallel() {
    ClusterSpec cluster = ClusterSpec.uniform(2, 2, 8L << 30, Fixtures.gigabit());
    Planner.Result result = planner.plan(new Planner.Request(StandardModels.cnn(1), cluster, 128, ADAM));
    assertEquals(2, result.chosen().plan().replicas(), result.chosen().plan().describe());
  }

  @Test
  void modelParallelRequestSplitsEveryReplicaEvenWhenReplicasWouldBeFaster() {
    ClusterSpec cluster = ClusterSpec.uniform(4, 2, 8L << 30, Fixtures.gigabit());
    Planner.Request request = new Planner.Request(StandardModels.cnn(1), cluster, 128, ADAM);
    Planner.Result result = planner.plan(request.modelParallel());
    assertTrue(result.chosen().prediction().total() >= planner.plan(request).chosen().prediction().total());
    for (Planner.Candidate candidate : Stream.concat(Stream.of(result.chosen()), result.alternatives().stream()).toList()) {
      PartitionPlan plan = candidate.plan();
      assertTrue(plan.shards().size() / plan.replicas() >= 2, plan.describe());
    }
  }

  @Test
  void modelParallelOnOneNodeIsRefusedWithTheReason() {
    ClusterSpec cluster = ClusterSpec.uniform(1, 2, 8L << 30, Fixtures.gigabit());
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> planner.plan(new Planner.Request(StandardModels.cnn(1), cluster, 128, ADAM).modelParallel()));
    assertEquals("no plan splits model 'cnn' over 2 or more of 1 node(s): model parallelism needs at least 2 nodes",
        error.getMessage());
  }

  @Test
  void modelThatFitsNowhereSaysHowMuchItNeeds() {
    ClusterSpec cluster = ClusterSpec.uniform(1, 2, 64L << 20, Fixtures.gigabit());
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> planner.plan(new Planner.Request(StandardModels.wideMlp(1), cluster, 128, ADAM)));
    assertTrue(error.getMessage().matches(".*fits no plan on 1 node\\(s\\) offering 64 MiB: the smallest plan, .*, "
        + "needs [0-9,]+ MiB on its fullest node.*"), error.getMessage());
  }

  @Test
  void stageCutsBalanceCompute() {
    ModelSpec cnn = StandardModels.cnn(1);
    int[] cuts = planner.balancedCuts(cnn, 2);
    assertEquals(0, cuts[0]);
    assertEquals(cnn.layers().size(), cuts[2]);
    assertTrue(cuts[1] > 0 && cuts[1] < cnn.layers().size());
  }
}
