package org.partita.partitioner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.partita.models.layers.UnitRange;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;

class PlanValidatorTest {
  private static final OptimizerSpec ADAM = OptimizerSpec.adam(1e-3f);
  private final ModelSpec mlp = StandardModels.mlp(1);
  private final ClusterSpec roomy = ClusterSpec.uniform(4, 2, 4L << 30, Fixtures.gigabit());

  private PartitionPlan twoStages(List<List<UnitRange>> first, List<List<UnitRange>> second, int batch) {
    return new PartitionPlan(1, List.of(new StagePlan(0, 2, first), new StagePlan(2, 3, second)), 2,
        PipelineSchedule.GPIPE, batch, Map.of(new ShardId(0, 0, 0), "w0", new ShardId(0, 0, 1), "w1",
        new ShardId(0, 1, 0), "w2"));
  }

  @Test
  void aBalancedPlanPasses() {
    PartitionPlan plan = PartitionPlan.balanced(mlp, 2, new int[] {0, 2, 3}, new int[] {1, 1}, 2,
        PipelineSchedule.ONE_F_ONE_B, 128, roomy.names());
    assertTrue(PlanValidator.problems(plan, mlp, roomy, ADAM).isEmpty());
    assertEquals(4, plan.shards().size());
    assertEquals(32, plan.microBatchSize());
  }

  @Test
  void gapsOverlapsImbalanceAndBatchArithmeticAreNamed() {
    PartitionPlan plan = twoStages(
        List.of(List.of(new UnitRange(0, 100), new UnitRange(101, 256)),
            List.of(new UnitRange(0, 10), new UnitRange(10, 128))),
        List.of(List.of(new UnitRange(0, 10))), 127);
    List<String> problems = PlanValidator.problems(plan, mlp, roomy, ADAM);
    assertTrue(problems.contains("slice 1 of layer 0 (Dense 784→256 relu) starts at unit 101 but unit 100 is next uncovered"),
        problems.toString());
    assertTrue(problems.contains("the slices of layer 1 (Dense 256→128 relu) are unbalanced: 10 to 118 units"),
        problems.toString());
    assertTrue(problems.contains("global batch 127 is not divisible by replicas × micro-batches = 1 × 2"),
        problems.toString());
  }

  @Test
  void missingLayersAndUnknownNodesAreNamed() {
    PartitionPlan plan = new PartitionPlan(1, List.of(new StagePlan(0, 2, List.of(
        List.of(UnitRange.all(256)), List.of(UnitRange.all(128))))), 1, PipelineSchedule.GPIPE, 128,
        Map.of(new ShardId(0, 0, 0), "w9"));
    List<String> problems = PlanValidator.problems(plan, mlp, roomy, ADAM);
    assertTrue(problems.contains("the stages cover layers up to 2 but the model has 3"), problems.toString());
    assertTrue(problems.contains("shard r0/s0/p0 is placed on unknown node 'w9' (cluster: [w0, w1, w2, w3])"),
        problems.toString());
  }

  @Test
  void memoryShortfallNamesShardLayerNodeAndSizes() {
    ModelSpec wide = StandardModels.wideMlp(1);
    ClusterSpec small = ClusterSpec.uniform(2, 2, 128L << 20, Fixtures.gigabit());
    PartitionPlan plan = PartitionPlan.balanced(wide, 1, new int[] {0, 1, 3}, new int[] {1, 1}, 1,
        PipelineSchedule.GPIPE, 128, small.names());
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> PlanValidator.validate(plan, wide, small, ADAM));
    assertTrue(error.getMessage().contains("stage 1 slice 0 of layers 1–2 (Dense 4096→4096 relu, Dense 4096→10 identity) "
        + "needs"), error.getMessage());
    assertTrue(error.getMessage().matches(".*node w1 needs [0-9,]+ MiB but offers 128 MiB.*"), error.getMessage());
  }

  @Test
  void plansRoundTripThroughProto() {
    PartitionPlan plan = PartitionPlan.balanced(StandardModels.cnn(1), 2, new int[] {0, 3, 8}, new int[] {2, 1}, 4,
        PipelineSchedule.ONE_F_ONE_B, 128, ClusterSpec.uniform(6, 2, 1L << 30, Fixtures.gigabit()).names());
    assertEquals(plan, PlanProtos.fromProto(PlanProtos.toProto(plan), "test"));
  }
}
