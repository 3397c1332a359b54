package org.partita.deploy.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.partita.models.blas.Parallel;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;
import org.partita.partitioner.ClusterSpec;
import org.partita.partitioner.CostModel;
import org.partita.partitioner.Link;
import org.partita.partitioner.MachineProfile;
import org.partita.partitioner.NodeSpec;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PlanShape;
import org.partita.partitioner.Planner;
import org.partita.partitioner.StepPrediction;
import org.partita.runtime.WorkerInfo;

/**
 * {@code --plan}: "auto" (the planner's fastest plan for these workers), "model-parallel" (the
 * fastest that splits each replica of the model over several workers) or comma-separated
 * {@code replicas=R}, {@code stages=S}, {@code slices=K}, {@code micro-batches=M},
 * {@code schedule=gpipe|1f1b}; e.g. "replicas=2,slices=2". Stage boundaries balance predicted
 * compute; shards go to the workers in turn, replica by replica.
 */
public final class PlanOption {
  private PlanOption() {}

  public record Choice(PartitionPlan plan, String reason) {}

  /** {@code machine} is asked for only when a plan needs predictions ("auto", or stage boundaries). */
  public static Choice choose(String text, ModelSpec model, int batch, OptimizerSpec optimizer, List<WorkerInfo> workers,
      Supplier<MachineProfile> machine) {
    if (PlanShape.isPlannerChoice(text)) {
      // Embedded nodes share their JVM's heap; nodes on one host (embedded or local-cluster) its cores.
      Map<String, Long> perProcess = workers.stream().collect(Collectors.groupingBy(WorkerInfo::process,
          Collectors.counting()));
      Map<String, Long> perHost = workers.stream().collect(Collectors.groupingBy(WorkerInfo::host, Collectors.counting()));
      List<NodeSpec> nodes = new ArrayList<>();
      for (WorkerInfo worker : workers) {
        nodes.add(new NodeSpec(worker.name(), (int) Math.max(1, worker.cores() / perHost.get(worker.host())),
            worker.maxMemoryBytes() / perProcess.get(worker.process())));
      }
      boolean oneHost = perHost.size() <= 1;
      Link link = oneHost ? Link.SHARED_MACHINE : Link.parse("1gbit", 50e-6);
      int cores = nodes.stream().mapToInt(NodeSpec::cores).min().orElse(1);
      Planner planner = new Planner(new CostModel(machine.get().scaledTo(cores), link));
      Planner.Request request = new Planner.Request(model, new ClusterSpec(nodes, link), batch, optimizer);
      boolean modelParallel = PlanShape.isModelParallel(text);
      Planner.Result result = planner.plan(modelParallel ? request.modelParallel() : request);
      return new Choice(result.chosen().plan(), "planner's choice among " + result.considered()
          + (modelParallel ? " model-parallel" : "") + " plans: predicted "
          + String.format(Locale.ROOT, "%.1f ms", result.chosen().prediction().total() * 1e3) + " per step");
    }
    PlanShape shape = PlanShape.parse(text, "--plan");
    List<String> names = workers.stream().map(WorkerInfo::name).toList();
    PartitionPlan plan = shape.toPlan(model, batch, names,
        stages -> planner(machine.get(), workers.size()).balancedCuts(model, stages), text, "--plan");
    return new Choice(plan, "as given by --plan " + text);
  }

  /** Reads an explicit --plan (the planner's choices give null), so a typo fails before any node starts. */
  static PlanShape parse(String text) {
    return PlanShape.isPlannerChoice(text) ? null : PlanShape.parse(text, "--plan");
  }

  /** The cost model's step time for {@code plan} on {@code nodes} embedded nodes of this machine. */
  public static StepPrediction predict(MachineProfile machine, int nodes, ModelSpec model, PartitionPlan plan,
      OptimizerSpec optimizer) {
    return new CostModel(machine.scaledTo(coresPerNode(machine, nodes)), Link.SHARED_MACHINE).predict(model, plan,
        optimizer);
  }

  /** The cost model's step time for the reference trainer with this process's compute threads. */
  public static double predictReference(MachineProfile machine, ModelSpec model, int batch, OptimizerSpec optimizer) {
    return new CostModel(machine.scaledTo(Math.min(machine.threads(), Parallel.threads())), Link.SHARED_MACHINE)
        .singleNodeStepSeconds(model, batch, optimizer);
  }

  /** Embedded nodes share the machine's cores. */
  private static int coresPerNode(MachineProfile machine, int nodes) {
    return Math.max(1, machine.threads() / nodes);
  }

  private static Planner planner(MachineProfile machine, int nodes) {
    return new Planner(new CostModel(machine.scaledTo(coresPerNode(machine, nodes)), Link.SHARED_MACHINE));
  }
}
