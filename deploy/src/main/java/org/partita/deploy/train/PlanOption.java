package org.partita.deploy.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;
import org.partita.partitioner.ClusterSpec;
import org.partita.partitioner.CostModel;
import org.partita.partitioner.Link;
import org.partita.partitioner.MachineProfile;
import org.partita.partitioner.NodeSpec;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PipelineSchedule;
import org.partita.partitioner.Planner;
import org.partita.runtime.WorkerInfo;

/**
 * {@code --plan}: "auto" (the planner's fastest plan for these workers) or comma-separated
 * {@code replicas=R}, {@code stages=S}, {@code slices=K}, {@code micro-batches=M},
 * {@code schedule=gpipe|1f1b}; e.g. "replicas=2,slices=2". Stage boundaries balance predicted
 * compute; shards go to the workers in turn, replica by replica.
 */
final class PlanOption {
  /**
   * Embedded nodes share the machine's cores with the transport: measured on 2 cores, the CNN's
   * 2-slice all-gathers moved ~30 MB per step at an effective ~150–200 MB/s while both nodes
   * computed (docs/BENCHMARKS.md), far below raw loopback. Plans are chosen with that rate.
   */
  static final Link LOOPBACK = new Link(2e8, 200e-6);

  private PlanOption() {}

  record Choice(PartitionPlan plan, String reason) {}

  /** {@code machine} is asked for only when a plan needs predictions ("auto", or stage boundaries). */
  static Choice choose(String text, ModelSpec model, int batch, OptimizerSpec optimizer, List<WorkerInfo> workers,
      Supplier<MachineProfile> machine) {
    if (text.equalsIgnoreCase("auto")) {
      Planner planner = planner(machine.get(), workers.size());
      List<NodeSpec> nodes = new ArrayList<>();
      for (WorkerInfo worker : workers) {
        nodes.add(new NodeSpec(worker.name(), coresPerNode(machine.get(), workers.size()),
            worker.maxMemoryBytes() / workers.size()));
      }
      ClusterSpec cluster = new ClusterSpec(nodes, LOOPBACK);
      Planner.Result result = planner.plan(new Planner.Request(model, cluster, batch, optimizer));
      return new Choice(result.chosen().plan(), "planner's choice among " + result.considered()
          + " plans: predicted " + String.format(Locale.ROOT, "%.1f ms", result.chosen().prediction().total() * 1e3)
          + " per step");
    }
    Shape shape = parse(text);
    int stages = shape.stages();
    int slices = shape.slices();
    if (stages > model.layers().size()) {
      throw new IllegalArgumentException("--plan '" + text + "': model '" + model.name() + "' has only "
          + model.layers().size() + " layers for " + stages + " stages");
    }
    int[] sliceCounts = new int[stages];
    java.util.Arrays.fill(sliceCounts, slices);
    if (shape.replicas() > batch) {
      throw new IllegalArgumentException("--plan '" + text + "': " + shape.replicas() + " replicas cannot share a"
          + " batch of " + batch + " samples");
    }
    List<String> placement = new ArrayList<>();
    for (int i = 0; i < shape.replicas() * stages * slices; i++) {
      placement.add(workers.get(i % workers.size()).name());
    }
    int[] cuts = stages == 1 ? new int[] {0, model.layers().size()}
        : planner(machine.get(), workers.size()).balancedCuts(model, stages);
    PartitionPlan plan = PartitionPlan.balanced(model, shape.replicas(), cuts, sliceCounts, shape.microBatches(),
        shape.schedule(), batch, placement);
    return new Choice(plan, "as given by --plan " + text);
  }

  /** What an explicit --plan asks for. */
  record Shape(int replicas, int stages, int slices, int microBatches, PipelineSchedule schedule) {}

  /** Reads an explicit --plan ("auto" gives null), so a typo fails before any node starts. */
  static Shape parse(String text) {
    if (text.equalsIgnoreCase("auto")) {
      return null;
    }
    int replicas = 1;
    int stages = 1;
    int slices = 1;
    int microBatches = 1;
    PipelineSchedule schedule = PipelineSchedule.GPIPE;
    for (String part : text.split(",")) {
      String[] pair = part.trim().split("=");
      if (pair.length != 2) {
        throw new IllegalArgumentException("--plan '" + text + "': '" + part + "' is not key=value; use auto or e.g. "
            + "replicas=2 or stages=2,slices=2,micro-batches=4");
      }
      String value = pair[1].trim();
      switch (pair[0].trim().toLowerCase(Locale.ROOT)) {
        case "replicas" -> replicas = positive(text, pair[0], value);
        case "stages" -> stages = positive(text, pair[0], value);
        case "slices" -> slices = positive(text, pair[0], value);
        case "micro-batches", "micro" -> microBatches = positive(text, pair[0], value);
        case "schedule" -> schedule = switch (value.toLowerCase(Locale.ROOT)) {
          case "gpipe" -> PipelineSchedule.GPIPE;
          case "1f1b", "one-f-one-b" -> PipelineSchedule.ONE_F_ONE_B;
          default -> throw new IllegalArgumentException("--plan '" + text + "': schedule must be gpipe or 1f1b");
        };
        default -> throw new IllegalArgumentException("--plan '" + text + "': unknown key '" + pair[0]
            + "'; keys are replicas, stages, slices, micro-batches, schedule");
      }
    }
    return new Shape(replicas, stages, slices, microBatches, schedule);
  }

  /** Embedded nodes share the machine's cores. */
  private static int coresPerNode(MachineProfile machine, int nodes) {
    return Math.max(1, machine.threads() / nodes);
  }

  private static Planner planner(MachineProfile machine, int nodes) {
    return new Planner(new CostModel(machine.scaledTo(coresPerNode(machine, nodes)), LOOPBACK));
  }

  private static int positive(String text, String key, String value) {
    try {
      int number = Integer.parseInt(value);
      if (number >= 1) {
        return number;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--plan '" + text + "': " + key + " must be a whole number ≥ 1, got '" + value
        + "'");
  }
}
