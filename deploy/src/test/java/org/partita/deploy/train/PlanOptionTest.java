package org.partita.deploy.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;
import org.partita.partitioner.CostModel;
import org.partita.partitioner.MachineProfile;
import org.partita.partitioner.Link;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PipelineSchedule;
import org.partita.runtime.WorkerInfo;

/** Which link and share of the cores the cost model is given for the workers a plan is made for. */
class PlanOptionTest {
  private static final Link SHAPED = Link.parse("1gbit", 20e-6);

  /** A 2-core machine whose GEMMs run at 100 GFLOP/s whatever their shape. */
  private static final MachineProfile MACHINE = new MachineProfile("test CPU", 2, 2, "java",
      List.of(new MachineProfile.GemmSample(1, 1, 100), new MachineProfile.GemmSample(1, 4096, 100),
          new MachineProfile.GemmSample(4096, 1, 100), new MachineProfile.GemmSample(4096, 4096, 100)), 0.5, 1.0, 8,
      20_000, new MachineProfile.UpdateCost(0.3, 0.5, 0.8), 0, null);

  private static WorkerInfo worker(String name, String process) {
    return new WorkerInfo(name, "akka://partita@" + name, 2, 1L << 30, "openblas", process);
  }

  private static final List<WorkerInfo> ONE_JVM = List.of(worker("node-1", "7@a"), worker("node-2", "7@a"));
  private static final List<WorkerInfo> ONE_HOST = List.of(worker("node-1", "7@a"), worker("node-2", "8@a"));
  private static final List<WorkerInfo> TWO_HOSTS = List.of(worker("node-1", "7@a"), worker("node-2", "7@b"));

  @Test
  void theRuntimeTellsInProcessSharedHostAndNetwork() {
    assertEquals(Link.SAME_PROCESS, PlanOption.Workers.seen(ONE_JVM).link());
    assertEquals(Link.SHARED_MACHINE, PlanOption.Workers.seen(ONE_HOST).link());
    assertEquals(Link.parse("1gbit", 50e-6), PlanOption.Workers.seen(TWO_HOSTS).link());
  }

  /**
   * A link given by the user replaces what the runtime assumed, except that processes on one host
   * (bench/bin/netsim's namespaces) still pay for the cores they share, after the wire.
   */
  @Test
  void aGivenLinkBetweenProcessesOfOneHostComesWithTheSharedCores() {
    assertEquals(SHAPED.then(Link.SHARED_MACHINE), PlanOption.Workers.seen(ONE_HOST).over(SHAPED).link());
    assertEquals(SHAPED, PlanOption.Workers.seen(TWO_HOSTS).over(SHAPED).link());
    assertEquals(SHAPED, PlanOption.Workers.seen(ONE_JVM).over(SHAPED).link());
  }

  /**
   * Three worker processes on one 2-core host take turns on its cores when all compute; a plan
   * that places shards on only two of them leaves the third idle, so those two get a core each
   * (the planner prices each candidate so).
   */
  @Test
  void aPlanIsPricedOnTheCoresOfTheWorkersItUses() {
    List<WorkerInfo> three = List.of(worker("node-1", "7@a"), worker("node-2", "8@a"), worker("node-3", "9@a"));
    PlanOption.Workers workers = PlanOption.Workers.seen(three);
    assertEquals(2.0 / 3, workers.coreSharePerNode(), 1e-12);
    ModelSpec mlp = StandardModels.mlp(1);
    OptimizerSpec adam = OptimizerSpec.adam(1e-3f);
    PartitionPlan onTwo = PartitionPlan.balanced(mlp, 2, new int[] {0, 3}, new int[] {1}, 1,
        PipelineSchedule.GPIPE, 128, List.of("node-1", "node-2"));
    double allBusy = workers.costModel(MACHINE).predict(mlp, onTwo, adam).total();
    double planOnly = workers.costModel(MACHINE, onTwo).predict(mlp, onTwo, adam).total();
    double oneCore = CostModel.onCoreShare(MACHINE, 1, 2, workers.link()).predict(mlp, onTwo, adam).total();
    assertEquals(oneCore, planOnly, 1e-12);
    assertTrue(allBusy > 1.3 * planOnly, allBusy + " s with all three busy vs " + planOnly + " s with two");
  }

  /** What measures the machine first: the planner's choices and balanced stage cuts, not a bare replica count. */
  @Test
  void theMachineProfileIsNeededForPlannerChoicesAndStageCuts() {
    assertTrue(PlanOption.needsMachineProfile("auto"));
    assertTrue(PlanOption.needsMachineProfile("model-parallel"));
    assertTrue(PlanOption.needsMachineProfile("stages=2,micro-batches=8,schedule=1f1b"));
    assertEquals(false, PlanOption.needsMachineProfile("replicas=2"));
    assertEquals(false, PlanOption.needsMachineProfile("slices=2"));
  }
}
