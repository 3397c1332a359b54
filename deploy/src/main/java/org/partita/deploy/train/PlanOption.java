package org.partita.deploy.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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

  /**
   * The workers a plan is for, as the cost model sees them: workers in one JVM share its heap,
   * workers on one host (same host in their "pid@host") share its cores, and {@code link} carries
   * their exchanges.
   */
  public record Workers(List<WorkerInfo> list, Link link) {
    public Workers {
      if (list.isEmpty()) {
        throw new IllegalArgumentException("a plan needs at least one worker");
      }
      list = List.copyOf(list);
    }

    /**
     * With the link the runtime can tell: nodes in one JVM hand messages over in-process
     * ({@link Link#SAME_PROCESS}); nodes on one host share its loopback and cores
     * ({@link Link#SHARED_MACHINE}); nodes on several hosts are assumed 1 Gbit/s apart, 50 µs per message.
     */
    public static Workers seen(List<WorkerInfo> list) {
      if (oneProcess(list)) {
        return new Workers(list, Link.SAME_PROCESS);
      }
      return new Workers(list, oneHost(list) ? Link.SHARED_MACHINE : Link.parse("1gbit", 50e-6));
    }

    /**
     * The same workers over a link known better than the runtime can tell (e.g. a shaped one);
     * between processes of one host it comes on top of what the shared cores cost each byte
     * ({@link Link#then}).
     */
    public Workers over(Link known) {
      return new Workers(list, !oneProcess(list) && oneHost(list) ? known.then(Link.SHARED_MACHINE) : known);
    }

    private static boolean oneProcess(List<WorkerInfo> list) {
      return list.stream().map(WorkerInfo::process).distinct().count() <= 1;
    }

    private static boolean oneHost(List<WorkerInfo> list) {
      return list.stream().map(WorkerInfo::host).distinct().count() <= 1;
    }

    public List<NodeSpec> nodeSpecs() {
      Map<String, Long> perProcess = list.stream().collect(Collectors.groupingBy(WorkerInfo::process,
          Collectors.counting()));
      Map<String, Long> perHost = workersPerHost();
      List<NodeSpec> nodes = new ArrayList<>();
      for (WorkerInfo worker : list) {
        nodes.add(new NodeSpec(worker.name(), (int) Math.max(1, worker.cores() / perHost.get(worker.host())),
            worker.maxMemoryBytes() / perProcess.get(worker.process())));
      }
      return nodes;
    }

    /** The fewest cores any worker computes on; the cost model prices every node alike. */
    public int coresPerNode() {
      return nodeSpecs().stream().mapToInt(NodeSpec::cores).min().orElse(1);
    }

    /**
     * The smallest share of its host's cores any worker gets when all compute at once: host cores ÷
     * workers on the host, below one core when a host runs more workers than it has cores (they
     * take turns), capped at what the plan's nodes compute with ({@link #coresPerNode}).
     */
    public double coreSharePerNode() {
      return coreShare(list);
    }

    /** {@link #coreSharePerNode} with only {@code busy} computing: idle workers leave their hosts' cores to them. */
    private double coreShare(List<WorkerInfo> busy) {
      Map<String, Long> perHost = busy.stream().collect(Collectors.groupingBy(WorkerInfo::host, Collectors.counting()));
      double share = busy.stream().mapToDouble(worker -> (double) worker.cores() / perHost.get(worker.host())).min()
          .orElse(1);
      return Math.min(share, coresPerNode());
    }

    /**
     * How many of a host's cores compute at once when {@code busy} compute: each worker on
     * {@link #coresPerNode} cores, at most the host's; the busiest host counts.
     */
    private double busyCores(List<WorkerInfo> busy) {
      Map<String, Long> perHost = busy.stream().collect(Collectors.groupingBy(WorkerInfo::host, Collectors.counting()));
      int perNode = coresPerNode();
      return busy.stream().mapToDouble(worker -> Math.min(worker.cores(), perHost.get(worker.host()) * perNode)).max()
          .orElse(1);
    }

    private Map<String, Long> workersPerHost() {
      return list.stream().collect(Collectors.groupingBy(WorkerInfo::host, Collectors.counting()));
    }

    /** The cost model with every worker computing. */
    public CostModel costModel(MachineProfile machine) {
      return CostModel.onCoreShare(machine, coreSharePerNode(), busyCores(list), link);
    }

    /** The cost model for {@code plan}: only the workers it places shards on compute. */
    public CostModel costModel(MachineProfile machine, PartitionPlan plan) {
      Set<String> used = Set.copyOf(plan.placement().values());
      List<WorkerInfo> busy = list.stream().filter(worker -> used.contains(worker.name())).toList();
      List<WorkerInfo> computing = busy.isEmpty() ? list : busy;
      return CostModel.onCoreShare(machine, coreShare(computing), busyCores(computing), link);
    }

    /** A planner that prices each plan on the workers it uses. */
    Planner planner(MachineProfile machine) {
      return new Planner(costModel(machine), plan -> costModel(machine, plan));
    }
  }

  /** {@code machine} is asked for only when a plan needs predictions ("auto", or stage boundaries). */
  public static Choice choose(String text, ModelSpec model, int batch, OptimizerSpec optimizer, Workers workers,
      Supplier<MachineProfile> machine) {
    if (PlanShape.isPlannerChoice(text)) {
      Planner planner = workers.planner(machine.get());
      Planner.Request request = new Planner.Request(model, new ClusterSpec(workers.nodeSpecs(), workers.link()), batch,
          optimizer);
      boolean modelParallel = PlanShape.isModelParallel(text);
      Planner.Result result = planner.plan(modelParallel ? request.modelParallel() : request);
      return new Choice(result.chosen().plan(), "planner's choice among " + result.considered()
          + (modelParallel ? " model-parallel" : "") + " plans: predicted "
          + String.format(Locale.ROOT, "%.1f ms", result.chosen().prediction().total() * 1e3) + " per step");
    }
    PlanShape shape = PlanShape.parse(text, "--plan");
    List<String> names = workers.list().stream().map(WorkerInfo::name).toList();
    PartitionPlan plan = shape.toPlan(model, batch, names,
        stages -> workers.planner(machine.get()).balancedCuts(model, stages), text, "--plan");
    return new Choice(plan, "as given by --plan " + text);
  }

  /**
   * True when {@link #choose} will ask for the machine profile: the planner's choices, and stage
   * boundaries it balances. A caller measures it before starting nodes, whose heartbeats the
   * probe (every core busy for seconds) would otherwise delay.
   */
  public static boolean needsMachineProfile(String text) {
    return PlanShape.isPlannerChoice(text) || PlanShape.parse(text, "--plan").stages() > 1;
  }

  /** Reads an explicit --plan (the planner's choices give null), so a typo fails before any node starts. */
  public static PlanShape parse(String text) {
    return PlanShape.isPlannerChoice(text) ? null : PlanShape.parse(text, "--plan");
  }

  /** The cost model's step time for {@code plan} on these workers. */
  public static StepPrediction predict(MachineProfile machine, Workers workers, ModelSpec model, PartitionPlan plan,
      OptimizerSpec optimizer) {
    return workers.costModel(machine, plan).predict(model, plan, optimizer);
  }

  /** The cost model's step time for the reference trainer with this process's compute threads. */
  public static double predictReference(MachineProfile machine, ModelSpec model, int batch, OptimizerSpec optimizer) {
    return new CostModel(machine.scaledTo(Math.min(machine.threads(), Parallel.threads())), Link.SHARED_MACHINE)
        .singleNodeStepSeconds(model, batch, optimizer);
  }
}
