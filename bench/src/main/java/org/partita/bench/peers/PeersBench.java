package org.partita.bench.peers;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.partita.bench.report.BenchResult;
import org.partita.bench.report.Provenance;
import org.partita.models.data.FashionMnist;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.RecurrentSpec;
import org.partita.models.layers.UnitRange;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.train.WarmUpPlateau;
import org.partita.partitioner.LayerWork;

/**
 * Partita's reference trainer against PyTorch (CPU) and Deeplearning4j, each system in a process
 * of its own, side by side in one run. For every thread count and standard model: every system
 * builds the model from the same spec and trains on the same Fashion-MNIST batches (written once
 * to files every worker reads) with Adam at the same learning rate and batch; each warms up until
 * its step time stops improving ({@link WarmUpPlateau}, the rule Partita's own benchmarks use);
 * then rounds go over all systems in turn, the order rotating, so the machine's noise hits all
 * alike. Reported: each system's step time, samples/s and cores busy; Partita ÷ each peer as the
 * median and the minimum of per-round ratios; each model's training GFLOP/s (LayerWork's GEMM
 * counts) against peak sgemm at the same threads, measured by the Partita worker in the same run.
 *
 * <pre>
 *   bench/bin/bench peers [--rounds 5] [--threads 1,2] [--models mlp,cnn,lstm,gru] [--batch 128]
 *                         [--lr 0.001] [--round-seconds 1] [--systems partita,pytorch,…]
 * </pre>
 */
public final class PeersBench {
  /** Batches every system cycles through: 12,800 images at batch 128. */
  private static final int SHARED_BATCHES = 100;
  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(5);
  /** A warm-up group lasts about this long, so the plateau rule sees many groups per window. */
  private static final double WARM_UP_GROUP_SECONDS = 0.25;
  private static final int WARM_UP_MIN_STEPS = 50;
  private static final int[] PEAK_SIZES = {1024, 2048};
  private static final ObjectMapper JSON = new ObjectMapper();

  record Options(int batch, List<Integer> threads, int rounds, float learningRate, double roundSeconds,
      List<String> models, List<PeerSystem> systems, double warmUpMinSeconds, double warmUpMaxSeconds) {
    Options {
      if (batch < 1 || roundSeconds <= 0 || threads.isEmpty() || threads.stream().anyMatch(t -> t < 1)) {
        throw new IllegalArgumentException("--batch, --threads and --round-seconds must be positive");
      }
      if (rounds < 5) {
        throw new IllegalArgumentException("--rounds must be ≥ 5, got " + rounds);
      }
      if (!systems.contains(PeerSystem.PARTITA)) {
        throw new IllegalArgumentException("--systems must include partita: every ratio is against it");
      }
    }

    static Options parse(String[] args) {
      int batch = 128;
      List<Integer> threads = List.of(1, 2);
      int rounds = 5;
      float learningRate = 1e-3f;
      double roundSeconds = 1;
      List<String> models = List.of("mlp", "cnn", "lstm", "gru");
      List<PeerSystem> systems = List.of(PeerSystem.values());
      double warmUpMin = 2;
      double warmUpMax = 20;
      for (int i = 0; i < args.length; i += 2) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + args[i] + " needs a value");
        }
        String value = args[i + 1];
        switch (args[i]) {
          case "--batch" -> batch = Integer.parseInt(value);
          case "--threads" -> threads = Arrays.stream(value.split(",")).map(Integer::parseInt).toList();
          case "--rounds" -> rounds = Integer.parseInt(value);
          case "--lr" -> learningRate = Float.parseFloat(value);
          case "--round-seconds" -> roundSeconds = Double.parseDouble(value);
          case "--models" -> models = List.of(value.split(","));
          case "--systems" -> systems = Arrays.stream(value.split(",")).map(PeerSystem::byId).toList();
          case "--warm-up" -> {
            String[] range = value.split(",");
            warmUpMin = Double.parseDouble(range[0]);
            warmUpMax = Double.parseDouble(range[1]);
          }
          default -> throw new IllegalArgumentException("unknown option " + args[i] + "; use --rounds N --threads 1,2"
              + " --models mlp,cnn,lstm,gru --batch N --lr X --round-seconds S --systems ID,… --warm-up MIN,MAX");
        }
      }
      return new Options(batch, threads, rounds, learningRate, roundSeconds, models, systems, warmUpMin, warmUpMax);
    }
  }

  /** How one system's warm-up went: steps, seconds, and its step time at the start and at the plateau. */
  record WarmUp(int steps, double seconds, double firstStepSeconds, double stepSeconds, boolean settled) {}

  /** One system's timed rounds of one model at one thread count. */
  record Run(PeerSystem system, WarmUp warmUp, int stepsPerRound, double[] stepSeconds, double[] coresBusy,
      double firstLoss, double lastLoss) {}

  /** Every system's runs of one model at one thread count. */
  record ModelRuns(String model, int threads, long parameters, double flopsPerStep, Map<PeerSystem, Run> runs) {}

  private PeersBench() {}

  public static void main(String[] args) throws IOException {
    Options options = Options.parse(args);
    BenchResult result = BenchResult.start("peers", "Against PyTorch and Deeplearning4j, each in its own process",
        ("bench/bin/bench peers " + String.join(" ", args)).strip());
    Path root = Provenance.repositoryRoot();
    for (PeerSystem system : options.systems()) {
      String why = system.unavailable(root);
      if (why != null) {
        throw new IllegalStateException(system.label() + " cannot run here: " + why);
      }
    }
    Path work = Files.createTempDirectory("partita-peers");
    Path data = work.resolve("data");
    SharedBatches.first(FashionMnist.load(FashionMnist.DEBIAN_DIRECTORY).train(), options.batch(), SHARED_BATCHES)
        .write(data);
    Map<String, Path> specs = new LinkedHashMap<>();
    for (String model : options.models()) {
      specs.put(model, writeSpec(StandardModels.byName(model, 1), work));
    }
    List<ModelRuns> measured = new ArrayList<>();
    Map<Integer, Double> peakGflops = new LinkedHashMap<>();
    Map<PeerSystem, String> descriptions = new EnumMap<>(PeerSystem.class);
    for (int threads : options.threads()) {
      Map<PeerSystem, PeerProcess> workers = new EnumMap<>(PeerSystem.class);
      try {
        for (PeerSystem system : options.systems()) {
          workers.put(system, PeerProcess.start(system.id + "-" + threads, system.command(root, threads,
              options.learningRate(), jvmOptions()), system.environment(threads),
              work.resolve(system.id + "-" + threads + ".log")));
        }
        for (Map.Entry<PeerSystem, PeerProcess> worker : workers.entrySet()) {
          String description = worker.getValue().hello(START_TIMEOUT);
          descriptions.merge(worker.getKey(), description + " [" + threads + " thread(s)]", (a, b) -> a + "; " + b);
          System.out.println("# " + worker.getValue().name() + ": " + description);
          worker.getValue().ask("data " + data, "data", COMMAND_TIMEOUT);
        }
        for (String model : options.models()) {
          measured.add(measureModel(StandardModels.byName(model, 1), specs.get(model), threads, workers, options));
        }
        PeerProcess partita = workers.get(PeerSystem.PARTITA);
        double peak = 0;
        for (int n : PEAK_SIZES) {
          peak = Math.max(peak, Double.parseDouble(partita.ask("sgemm " + n, "sgemm", COMMAND_TIMEOUT)[1]));
        }
        peakGflops.put(threads, peak);
        System.out.printf(Locale.ROOT, "peak sgemm at %d thread(s): %.1f GFLOP/s%n", threads, peak);
      } finally {
        workers.values().forEach(PeerProcess::close);
      }
    }
    PeersReport.write(result, options, descriptions, measured, peakGflops);
    result.save();
    deleteRecursively(work);
  }

  /** GC and heap options of the Java workers: the ones deploy/bin/partita gives Partita, for both Java systems. */
  private static List<String> jvmOptions() {
    String gc = System.getenv("PARTITA_GC_OPTS");
    List<String> options = new ArrayList<>(List.of("-Xmx4g"));
    if (gc != null && !gc.isBlank()) {
      options.addAll(List.of(gc.trim().split("\\s+")));
    }
    return options;
  }

  private static Path writeSpec(ModelSpec spec, Path directory) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", spec.name());
    json.put("inputShape", spec.inputShape());
    List<Map<String, Object>> layers = new ArrayList<>();
    for (LayerSpec layer : spec.layers()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("type", layer.getClass().getSimpleName());
      @SuppressWarnings("unchecked")
      Map<String, Object> fields = JSON.convertValue(layer, Map.class);
      entry.putAll(fields);
      layers.add(entry);
    }
    json.put("layers", layers);
    json.put("loss", spec.loss().name());
    Path file = directory.resolve(spec.name() + ".json");
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), json);
    return file;
  }

  private static ModelRuns measureModel(ModelSpec spec, Path specJson, int threads, Map<PeerSystem, PeerProcess> workers,
      Options options) {
    long parameters = spec.parameterCount();
    System.out.printf(Locale.ROOT, "%n## %s, %d thread(s): %,d parameters%n", spec.name(), threads, parameters);
    Map<PeerSystem, PeerProcess> able = new EnumMap<>(PeerSystem.class);
    for (Map.Entry<PeerSystem, PeerProcess> worker : workers.entrySet()) {
      String[] reply = worker.getValue().ask("model " + spec.name() + " " + specJson, List.of("model", "unsupported"),
          COMMAND_TIMEOUT);
      if (reply[0].equals("unsupported")) {
        if (worker.getKey() == PeerSystem.PARTITA) {
          throw new IllegalStateException("Partita's worker cannot build " + spec.name() + ": " + String.join(" ", reply));
        }
        System.out.printf(Locale.ROOT, "%s: skipped for %s (%s)%n", worker.getKey().label(), spec.name(),
            String.join(" ", Arrays.copyOfRange(reply, 1, reply.length)));
        continue;
      }
      able.put(worker.getKey(), worker.getValue());
      long built = Long.parseLong(reply[1]);
      long expected = worker.getKey().family.equals("PyTorch") ? parameters + pytorchExtraBiases(spec) : parameters;
      if (built != expected) {
        throw new IllegalStateException(worker.getKey().label() + " built " + spec.name() + " with " + built
            + " parameters, expected " + expected + " — the topologies differ");
      }
    }
    Map<PeerSystem, WarmUp> warmUps = new EnumMap<>(PeerSystem.class);
    Map<PeerSystem, Double> firstLosses = new EnumMap<>(PeerSystem.class);
    for (Map.Entry<PeerSystem, PeerProcess> worker : able.entrySet()) {
      WarmUp warm = warmUp(worker.getValue(), options, firstLosses, worker.getKey());
      warmUps.put(worker.getKey(), warm);
      System.out.printf(Locale.ROOT, "%s warm-up: %d steps in %.1f s, %.2f → %.2f ms per step%s%n",
          worker.getKey().label(), warm.steps(), warm.seconds(), warm.firstStepSeconds() * 1e3,
          warm.stepSeconds() * 1e3, warm.settled() ? "" : " (still improving at the time limit)");
    }
    List<PeerSystem> order = new ArrayList<>(able.keySet());
    Map<PeerSystem, double[]> steps = new EnumMap<>(PeerSystem.class);
    Map<PeerSystem, double[]> cores = new EnumMap<>(PeerSystem.class);
    Map<PeerSystem, Double> lastLosses = new EnumMap<>(PeerSystem.class);
    Map<PeerSystem, Integer> stepsPerRound = new EnumMap<>(PeerSystem.class);
    for (PeerSystem system : order) {
      steps.put(system, new double[options.rounds()]);
      cores.put(system, new double[options.rounds()]);
      stepsPerRound.put(system, Math.max(2, (int) Math.ceil(options.roundSeconds() / warmUps.get(system).stepSeconds())));
    }
    for (int round = 0; round < options.rounds(); round++) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d/%d:", round + 1, options.rounds()));
      for (int k = 0; k < order.size(); k++) {
        PeerSystem system = order.get((k + round) % order.size());
        int n = stepsPerRound.get(system);
        String[] ran = able.get(system).ask("run " + n, "ran", COMMAND_TIMEOUT);
        double wall = Double.parseDouble(ran[1]);
        steps.get(system)[round] = wall / n;
        cores.get(system)[round] = Double.parseDouble(ran[2]) / wall;
        lastLosses.put(system, Double.parseDouble(ran[3]));
        line.append(String.format(Locale.ROOT, " %s %.2f ms;", system.id, wall / n * 1e3));
      }
      System.out.println(line);
    }
    Map<PeerSystem, Run> runs = new EnumMap<>(PeerSystem.class);
    for (PeerSystem system : order) {
      runs.put(system, new Run(system, warmUps.get(system), stepsPerRound.get(system), steps.get(system),
          cores.get(system), firstLosses.get(system), lastLosses.get(system)));
    }
    return new ModelRuns(spec.name(), threads, parameters, flopsPerStep(spec, options.batch()), runs);
  }

  /**
   * Steps groups of about {@link #WARM_UP_GROUP_SECONDS} until the plateau rule says the step time
   * has settled, and at least {@link #WARM_UP_MIN_STEPS} steps (Deeplearning4j steps slowly, and
   * evenly, for its first steps while it sizes its workspaces, which the rule alone takes for a
   * plateau). The step time it returns, which sizes the rounds, is the last window's total time
   * over its steps.
   */
  private static WarmUp warmUp(PeerProcess worker, Options options, Map<PeerSystem, Double> firstLosses,
      PeerSystem system) {
    String[] first = worker.ask("run 1", "ran", COMMAND_TIMEOUT);
    double firstStep = Double.parseDouble(first[1]);
    firstLosses.put(system, Double.parseDouble(first[3]));
    WarmUpPlateau plateau = new WarmUpPlateau(options.warmUpMinSeconds());
    double window = Math.max(1, options.warmUpMinSeconds() / 2);
    List<double[]> groups = new ArrayList<>(); // {end second, steps, seconds}
    double elapsed = firstStep;
    int steps = 1;
    int group = Math.max(1, (int) (WARM_UP_GROUP_SECONDS / firstStep));
    boolean settled = false;
    while (!(settled && steps >= WARM_UP_MIN_STEPS) && elapsed < options.warmUpMaxSeconds()) {
      double wall = Double.parseDouble(worker.ask("run " + group, "ran", COMMAND_TIMEOUT)[1]);
      elapsed += wall;
      steps += group;
      groups.add(new double[] {elapsed, group, wall});
      settled = plateau.settled(elapsed, wall / group) && steps >= WARM_UP_MIN_STEPS;
      group = Math.max(1, (int) (WARM_UP_GROUP_SECONDS / (wall / group)));
    }
    double end = elapsed;
    double recentSteps = groups.stream().filter(g -> g[0] > end - window).mapToDouble(g -> g[1]).sum();
    double recentSeconds = groups.stream().filter(g -> g[0] > end - window).mapToDouble(g -> g[2]).sum();
    return new WarmUp(steps, elapsed, firstStep, recentSeconds / recentSteps, settled);
  }

  /**
   * PyTorch's recurrent layers keep two bias vectors per gate (input and recurrent), gates × hidden ×
   * (inputs + hidden + 2) parameters, where Partita keeps what its cell needs; the functions are
   * the same, the count differs by the extra biases.
   */
  static long pytorchExtraBiases(ModelSpec spec) {
    return spec.layers().stream().filter(RecurrentSpec.class::isInstance).map(RecurrentSpec.class::cast)
        .mapToLong(r -> (long) r.cell().gates() * r.hidden() * (r.inputs() + r.hidden() + 2) - r.parameterCount())
        .sum();
  }

  /** GEMM floating-point operations of one training step (forward and backward), as LayerWork counts them. */
  static double flopsPerStep(ModelSpec spec, int batch) {
    double flops = 0;
    for (int i = 0; i < spec.layers().size(); i++) {
      LayerSpec layer = spec.layers().get(i);
      flops += LayerWork.of(layer, UnitRange.all(layer.units()), batch, i > 0).gemmFlops();
    }
    return flops;
  }

  private static void deleteRecursively(Path directory) throws IOException {
    try (var paths = Files.walk(directory)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
