package org.partita.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.partita.bench.report.BenchResult;
import org.partita.deploy.report.PngChart;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;
import org.partita.partitioner.ClusterSpec;
import org.partita.partitioner.CostModel;
import org.partita.partitioner.Link;
import org.partita.partitioner.MachineProfile;
import org.partita.partitioner.MachineProfiles;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.Planner;
import org.partita.partitioner.ShardMemory;
import org.partita.partitioner.StepPrediction;

/**
 * How far would Partita scale on a real cluster? Predicts, from this machine's measured profile
 * (cached as {@code partita plan} caches it), the step of the best plan the planner finds for the
 * CNN and the wide MLP on 1–32 nodes, each node a separate machine like this one, over 1 and
 * 10 Gbit/s links; reports the speedup over 1 node with the plan chosen at each size, next to the
 * source paper's "up to 11x for CNNs" and Horovod's reported CPU scaling efficiency. A projection:
 * nothing is trained here, and the cost model behind it is validated only where the cost-model
 * section of docs/BENCHMARKS.md says.
 *
 * <pre>
 *   bench/bin/bench projection [--profile FILE] [--remeasure] [--latency-us 50]
 * </pre>
 */
public final class ProjectionBench {
  private static final int[] NODES = {1, 2, 4, 8, 16, 32};
  private static final String[] MODELS = {"cnn", "wide-mlp"};
  private static final String[] LINKS = {"1gbit", "10gbit"};
  private static final int BATCH = 128;
  /** The heap {@code partita plan} offers a node by default; neither model's plans come near it. */
  private static final long NODE_MEMORY = 2L << 30;
  private static final double PAPER_CNN_SPEEDUP = 11;
  /** Horovod's CPU scaling efficiency at 2, 8 and 16 nodes, as issue 11 quotes it. */
  private static final double[][] HOROVOD_EFFICIENCY = {{2, 0.78}, {8, 0.47}, {16, 0.47}};

  /** How the global batch grows with the cluster. */
  enum Batching {
    /** Weak scaling: every node keeps 128 samples, as data-parallel users (and Horovod's numbers) do. */
    PER_NODE("projection", "128 samples per node (global batch 128·N)"),
    /** Strong scaling: the same 128-sample step cut finer; what a fixed optimisation recipe gets. */
    FIXED("projection, global batch 128", "global batch 128 at every size");

    final String chart;
    final String label;

    Batching(String chart, String label) {
      this.chart = chart;
      this.label = label;
    }

    int globalBatch(int nodes) {
      return this == PER_NODE ? BATCH * nodes : BATCH;
    }
  }

  /** The planner's choice for one model, link, batching and cluster size, and its speedup over 1 node. */
  record Projection(String model, String link, Batching batching, int nodes, PartitionPlan plan, StepPrediction step,
      double speedup) {
    double samplesPerSecond() {
      return batching.globalBatch(nodes) / step.total();
    }
  }

  private ProjectionBench() {}

  public static void main(String[] args) throws IOException {
    Path profileFile = null;
    boolean remeasure = false;
    double latencyMicros = 50;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--profile" -> profileFile = Path.of(value(args, ++i));
        case "--remeasure" -> remeasure = true;
        case "--latency-us" -> latencyMicros = Double.parseDouble(value(args, ++i));
        default -> throw new IllegalArgumentException("unknown flag " + args[i]
            + "; known: --profile FILE, --remeasure, --latency-us N");
      }
    }
    StringBuilder command = new StringBuilder("bench/bin/bench projection");
    for (String arg : args) {
      command.append(' ').append(arg);
    }
    BenchResult result = BenchResult.start("projection", "Projection: predicted speedup on 2–32 nodes",
        command.toString());
    String profileSource = profileFile != null ? "from " + profileFile
        : Files.isRegularFile(MachineProfiles.CACHE) && !remeasure ? "cached in " + MachineProfiles.CACHE
        : "measured now, then cached in " + MachineProfiles.CACHE;
    MachineProfile profile = MachineProfiles.cachedOrMeasured(profileFile, remeasure, line -> System.out.println("# "
        + line));
    int cores = Runtime.getRuntime().availableProcessors();
    List<Projection> projections = new ArrayList<>();
    for (Batching batching : Batching.values()) {
      for (String model : MODELS) {
        for (String link : LINKS) {
          projections.addAll(project(StandardModels.byName(model, 1), profile, cores,
              Link.parse(link, latencyMicros * 1e-6), link, batching));
        }
      }
    }
    describe(result, profile, profileSource, cores, latencyMicros);
    for (Batching batching : Batching.values()) {
      table(result, batching, projections.stream().filter(p -> p.batching() == batching).toList());
      chart(result, batching, projections.stream().filter(p -> p.batching() == batching).toList());
    }
    result.data("projections", projections.stream().map(ProjectionBench::raw).toList());
    result.save();
  }

  /** The best plan at every cluster size, its speedup over the best plan on 1 node. */
  static List<Projection> project(ModelSpec model, MachineProfile profile, int cores, Link link, String linkName,
      Batching batching) {
    Planner planner = new Planner(new CostModel(profile.scaledTo(cores), link));
    OptimizerSpec optimizer = OptimizerSpec.adam(1e-3f);
    List<Projection> projections = new ArrayList<>();
    double oneNodeSamplesPerSecond = Double.NaN;
    for (int nodes : NODES) {
      int batch = batching.globalBatch(nodes);
      Planner.Candidate chosen = planner.plan(new Planner.Request(model,
          ClusterSpec.uniform(nodes, cores, NODE_MEMORY, link), batch, optimizer)).chosen();
      double samplesPerSecond = batch / chosen.prediction().total();
      if (nodes == 1) {
        oneNodeSamplesPerSecond = samplesPerSecond;
      }
      projections.add(new Projection(model.name(), linkName, batching, nodes, chosen.plan(),
          chosen.prediction(), samplesPerSecond / oneNodeSamplesPerSecond));
    }
    return projections;
  }

  private static void describe(BenchResult result, MachineProfile profile, String profileSource, int cores,
      double latencyMicros) {
    result.paragraph(String.format(Locale.ROOT, """
        Predicted, not measured: the planner (`partita plan`'s) picks the plan with the fastest predicted \
        step for each cluster size, and the cost model prices it from this machine's profile (%s: %s). \
        Every node is a separate machine like this one (%d cores, %s heap, scaled from the profile's %d \
        thread(s)); links of 1 and 10 Gbit/s with %.0f µs one-way latency; Adam. Speedup is training \
        samples/s over the best plan on 1 node. A plan may leave offered nodes idle: the planner cuts \
        every layer of a stage into equally many slices, at most the smallest layer's unit count (the \
        wide MLP's 10-unit output caps it at 10), and prefers fewer nodes on a tie.""", profileSource, profile.describe(), cores,
        ShardMemory.mebibytes(NODE_MEMORY), profile.threads(), latencyMicros));
    result.paragraph("""
        Two ways to grow the batch, both shown: **128 samples per node** (global batch 128·N, weak \
        scaling) is how data-parallel systems are usually run and how Horovod's efficiencies were \
        measured, so it is the one to compare with the references; **global batch 128** (strong \
        scaling) keeps the optimisation recipe fixed and shows where cutting one step finer stops paying.""");
    result.paragraph(String.format(Locale.ROOT, """
        References drawn beside the projection: the source paper (2017) claims "speedups up to %.0fx for \
        CNNs as worker cores grow" without a per-node curve, drawn as a flat line at %.0fx; Horovod's \
        reported CPU scaling efficiency, 78%% at 2 nodes and about 47%% at 8–16 nodes (as issue 11 quotes \
        it), drawn as speedup = efficiency × N. Neither was measured here.""", PAPER_CNN_SPEEDUP,
        PAPER_CNN_SPEEDUP));
  }

  private static void table(BenchResult result, Batching batching, List<Projection> projections) {
    List<List<String>> rows = new ArrayList<>();
    for (Projection p : projections) {
      StepPrediction s = p.step();
      int used = p.plan().shards().size();
      rows.add(List.of(p.model(), p.link(), p.nodes() + (used < p.nodes() ? " (" + used + " used)" : ""),
          p.plan().describe(),
          String.format(Locale.ROOT, "%.1f ms (%.1f · %.1f · %.1f · %.1f · %.1f)", 1e3 * s.total(), 1e3 * s.compute(),
              1e3 * s.exchange(), 1e3 * s.bubble(), 1e3 * s.allReduce(), 1e3 * s.update()),
          String.format(Locale.ROOT, "%,.0f", p.samplesPerSecond()),
          String.format(Locale.ROOT, "%.2fx", p.speedup()),
          String.format(Locale.ROOT, "%.0f%%", 100 * p.speedup() / p.nodes())));
    }
    result.paragraph("**" + batching.label + "**: the plan chosen at each size.");
    result.table(List.of("model", "link", "nodes offered", "plan chosen", "predicted step (compute · exchange · bubble · "
        + "all-reduce · update, ms)", "samples/s", "speedup", "efficiency"), rows);
  }

  private static void chart(BenchResult result, Batching batching, List<Projection> projections) {
    result.chart(batching.chart, "Predicted speedup over 1 node, " + batching.label, "nodes",
        "speedup over 1 node", PngChart.Scale.LOG2);
    for (Projection p : projections) {
      result.point(batching.chart, p.model() + ", " + p.link(), p.nodes(), p.speedup());
    }
    for (int nodes : NODES) {
      result.point(batching.chart, "ideal (speedup = N)", nodes, nodes);
      if (nodes > 1) {
        result.point(batching.chart, "source paper: up to 11x for CNNs", nodes, PAPER_CNN_SPEEDUP);
      }
    }
    for (double[] horovod : HOROVOD_EFFICIENCY) {
      result.point(batching.chart, "Horovod CPU, reported efficiency × N", horovod[0], horovod[0] * horovod[1]);
    }
  }

  private static Map<String, Object> raw(Projection p) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("model", p.model());
    row.put("link", p.link());
    row.put("batching", p.batching().name());
    row.put("nodes", p.nodes());
    row.put("globalBatch", p.batching().globalBatch(p.nodes()));
    row.put("plan", p.plan().describe());
    row.put("nodesUsed", p.plan().shards().size());
    row.put("stepMs", 1e3 * p.step().total());
    row.put("speedup", p.speedup());
    return row;
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException("flag " + args[i - 1] + " needs a value");
    }
    return args[i];
  }
}
