package org.partita.deploy.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jblas.FloatMatrix;
import org.partita.deploy.BlasThreads;
import org.partita.deploy.ClusterOptions;
import org.partita.deploy.ExitCode;
import org.partita.deploy.RuntimeInfo;
import org.partita.deploy.plan.PlanCommand;
import org.partita.deploy.report.Json;
import org.partita.deploy.train.PlanOption;
import org.partita.models.blas.Blas;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.SyntheticData;
import org.partita.models.io.ModelFiles;
import org.partita.models.network.ModelSpec;

import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.StepRunner;
import org.partita.models.train.TrainingConfig;
import org.partita.partitioner.Link;
import org.partita.partitioner.MachineProfile;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.StepPrediction;
import org.partita.runtime.DistributedTrainer;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.StepTimings;
import org.partita.runtime.TrainingCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code partita bench}: how fast a plan trains, measured side by side with the single-process
 * reference trainer in this process (rounds alternate the two, so the machine's noise hits both
 * alike), next to what the cost model predicted for each. Answers "is this plan worth it here, and
 * can I trust {@code partita plan}'s numbers?" without a training run. The plan runs on an
 * embedded cluster, or with {@code --seeds} on the workers of a running one; {@code --link} tells
 * the prediction what network joins them (the runtime cannot see a link's speed).
 */
@Command(name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure a plan's training step against the single-process reference trainer, side by side,"
        + " with the cost model's predictions.",
    footer = {"", "Examples:",
        "  partita bench --model cnn --nodes 2                          # the planner's plan",
        "  partita bench --model cnn --nodes 2 --plan model-parallel",
        "  partita bench --model wide-mlp --nodes 2 --plan slices=2 --batch 256 --rounds 7",
        "  partita bench --model lstm --nodes 2 --plan replicas=2 --json bench.json",
        "  partita bench --model cnn --nodes 3 --plan replicas=3 --seeds 10.0.0.5:25520 --tls certs --host 10.0.0.4 \\",
        "      --link 1gbit --latency-us 40                             # workers started with partita node",
        "", "Both runners use this process's BLAS threads (deploy/bin/partita gives cores / N with --nodes N),",
        "so the reference trainer computes on as many cores as one node does."})
public final class BenchCommand implements Callable<Integer> {
  /**
   * Warm-up bounds ({@link StepRunner#warmUp}: until the time per step stops improving). In this
   * process the reference trainer compiles the kernels for the embedded nodes too; worker JVMs of a
   * running cluster compile their own, and their messaging and TLS code: under bench/bin/netsim the
   * CNN's 2 replicas on 2 worker JVMs went from ~75 ms per step 10 s into the warm-up to ~57 ms
   * after 25 s, while the workers' JIT threads took 10–15 ms of CPU per step ({@code --warm-up}
   * asks for more where the workers have just started).
   */
  private static final double WARM_UP_MIN_SECONDS = 3;
  private static final double WARM_UP_MIN_SECONDS_RUNNING_CLUSTER = 10;
  private static final double WARM_UP_MAX_SECONDS = 30;

  @Option(names = "--model", defaultValue = "cnn", description = ModelFiles.CHOICES
      + " (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--nodes", defaultValue = "2", description = "Nodes of the embedded cluster, or with --seeds the"
      + " running cluster's workers to wait for and use (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Mixin
  ClusterOptions clusterOptions = new ClusterOptions();

  @Option(names = "--link", description = "With --seeds: the network between the workers for the predictions, e.g."
      + " 1gbit, 10gbit (default: what the runtime can tell — nodes on one host share its loopback, else 1gbit).")
  String link;

  @Option(names = "--latency-us", description = "With --link: one-way latency per message in µs (default: 50).")
  Double latencyMicros;

  @Option(names = "--plan", defaultValue = "auto",
      description = "auto, model-parallel, or replicas=R,stages=S,slices=K,micro-batches=M,schedule=gpipe|1f1b"
          + " (default: ${DEFAULT-VALUE}).")
  String plan;

  @Option(names = "--batch", defaultValue = "128", description = "Global batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--rounds", defaultValue = "5",
      description = "Timed rounds per runner, alternating; min / median / max are over these (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--steps", defaultValue = "10", description = "Training steps per round (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--warm-up", description = "Seconds the plan warms up at least before the timed rounds; it goes"
      + " on until its time per step stops improving (default: 3, or 10 with --seeds, whose worker JVMs compile"
      + " their own code).")
  Double warmUpSeconds;

  @Option(names = "--profile", description = "Machine profile file for the predictions (default: measure once, cache in "
      + "~/.cache/partita/machine-profile.pb, as partita plan does).")
  Path profile;

  @Option(names = "--json", description = "Also write the results to this JSON file.")
  Path json;

  @Mixin
  BlasThreads blasThreads = new BlasThreads();

  /** One runner's seconds per step, one value per round. */
  private record Measured(String name, double[] stepSeconds, double predictedSeconds) {
    double median() {
      return sorted()[stepSeconds.length / 2];
    }

    double[] sorted() {
      double[] sorted = stepSeconds.clone();
      Arrays.sort(sorted);
      return sorted;
    }
  }

  @Override
  public Integer call() throws IOException {
    Integer restarted = blasThreads.restartIfNeeded("bench");
    if (restarted != null) {
      return restarted;
    }
    validate();
    PrintStream console = System.out;
    ModelSpec spec = ModelFiles.resolve(model, 1, "--model");
    OptimizerSpec optimizer = OptimizerSpec.adam(1e-3f);
    TrainingConfig config = new TrainingConfig(1, batch, 1, optimizer);
    Blas blas = Blas.get();
    console.println("partita bench: " + spec.summary().lines().findFirst().orElse(model) + ", batch " + batch + ", "
        + clusterOptions.describe(nodes) + ", " + rounds + " rounds × " + steps + " steps");
    RuntimeInfo.lines(blas).forEach(line -> console.println("  " + line));
    MachineProfile machine = PlanCommand.machineProfile(profile, false);

    // Synthetic batches of the model's input shape: a step's time does not depend on the pixels.
    ArrayDataset data = SyntheticData.blobs("bench", spec.inputShape(), spec.outputClasses(), batch, 0.8f, 3);
    FloatMatrix inputs = new FloatMatrix(spec.inputShape().size(), batch);
    FloatMatrix targets = new FloatMatrix(spec.outputShape().size(), batch);
    data.copyBatch(null, 0, batch, inputs, targets);

    try (TrainingCluster cluster = clusterOptions.start(nodes, RuntimeSettings.defaults(), console)) {
      PlanOption.Workers workers = PlanOption.Workers.seen(ClusterOptions.firstWorkers(cluster.workers(), nodes,
          console));
      Link given = link == null ? null : PlanCommand.parseLink(link, latencyMicros());
      if (given != null) {
        workers = workers.over(given);
      }
      console.println("link for the predictions: " + workers.link() + (given != null ? (workers.link().equals(given)
          ? " (--link)" : " (--link " + given + ", then the cores its processes share on one host)")
          : workers.link().equals(Link.SAME_PROCESS) ? " (nodes in one JVM: messages handed over in-process)"
          : workers.link().equals(Link.SHARED_MACHINE) ? " (nodes on one host: shared loopback and cores)" : " (assumed)"));
      PlanOption.Choice choice = PlanOption.choose(plan, spec, batch, optimizer, workers, () -> machine);
      PartitionPlan chosen = choice.plan();
      console.println("plan: " + chosen.describe() + " — " + choice.reason());
      StepPrediction predicted = PlanOption.predict(machine, workers, spec, chosen, optimizer);
      double referencePredicted = PlanOption.predictReference(machine, spec, batch, optimizer);
      LocalTrainer reference = new LocalTrainer(spec, config, blas);
      try (DistributedTrainer distributed = cluster.trainer(spec, config, chosen)) {
        StepRunner[] runners = {reference, distributed};
        String[] names = {"reference trainer (1 process)", "plan on " + clusterOptions.describe(nodes)};
        // The bench feeds each step from this process (trainStep), which training runs do not.
        double driverFeed = workers.costModel(machine, chosen).driverFeedSeconds(spec, chosen);
        double[] predictions = {referencePredicted, predicted.total() + driverFeed};
        for (int k = 0; k < runners.length; k++) {
          boolean workerJvms = k > 0 && clusterOptions.joinsRunningCluster();
          double minimum = k > 0 && warmUpSeconds != null ? warmUpSeconds
              : workerJvms ? WARM_UP_MIN_SECONDS_RUNNING_CLUSTER : WARM_UP_MIN_SECONDS;
          StepRunner.WarmUp warm = runners[k].warmUp(inputs, targets, Math.max(2, steps / 2), minimum,
              Math.max(minimum, WARM_UP_MAX_SECONDS));
          console.println("warm-up of the " + names[k] + ": " + warm.describe());
        }
        StepTimings before = distributed.timings();
        double[][] seconds = new double[runners.length][rounds];
        for (int round = 0; round < rounds; round++) {
          for (int k = 0; k < runners.length; k++) {
            seconds[k][round] = runners[k].timeSteps(inputs, targets, steps) / steps;
          }
          console.printf(Locale.ROOT, "round %d/%d: reference %.1f ms, plan %.1f ms per step%n", round + 1, rounds,
              seconds[0][round] * 1e3, seconds[1][round] * 1e3);
        }
        StepTimings timed = distributed.timings().since(before);
        Measured[] measured = new Measured[runners.length];
        for (int k = 0; k < runners.length; k++) {
          measured[k] = new Measured(names[k], seconds[k], predictions[k]);
        }
        report(console, measured, predicted, timed, chosen, workers.link());
      }
    }
    return ExitCode.OK;
  }

  private void validate() {
    if (warmUpSeconds != null && !(warmUpSeconds >= 0 && warmUpSeconds <= 3600)) {
      throw new IllegalArgumentException("--warm-up must be between 0 and 3600 seconds, got " + warmUpSeconds);
    }
    if (nodes < 1 || rounds < 1 || steps < 1 || batch < 1) {
      throw new IllegalArgumentException("--nodes, --rounds, --steps and --batch must be ≥ 1 (got " + nodes + ", "
          + rounds + ", " + steps + ", " + batch + ")");
    }
    clusterOptions.validate();
    if (latencyMicros != null && link == null) {
      throw new IllegalArgumentException("--latency-us goes with --link; give the link's speed too");
    }
    if (link != null) {
      // Embedded nodes talk over this machine's loopback whatever the flag says.
      if (!clusterOptions.joinsRunningCluster()) {
        throw new IllegalArgumentException("--link describes the network between workers of a running cluster;"
            + " embedded nodes share this machine's loopback — give --seeds too");
      }
      PlanCommand.parseLink(link, latencyMicros()); // a bad speed is named before any node starts
    }
    if (plan != null) {
      PlanOption.parse(plan);
    }
  }

  private double latencyMicros() {
    return latencyMicros != null ? latencyMicros : DEFAULT_LATENCY_MICROS;
  }

  private static final double DEFAULT_LATENCY_MICROS = 50;

  private void report(PrintStream console, Measured[] measured, StepPrediction predicted, StepTimings timed,
      PartitionPlan chosen, Link predictedLink) throws IOException {
    console.println();
    console.println("| runner | step min / median / max | samples/s (median) | predicted step | error |");
    console.println("|---|---|---|---|---|");
    for (Measured runner : measured) {
      double[] sorted = runner.sorted();
      console.printf(Locale.ROOT, "| %s | %.1f / %.1f / %.1f ms | %,.0f | %.1f ms | %+.0f%% |%n", runner.name(),
          sorted[0] * 1e3, runner.median() * 1e3, sorted[sorted.length - 1] * 1e3, batch / runner.median(),
          runner.predictedSeconds() * 1e3, 100 * (runner.predictedSeconds() - runner.median()) / runner.median());
    }
    double speedup = measured[0].median() / measured[1].median();
    double predictedSpeedup = measured[0].predictedSeconds() / measured[1].predictedSeconds();
    console.printf(Locale.ROOT, "%nspeedup of the plan over the reference trainer: %.2fx measured, %.2fx predicted%n",
        speedup, predictedSpeedup);
    console.println("predicted: " + predicted.describe() + String.format(Locale.ROOT,
        ", plus %.1f ms for the driver sending the inputs", (measured[1].predictedSeconds() - predicted.total()) * 1e3));
    console.println("measured:  " + timed.describe());
    if (json != null) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("model", model);
      result.put("batch", batch);
      result.put("nodes", nodes);
      result.put("cluster", clusterOptions.joinsRunningCluster() ? "running" : "embedded");
      result.put("link", predictedLink.toString());
      result.put("link_bytes_per_second", predictedLink.bytesPerSecond());
      result.put("link_latency_us", predictedLink.latencySeconds() * 1e6);
      result.put("plan", chosen.describe());
      result.put("rounds", rounds);
      result.put("steps_per_round", steps);
      for (Measured runner : measured) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("step_ms", Arrays.stream(runner.stepSeconds()).map(s -> s * 1e3).boxed().toList());
        entry.put("median_step_ms", runner.median() * 1e3);
        entry.put("predicted_step_ms", runner.predictedSeconds() * 1e3);
        result.put(runner == measured[0] ? "reference" : "distributed", entry);
      }
      result.put("speedup", speedup);
      result.put("predicted_speedup", predictedSpeedup);
      result.put("predicted_breakdown", predicted.describe());
      result.put("measured_breakdown", timed.describe());
      if (json.getParent() != null) {
        Files.createDirectories(json.getParent());
      }
      Files.writeString(json, Json.write(result));
      console.println("results in " + json);
    }
  }
}
