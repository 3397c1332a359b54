package org.partita.deploy.plan;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.partita.deploy.ExitCode;
import org.partita.deploy.report.Json;
import org.partita.models.io.ModelFiles;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;
import org.partita.partitioner.ClusterSpec;
import org.partita.partitioner.CostModel;
import org.partita.partitioner.Link;
import org.partita.partitioner.MachineProfile;
import org.partita.partitioner.MachineProfiles;
import org.partita.partitioner.MemoryModel;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.Planner;
import org.partita.partitioner.ShardId;
import org.partita.partitioner.ShardMemory;
import org.partita.partitioner.StagePlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code partita plan}: the planner's choice for a model on a described cluster, with the predicted
 * step-time breakdown, per-node memory, and the runners-up. Machine constants come from a profile
 * measured on this machine (cached) and scaled to the nodes' core count.
 */
@Command(name = "plan",
    mixinStandardHelpOptions = true,
    description = "Choose how to split a model over a cluster and predict its step time and memory.",
    footer = {"", "Examples:",
        "  partita plan --model wide-mlp --nodes 4 --node-memory 256m     # too big for one node: model-parallel",
        "  partita plan --model cnn --nodes 2 --node-memory 8g            # data-parallel",
        "  partita plan --model my-model.conf --nodes 8 --cores 16 --link 10gbit --json",
        "", "A model file (.conf, .hocon, .json) is described in docs/MODELS.md; a .pbtxt or .pb file holds a",
        "partita.ModelSpecProto in protobuf text or binary format."})
public final class PlanCommand implements Callable<Integer> {

  @Option(names = "--model", required = true,
      description = ModelFiles.CHOICES + ".")
  String model;

  @Option(names = "--nodes", defaultValue = "1", description = "Nodes available (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--cores", description = "Cores per node (default: this machine's).")
  Integer cores;

  @Option(names = "--node-memory", defaultValue = "2g", description = "Heap per node, e.g. 512m, 2g (default: ${DEFAULT-VALUE}).")
  String nodeMemory;

  @Option(names = "--link", defaultValue = "1gbit", description = "Link speed, e.g. 1gbit, 10gbit (default: ${DEFAULT-VALUE}).")
  String link;

  @Option(names = "--latency-us", defaultValue = "50", description = "One-way message latency in µs (default: ${DEFAULT-VALUE}).")
  double latencyMicros;

  @Option(names = "--batch", defaultValue = "128", description = "Global batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--profile", description = "Machine profile file to use (default: measure once, cache in "
      + "~/.cache/partita/machine-profile.pb).")
  Path profile;

  @Option(names = "--remeasure", description = "Measure the machine profile again even if one is cached.")
  boolean remeasure;

  @Option(names = "--json", description = "Print the result as JSON instead of text.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    if (nodes < 1 || batch < 1 || (cores != null && cores < 1) || latencyMicros < 0) {
      throw new IllegalArgumentException("--nodes, --batch and --cores must be ≥ 1 and --latency-us ≥ 0");
    }
    ModelSpec spec = loadModel();
    long memory = parseBytes(nodeMemory);
    MachineProfile machine = machineProfile(profile, remeasure);
    int nodeCores = cores != null ? cores : machine.threads();
    Link network = parseLink(link, latencyMicros);
    ClusterSpec cluster = ClusterSpec.uniform(nodes, nodeCores, memory, network);
    OptimizerSpec optimizer = OptimizerSpec.adam(1e-3f);
    Planner planner = new Planner(new CostModel(machine.scaledTo(nodeCores), network));
    Planner.Result result = planner.plan(new Planner.Request(spec, cluster, batch, optimizer));
    PrintStream out = System.out;
    if (json) {
      out.print(Json.write(toJson(spec, result, machine, cluster, optimizer)));
    } else {
      print(out, spec, result, machine, cluster, optimizer);
    }
    return ExitCode.OK;
  }

  private ModelSpec loadModel() throws IOException {
    return ModelFiles.resolve(model, 1, "--model");
  }

  /** The profile in {@code file}, else the cached one, else measured now and cached. */
  public static MachineProfile machineProfile(Path file, boolean remeasure) throws IOException {
    return MachineProfiles.cachedOrMeasured(file, remeasure,
        line -> System.err.println("plan: " + line + (line.startsWith("machine profile from") ? " (--remeasure to"
            + " refresh)" : "")));
  }

  /** {@code --link} and {@code --latency-us}; a bad speed is refused with the option named. */
  public static Link parseLink(String speed, double latencyMicros) {
    if (!(latencyMicros >= 0)) {
      throw new IllegalArgumentException("--latency-us must be ≥ 0, got " + latencyMicros);
    }
    try {
      return Link.parse(speed, latencyMicros * 1e-6);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--link: " + e.getMessage(), e);
    }
  }

  static long parseBytes(String text) {
    String value = text.trim().toLowerCase(Locale.ROOT);
    long scale = 1;
    if (value.endsWith("g")) {
      scale = 1L << 30;
    } else if (value.endsWith("m")) {
      scale = 1L << 20;
    } else if (value.endsWith("k")) {
      scale = 1L << 10;
    }
    try {
      double number = Double.parseDouble(scale == 1 ? value : value.substring(0, value.length() - 1));
      if (!(number > 0)) {
        throw new NumberFormatException("not positive");
      }
      return (long) (number * scale);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--node-memory '" + text + "' is not a size like 512m or 2g", e);
    }
  }

  private void print(PrintStream out, ModelSpec spec, Planner.Result result, MachineProfile machine,
      ClusterSpec cluster, OptimizerSpec optimizer) {
    out.println(spec.summary());
    out.printf(Locale.ROOT, "cluster: %d node(s) × %d cores, %s each, link %s; batch %d, %s%n", nodes,
        cluster.nodes().get(0).cores(), ShardMemory.mebibytes(cluster.nodes().get(0).memoryBytes()), cluster.link(),
        batch, optimizer.describe());
    out.printf(Locale.ROOT, "considered %d plans, %d did not fit in memory%n%n", result.considered(), result.tooLarge());
    Planner.Candidate chosen = result.chosen();
    out.println("chosen: " + chosen.plan().describe());
    out.println("  predicted step " + chosen.prediction().describe());
    describeStages(out, spec, chosen.plan());
    out.printf(Locale.ROOT, "  memory per node (its shards, the runtime's %s, %d%% of the heap left free for the collector):%n",
        ShardMemory.mebibytes(MemoryModel.RUNTIME_BASE), Math.round(100 * (1 - MemoryModel.HEAP_FILL)));
    for (String node : cluster.names()) {
      long need = MemoryModel.node(spec, chosen.plan(), node, optimizer);
      if (chosen.plan().placement().containsValue(node)) {
        out.printf(Locale.ROOT, "    %-4s %s of %s%n", node, ShardMemory.mebibytes(need),
            ShardMemory.mebibytes(cluster.node(node).memoryBytes()));
      }
    }
    for (Map.Entry<ShardId, String> entry : chosen.plan().placement().entrySet()) {
      out.printf(Locale.ROOT, "    shard %-9s on %-4s %s%n", entry.getKey(), entry.getValue(),
          MemoryModel.shard(spec, chosen.plan(), entry.getKey(), optimizer).describe());
    }
    if (!result.alternatives().isEmpty()) {
      out.println();
      out.println("runners-up:");
      for (Planner.Candidate candidate : result.alternatives()) {
        out.printf(Locale.ROOT, "  %-62s %s, peak node %s%n", candidate.plan().describe(),
            candidate.prediction().describe(), ShardMemory.mebibytes(candidate.peakNodeBytes()));
      }
    }
    out.println();
    out.println("machine: " + machine.describe() + (cores != null ? " (scaled to " + cores + " cores per node)" : ""));
  }

  private static void describeStages(PrintStream out, ModelSpec spec, PartitionPlan plan) {
    for (int s = 0; s < plan.stages().size(); s++) {
      StagePlan stage = plan.stages().get(s);
      out.printf(Locale.ROOT, "  stage %d: layers %d–%d in %d slice(s)%n", s, stage.firstLayer(), stage.endLayer() - 1,
          stage.sliceCount());
      for (int layer = stage.firstLayer(); layer < stage.endLayer(); layer++) {
        out.printf(Locale.ROOT, "    %2d %-46s units %s%n", layer, spec.layers().get(layer).describe(),
            stage.layerSlices().get(layer - stage.firstLayer()));
      }
    }
  }

  private Map<String, Object> toJson(ModelSpec spec, Planner.Result result, MachineProfile machine,
      ClusterSpec cluster, OptimizerSpec optimizer) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("model", spec.name());
    json.put("parameters", spec.parameterCount());
    json.put("nodes", nodes);
    json.put("cores_per_node", cluster.nodes().get(0).cores());
    json.put("node_memory_bytes", cluster.nodes().get(0).memoryBytes());
    json.put("link", cluster.link().toString());
    json.put("batch", batch);
    json.put("considered", result.considered());
    json.put("did_not_fit", result.tooLarge());
    json.put("chosen", candidateJson(spec, result.chosen(), optimizer));
    List<Object> alternatives = new ArrayList<>();
    result.alternatives().forEach(candidate -> alternatives.add(candidateJson(spec, candidate, optimizer)));
    json.put("runners_up", alternatives);
    json.put("machine", machine.describe());
    return json;
  }

  private static Map<String, Object> candidateJson(ModelSpec spec, Planner.Candidate candidate, OptimizerSpec optimizer) {
    PartitionPlan plan = candidate.plan();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("plan", plan.describe());
    json.put("replicas", plan.replicas());
    json.put("stages", plan.stages().size());
    json.put("slices_per_stage", plan.stages().stream().map(StagePlan::sliceCount).toList());
    json.put("micro_batches", plan.microBatches());
    json.put("schedule", plan.schedule().name());
    Map<String, Object> step = new LinkedHashMap<>();
    step.put("total_seconds", candidate.prediction().total());
    step.put("compute_seconds", candidate.prediction().compute());
    step.put("exchange_seconds", candidate.prediction().exchange());
    step.put("bubble_seconds", candidate.prediction().bubble());
    step.put("all_reduce_seconds", candidate.prediction().allReduce());
    step.put("update_seconds", candidate.prediction().update());
    json.put("predicted_step", step);
    json.put("peak_node_bytes", candidate.peakNodeBytes());
    Map<String, Object> shards = new LinkedHashMap<>();
    plan.placement().forEach((shard, node) -> shards.put(shard.toString(), Map.of("node", node, "bytes",
        MemoryModel.shard(spec, plan, shard, optimizer).total())));
    json.put("shards", shards);
    return json;
  }
}
