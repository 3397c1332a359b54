package org.partita.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.partita.bench.report.BenchResult;
import org.partita.bench.report.PredictionCategory;
import org.partita.bench.report.Provenance;
import org.partita.bench.report.Stats;

/**
 * The cost model on cases it never saw: every case of {@code holdout-cases.conf} (fixed before it
 * was first measured) is run with {@code partita bench} as a user would — on an embedded cluster,
 * on worker JVMs started by {@code deploy/bin/local-cluster}, or on bench/bin/netsim's worker JVMs
 * behind shaped links — and each plan's measured step is set beside the step the product's own
 * cost model predicted for it in that run. Embedded runs also give the reference trainer's
 * prediction (single node). Every prediction is saved as held out.
 *
 * <pre>
 *   bench/bin/bench holdout [--cases FILE] [--rounds 5] [--categories embedded-nodes,separate-jvms,simulated-links]
 * </pre>
 */
public final class HoldoutBench {
  private static final String CASES = "holdout-cases.conf";
  private static final int WARM_UP_SECONDS = 6;
  private static final int FIRST_WARM_UP_SECONDS = 20;
  private static final long RUN_TIMEOUT_MINUTES = 15;
  private static final int CLUSTER_PORT = 25790;

  /** One held-out case as the file gives it. */
  record Case(PredictionCategory category, String model, int batch, String plan, int workers, int steps, String rate) {
    static Case of(Config entry) {
      String category = entry.getString("category");
      PredictionCategory parsed = switch (category) {
        case "embedded-nodes" -> PredictionCategory.EMBEDDED_NODES;
        case "separate-jvms" -> PredictionCategory.SEPARATE_JVMS;
        case "simulated-links" -> PredictionCategory.SIMULATED_LINKS;
        default -> throw new IllegalArgumentException(CASES + ": unknown category '" + category
            + "'; use embedded-nodes, separate-jvms or simulated-links");
      };
      return new Case(parsed, entry.getString("model"), entry.getInt("batch"), entry.getString("plan"),
          entry.getInt("workers"), entry.getInt("steps"), entry.hasPath("rate") ? entry.getString("rate") : "");
    }

    /** The `partita bench` arguments of this case, without the cluster's. */
    List<String> benchArguments(int rounds, int warmUpSeconds, Path json) {
      return List.of("--model", model, "--plan", plan, "--batch", Integer.toString(batch), "--rounds",
          Integer.toString(rounds), "--steps", Integer.toString(steps), "--warm-up", Integer.toString(warmUpSeconds),
          "--json", json.toString());
    }

    String label() {
      return model + ", batch " + batch + ", " + plan + ", " + workers + " workers" + (rate.isEmpty() ? "" : ", " + rate);
    }
  }

  private HoldoutBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = 5;
    Config file = ConfigFactory.parseResources(CASES);
    List<String> categories = List.of("embedded-nodes", "separate-jvms", "simulated-links");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--cases" -> file = ConfigFactory.parseFile(Path.of(args[i + 1]).toFile());
        case "--categories" -> categories = List.of(args[i + 1].split(","));
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; use --rounds N --cases FILE --categories embedded-nodes,separate-jvms,simulated-links");
      }
    }
    List<Case> cases = new ArrayList<>();
    for (Config entry : file.getConfigList("cases")) {
      Case parsed = Case.of(entry);
      if (categories.contains(entry.getString("category"))) {
        cases.add(parsed);
      }
    }
    BenchResult result = BenchResult.start("holdout", "Cost model on held-out cases",
        "bench/bin/bench holdout" + (args.length > 0 ? " " + String.join(" ", args) : ""));
    Path root = Provenance.repositoryRoot();
    Path work = Files.createTempDirectory("partita-holdout");
    List<List<String>> rows = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (PredictionCategory category : PredictionCategory.values()) {
      List<Case> ofCategory = cases.stream().filter(c -> c.category() == category).toList();
      if (ofCategory.isEmpty()) {
        continue;
      }
      System.out.printf(Locale.ROOT, "%n## %s: %d case(s)%n", category.label(), ofCategory.size());
      switch (category) {
        case EMBEDDED_NODES -> {
          for (int i = 0; i < ofCategory.size(); i++) {
            Case c = ofCategory.get(i);
            Path json = work.resolve("embedded-" + i + ".json");
            List<String> command = new ArrayList<>(List.of(root.resolve("deploy/bin/partita").toString(), "bench",
                "--nodes", Integer.toString(c.workers())));
            command.addAll(c.benchArguments(rounds, WARM_UP_SECONDS, json));
            run(command, failures, c);
            record(result, c, json, true, rows, failures);
          }
        }
        case SEPARATE_JVMS -> separateJvms(root, work, ofCategory, rounds, result, rows, failures);
        case SIMULATED_LINKS -> simulatedLinks(root, work, ofCategory, rounds, result, rows, failures);
        default -> throw new IllegalStateException("no held-out runner for " + category);
      }
    }
    result.paragraph("Every case of `bench/src/main/resources/" + CASES + "`, fixed before it was first measured"
        + " and never used to choose a formula or a constant, run by `partita bench` as a user runs it: " + rounds
        + " rounds, each timing the plan and the reference trainer (in the driver process) side by side. Predicted:"
        + " the step the cost model gave in that run, for the plan on its link (embedded nodes: messages handed"
        + " over in one JVM; separate JVMs: one host's shared loopback and cores; simulated links: the shaped rate"
        + " and the latency netsim measured). Worker JVMs compute on one thread each; all share this machine's cores.");
    result.table(List.of("category", "case", "predicted", "measured min / median / max", "error"), rows);
    if (!failures.isEmpty()) {
      result.paragraph("**Failed:** " + String.join("; ", failures));
    }
    result.save();
    if (!failures.isEmpty()) {
      System.exit(1);
    }
  }

  /** Worker JVMs on loopback with mutual TLS, started once for every case of the category. */
  private static void separateJvms(Path root, Path work, List<Case> cases, int rounds, BenchResult result,
      List<List<String>> rows, List<String> failures) throws IOException, InterruptedException {
    int workers = cases.stream().mapToInt(Case::workers).max().orElseThrow();
    Path cluster = work.resolve("local-cluster");
    ProcessBuilder start = new ProcessBuilder(root.resolve("deploy/bin/local-cluster").toString(), "start",
        Integer.toString(workers)).inheritIO();
    start.environment().put("PARTITA_CLUSTER_DIR", cluster.toString());
    start.environment().put("PARTITA_CLUSTER_PORT", Integer.toString(CLUSTER_PORT));
    try {
      if (start.start().waitFor() != 0) {
        failures.add("deploy/bin/local-cluster start " + workers + " failed (logs in " + cluster + ")");
        return;
      }
      for (int i = 0; i < cases.size(); i++) {
        Case c = cases.get(i);
        Path json = work.resolve("separate-" + i + ".json");
        List<String> command = new ArrayList<>(List.of(root.resolve("deploy/bin/partita").toString(), "bench",
            "--seeds", "127.0.0.1:" + CLUSTER_PORT, "--tls", cluster.resolve("certs").toString(), "--nodes",
            Integer.toString(c.workers())));
        command.addAll(c.benchArguments(rounds, i == 0 ? FIRST_WARM_UP_SECONDS : WARM_UP_SECONDS, json));
        run(command, failures, c);
        record(result, c, json, false, rows, failures);
      }
    } finally {
      ProcessBuilder stop = new ProcessBuilder(root.resolve("deploy/bin/local-cluster").toString(), "stop").inheritIO();
      stop.environment().put("PARTITA_CLUSTER_DIR", cluster.toString());
      stop.start().waitFor(2, TimeUnit.MINUTES);
    }
  }

  /** bench/bin/netsim, once per rate and worker count, with every case of that setting as one run each. */
  private static void simulatedLinks(Path root, Path work, List<Case> cases, int rounds, BenchResult result,
      List<List<String>> rows, List<String> failures) throws IOException, InterruptedException {
    List<List<Case>> settings = new ArrayList<>();
    for (Case c : cases) {
      settings.stream().filter(s -> s.get(0).rate().equals(c.rate()) && s.get(0).workers() == c.workers())
          .findFirst().ifPresentOrElse(s -> s.add(c), () -> settings.add(new ArrayList<>(List.of(c))));
    }
    for (List<Case> setting : settings) {
      Case first = setting.get(0);
      Path out = work.resolve("netsim-" + first.rate() + "-" + first.workers());
      List<String> command = new ArrayList<>(List.of(root.resolve("bench/bin/netsim").toString(), "--rate",
          first.rate(), "--workers", Integer.toString(first.workers()), "--out", out.toString()));
      for (int i = 0; i < setting.size(); i++) {
        command.add("--");
        command.addAll(setting.get(i).benchArguments(rounds, i == 0 ? FIRST_WARM_UP_SECONDS : WARM_UP_SECONDS,
            out.resolve("case-" + i + ".json")));
      }
      run(command, failures, first);
      for (int i = 0; i < setting.size(); i++) {
        record(result, setting.get(i), out.resolve("case-" + i + ".json"), false, rows, failures);
      }
    }
  }

  private static void run(List<String> command, List<String> failures, Case c) throws IOException, InterruptedException {
    System.out.println("$ " + String.join(" ", command));
    Process process = new ProcessBuilder(command).inheritIO().start();
    if (!process.waitFor(RUN_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      failures.add(c.label() + ": did not finish within " + RUN_TIMEOUT_MINUTES + " min");
    } else if (process.exitValue() != 0) {
      failures.add(c.label() + ": exited with " + process.exitValue());
    }
  }

  /** Reads one `partita bench --json` file: the plan's prediction, and the reference trainer's when asked. */
  private static void record(BenchResult result, Case c, Path json, boolean withReference, List<List<String>> rows,
      List<String> failures) throws IOException {
    if (!Files.isRegularFile(json)) {
      failures.add(c.label() + ": no results in " + json);
      return;
    }
    JsonNode run = new ObjectMapper().readTree(json.toFile());
    String plan = run.path("plan").asText(c.plan());
    String setting = c.category().label() + ", " + c.workers() + " workers" + (c.rate().isEmpty() ? "" : ", " + c.rate());
    // The plan's own description names its batch; the reference trainer's needs it said.
    add(result, rows, c.category(), c.model(), plan.contains("batch") ? plan : plan + ", batch " + c.batch(), setting,
        run.path("distributed"));
    if (withReference) {
      add(result, rows, PredictionCategory.SINGLE_NODE, c.model(), "reference trainer, batch " + c.batch(),
          "driver process of an embedded run", run.path("reference"));
    }
  }

  private static void add(BenchResult result, List<List<String>> rows, PredictionCategory category, String model,
      String plan, String setting, JsonNode runner) {
    double[] measured = new double[runner.path("step_ms").size()];
    for (int i = 0; i < measured.length; i++) {
      measured[i] = runner.path("step_ms").get(i).asDouble();
    }
    double predicted = runner.path("predicted_step_ms").asDouble();
    result.prediction(category, true, model.toUpperCase(Locale.ROOT), plan, setting, predicted, measured);
    Stats stats = Stats.of(measured);
    rows.add(List.of(category.label(), model + ", " + plan, String.format(Locale.ROOT, "%.1f ms", predicted),
        stats.format("%.1f") + " ms", String.format(Locale.ROOT, "%+.0f%%", 100 * (predicted - stats.median())
            / stats.median())));
  }
}
