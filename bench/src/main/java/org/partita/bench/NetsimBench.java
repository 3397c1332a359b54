package org.partita.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.partita.bench.report.BenchResult;
import org.partita.bench.report.PredictionCategory;
import org.partita.deploy.report.PngChart;
import org.partita.bench.report.Stats;

/**
 * Simulated cluster: for every link rate and worker count, bench/bin/netsim starts N worker JVMs
 * in network namespaces behind veth links shaped with tbf, and runs {@code partita bench} from a
 * driver namespace for three plans whose exchanges cross those links — the CNN data-parallel
 * (replicas=N, ring all-reduce), the CNN split by the planner's model-parallel choice for that
 * link, and the wide MLP in N slices. Each run alternates the plan with the reference trainer in
 * the driver process and predicts the plan's step over the shaped link with the measured latency;
 * this class reads the runs' JSON and saves the "netsim" result.
 *
 * <p>It does not shape delay (this kernel has no netem), and it cannot give the workers cores of
 * their own: all N share this machine's.
 */
public final class NetsimBench {
  private NetsimBench() {}

  /**
   * One plan run in every setting. Steps per round are given for 2 workers and shrink as workers
   * are added (the steps get slower on the shared cores), keeping the default run within ~8 minutes.
   */
  private record Case(String model, String kind, int batch, int stepsForTwo) {
    int steps(int workers) {
      return Math.max(1, (int) Math.round(stepsForTwo * 2.0 / Math.max(2, workers)));
    }

    String plan(int workers) {
      return switch (kind) {
        case "replicas" -> "replicas=" + workers;
        case "slices" -> "slices=" + workers;
        default -> kind;
      };
    }

    String file() {
      return model + "-" + kind + ".json";
    }
  }

  private static final int FIRST_CASE_WARM_UP_SECONDS = 25;
  private static final int LATER_CASE_WARM_UP_SECONDS = 6;

  private record Options(List<String> rates, int[] workers, int rounds, int cnnSteps, int mlpSteps, Path out) {}

  public static void main(String[] args) throws Exception {
    Options options = parse(args);
    // CNN batch 96 divides among 2, 3 and 4 replicas (and their micro-batches); the wide MLP keeps
    // the batch of the cluster bench.
    List<Case> cases = List.of(new Case("cnn", "replicas", 96, options.cnnSteps()),
        new Case("cnn", "model-parallel", 96, options.cnnSteps()),
        new Case("wide-mlp", "slices", 256, options.mlpSteps()));
    BenchResult result = BenchResult.start("netsim", "Simulated cluster: worker JVMs in network namespaces",
        "bench/bin/bench netsim " + String.join(" ", args));
    result.chart("netsim", "Simulated cluster: speedup over the reference trainer", "workers",
        "speedup over the reference trainer", PngChart.Scale.LINEAR);
    Path root = Path.of(System.getProperty("partita.root", "."));
    List<List<String>> rows = new ArrayList<>();
    List<List<String>> links = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    Map<String, Object> raw = new LinkedHashMap<>();
    for (String rate : options.rates()) {
      for (int workers : options.workers()) {
        Path dir = options.out().resolve(rate + "-" + workers + "w");
        int exit = runNetsim(root, options, rate, workers, cases, dir);
        if (exit != 0) {
          failures.add("netsim " + rate + ", " + workers + " workers exited with " + exit + " (logs in " + dir + ")");
        }
        JsonNode link = read(dir.resolve("link.json"));
        if (link != null) {
          links.add(linkRow(rate, workers, link));
          raw.put(rate + " " + workers + " link", link);
        }
        for (Case benchCase : cases) {
          JsonNode run = read(dir.resolve(benchCase.file()));
          if (run == null) {
            rows.add(List.of(rate, Integer.toString(workers), benchCase.model(), benchCase.plan(workers), "",
                "failed: no results (see " + dir + ")", "", "", "", ""));
            continue;
          }
          raw.put(rate + " " + workers + " " + benchCase.model() + " " + benchCase.kind(), run);
          rows.add(record(result, rate, workers, benchCase, run));
        }
      }
    }
    result.paragraph("""
        Each setting is `bench/bin/netsim --rate RATE --workers N`: N worker JVMs (`partita node`, mutual \
        TLS, one compute and one OpenBLAS thread, heap 768 MiB), each in its own network namespace, and \
        `partita bench` in one more, all on one bridge through veth links shaped to RATE in both \
        directions with `tc tbf` (burst = 2 ms of the rate). Only the rate is shaped: this kernel has no \
        `netem`, so no delay is added; the latency is what veth and the bridge give, measured below with a \
        TCP probe between the driver's and node-1's namespaces before the workers start. The reference \
        trainer runs in the driver's JVM with one thread, alternating rounds with the plan; speedup is \
        the ratio of the medians. All N workers share this machine's cores, so 3 and 4 workers \
        oversubscribe them. The cost model is told the tbf rate and the measured one-way TCP latency \
        (`--link RATE --latency-us`), followed in series by what the shared cores cost each byte and \
        message between processes of one host (`Link.SHARED_MACHINE`), and prices each worker at host \
        cores ÷ workers on the host, a fraction of a core when N > cores (they take turns).""");
    result.table(List.of("link", "workers", "TCP round trip min / median / max", "one TCP stream",
        "latency given to the cost model"), links);
    result.table(List.of("link", "workers", "model", "plan", "rounds × steps", "reference step", "plan step",
        "speedup", "predicted step", "error"), rows);
    if (!failures.isEmpty()) {
      result.paragraph("**Failed:** " + String.join("; ", failures) + ".");
    }
    result.data("runs", raw);
    result.save();
    if (!failures.isEmpty()) {
      System.exit(1);
    }
  }

  /** The table row of one run; adds its prediction and speedup point to {@code result}. */
  private static List<String> record(BenchResult result, String rate, int workers, Case benchCase, JsonNode run) {
    double[] reference = millis(run.path("reference").path("step_ms"));
    double[] plan = millis(run.path("distributed").path("step_ms"));
    double predictedMs = run.path("distributed").path("predicted_step_ms").asDouble();
    Stats referenceStats = Stats.of(reference);
    Stats planStats = Stats.of(plan);
    double speedup = referenceStats.median() / planStats.median();
    String planText = run.path("plan").asText();
    result.prediction(PredictionCategory.SIMULATED_LINKS, benchCase.model(), planText,
        "tbf " + rate + ", " + workers + " workers", predictedMs, plan);
    result.point("netsim", benchCase.model() + " " + benchCase.kind() + " " + rate, workers, speedup);
    return List.of(rate, Integer.toString(workers), benchCase.model(), planText,
        run.path("rounds").asInt() + " × " + run.path("steps_per_round").asInt(), BenchResult.millis(reference),
        BenchResult.millis(plan), String.format(Locale.ROOT, "%.2fx", speedup),
        String.format(Locale.ROOT, "%.1f ms", predictedMs),
        String.format(Locale.ROOT, "%+.0f%%", 100 * (predictedMs - planStats.median()) / planStats.median()));
  }

  private static List<String> linkRow(String rate, int workers, JsonNode link) {
    JsonNode roundTrip = link.path("round_trip_us");
    return List.of(rate, Integer.toString(workers), String.format(Locale.ROOT, "%.1f / %.1f / %.1f µs",
        roundTrip.path("min").asDouble(), roundTrip.path("median").asDouble(), roundTrip.path("max").asDouble()),
        String.format(Locale.ROOT, "%.2f Gbit/s", link.path("stream_gbit_per_s").asDouble()),
        String.format(Locale.ROOT, "%.1f µs", link.path("one_way_latency_us").asDouble()));
  }

  /** Runs bench/bin/netsim for one setting with one bench run per case, output to this console. */
  private static int runNetsim(Path root, Options options, String rate, int workers, List<Case> cases, Path dir)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(root.resolve("bench/bin/netsim").toString(), "--rate", rate,
        "--workers", Integer.toString(workers), "--out", options.out().toString()));
    for (Case benchCase : cases) {
      command.addAll(List.of("--", "--model", benchCase.model(), "--plan", benchCase.plan(workers), "--batch",
          Integer.toString(benchCase.batch()), "--rounds", Integer.toString(options.rounds()), "--steps",
          Integer.toString(benchCase.steps(workers)), "--json", dir.resolve(benchCase.file()).toString()));
      // The workers were just started for the first case: they compile their kernels, messaging and
      // TLS code for its first ~25 s of steps. The later cases on the same workers find most of that
      // done; they warm up until their own steps stop improving.
      command.addAll(List.of("--warm-up", Integer.toString(benchCase == cases.get(0) ? FIRST_CASE_WARM_UP_SECONDS
          : LATER_CASE_WARM_UP_SECONDS)));
    }
    Files.createDirectories(dir);
    for (Case benchCase : cases) {
      Files.deleteIfExists(dir.resolve(benchCase.file())); // a failed run must not leave an old result behind
    }
    Files.deleteIfExists(dir.resolve("link.json"));
    System.out.println();
    System.out.println("## " + rate + ", " + workers + " workers");
    return new ProcessBuilder(command).inheritIO().start().waitFor();
  }

  private static double[] millis(JsonNode array) {
    double[] values = new double[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = array.get(i).asDouble();
    }
    return values;
  }

  private static JsonNode read(Path file) throws IOException {
    return Files.isRegularFile(file) ? new ObjectMapper().readTree(file.toFile()) : null;
  }

  private static Options parse(String[] args) {
    List<String> rates = List.of("1gbit", "10gbit");
    int[] workers = {2, 4}; // 3 workers are the held-out cases' (bench holdout)
    int rounds = 5;
    int cnnSteps = 3;
    int mlpSteps = 2;
    Path out = Path.of(System.getProperty("partita.root", "."), ".netsim");
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + args[i] + " needs a value");
      }
      String value = args[i + 1];
      switch (args[i]) {
        case "--rates" -> rates = List.of(value.split(","));
        case "--workers" -> workers = Arrays.stream(value.split(",")).mapToInt(Integer::parseInt).toArray();
        case "--rounds" -> rounds = Integer.parseInt(value);
        case "--cnn-steps" -> cnnSteps = Integer.parseInt(value);
        case "--mlp-steps" -> mlpSteps = Integer.parseInt(value);
        case "--out" -> out = Path.of(value);
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; use --rates 1gbit,10gbit"
            + " --workers 2,4 --rounds 5 --cnn-steps 3 --mlp-steps 2 (per round with 2 workers, fewer with more)"
            + " --out DIR");
      }
    }
    if (rounds < 1 || cnnSteps < 1 || mlpSteps < 1 || Arrays.stream(workers).anyMatch(n -> n < 1)) {
      throw new IllegalArgumentException("--rounds, --cnn-steps, --mlp-steps and --workers must be ≥ 1");
    }
    return new Options(rates, workers, rounds, cnnSteps, mlpSteps, out.toAbsolutePath());
  }
}
