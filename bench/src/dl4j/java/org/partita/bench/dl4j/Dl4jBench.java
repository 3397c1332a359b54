package org.partita.bench.dl4j;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.partita.bench.report.BenchResult;
import org.partita.bench.report.Stats;
import org.partita.models.blas.Blas;
import org.partita.models.blas.Parallel;
import org.partita.models.data.FashionMnist;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;

/**
 * Partita's reference trainer against Deeplearning4j 1.0.0-M2.1 (nd4j-native, CPU) in one JVM:
 * for the MLP, CNN and LSTM of {@link StandardModels}, DL4J's network is translated from the same
 * spec ({@link Dl4jNetworks}; parameter counts must match), both train in float32 with Adam at the
 * same learning rate on the same Fashion-MNIST batches in the same order, with the same number of
 * threads. After a probe and two untimed warm-up rounds, rounds alternate the two systems (and
 * which goes first), so machine noise hits both alike; reported are step time and training
 * samples/s (min / median / max), the cores each kept busy, and the ratio of median samples/s.
 *
 * <p>Threads cannot be set from Java once the native libraries are loaded, so bench/bin/bench
 * exports OPENBLAS_NUM_THREADS (Partita's OpenBLAS) and OMP_NUM_THREADS (nd4j-native reads it for
 * its bundled OpenBLAS and for its own op threads) from {@code --threads}; this class checks them
 * and fails if they disagree. The two start from different random weights (each system's own
 * generator, same distributions), so the losses show both learn, not that they agree to the digit.
 *
 * <pre>
 *   bench/bin/bench dl4j [--rounds 5] [--batch 128] [--threads 2] [--lr 0.001] [--round-seconds 2]
 *                        [--models mlp,cnn,lstm]
 * </pre>
 */
public final class Dl4jBench {
  /** Batches both systems cycle through: 12,800 images at batch 128, enough that losses mean learning. */
  private static final int SHARED_BATCHES = 100;
  /** Steps that estimate a step's time; the first PROBE_UNTIMED (JIT, DL4J sizing its workspaces) are not timed. */
  private static final int PROBE_STEPS = 10;
  private static final int PROBE_UNTIMED = 5;
  private static final int MIN_STEPS_PER_ROUND = 10;
  private static final int WARMUP_ROUNDS = 2;
  private static final double GOAL = 1.0;
  private static final double MLP_MOONSHOT = 1.5;

  record Options(int batch, int threads, int rounds, float learningRate, double roundSeconds, List<String> models) {
    Options {
      if (batch < 1 || threads < 1 || roundSeconds <= 0) {
        throw new IllegalArgumentException("--batch, --threads and --round-seconds must be positive");
      }
      if (rounds < 5) {
        throw new IllegalArgumentException("--rounds must be ≥ 5, got " + rounds);
      }
    }

    static Options parse(String[] args) {
      int batch = 128;
      int threads = 2;
      int rounds = 5;
      float learningRate = 1e-3f;
      double roundSeconds = 2;
      List<String> models = List.of("mlp", "cnn", "lstm");
      for (int i = 0; i < args.length; i += 2) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + args[i] + " needs a value");
        }
        String value = args[i + 1];
        switch (args[i]) {
          case "--batch" -> batch = Integer.parseInt(value);
          case "--threads" -> threads = Integer.parseInt(value);
          case "--rounds" -> rounds = Integer.parseInt(value);
          case "--lr" -> learningRate = Float.parseFloat(value);
          case "--round-seconds" -> roundSeconds = Double.parseDouble(value);
          case "--models" -> models = List.of(value.split(","));
          default -> throw new IllegalArgumentException("unknown option " + args[i]
              + "; use --rounds N --batch N --threads N --lr X --round-seconds S --models mlp,cnn,lstm");
        }
      }
      return new Options(batch, threads, rounds, learningRate, roundSeconds, models);
    }
  }

  /** What one system did over the timed rounds of one model. */
  record SideResult(String system, double[] stepSeconds, double[] coresBusy, double firstLoss, double lastLoss) {
    double[] samplesPerSecond(int batch) {
      double[] rates = new double[stepSeconds.length];
      for (int r = 0; r < rates.length; r++) {
        rates[r] = batch / stepSeconds[r];
      }
      return rates;
    }
  }

  record ModelResult(String model, long parameters, int stepsPerRound, SideResult partita, SideResult dl4j) {
    /** Partita's samples/s ÷ DL4J's, of the medians. */
    double ratio() {
      return Stats.of(dl4j.stepSeconds).median() / Stats.of(partita.stepSeconds).median();
    }

    double[] roundRatios() {
      double[] ratios = new double[partita.stepSeconds.length];
      for (int r = 0; r < ratios.length; r++) {
        ratios[r] = dl4j.stepSeconds[r] / partita.stepSeconds[r];
      }
      return ratios;
    }
  }

  private Dl4jBench() {}

  public static void main(String[] args) throws IOException {
    Options options = Options.parse(args);
    BenchResult result = BenchResult.start("dl4j", "Against Deeplearning4j",
        ("bench/bin/bench dl4j " + String.join(" ", args)).strip());
    String nd4j = configureThreads(options.threads());
    Blas blas = Blas.get();
    FashionMnist.Splits data = FashionMnist.load(FashionMnist.DEBIAN_DIRECTORY);
    SharedBatches batches = SharedBatches.first(data.train(), options.batch(), SHARED_BATCHES);
    OptimizerSpec optimizer = OptimizerSpec.adam(options.learningRate());
    result.paragraph(String.format(Locale.ROOT, """
        Training samples/s of Partita's single-process reference trainer and Deeplearning4j 1.0.0-M2.1
        (`MultiLayerNetwork`, nd4j-native CPU backend, its linux-x86_64 generic-x86 build) in one JVM,
        each network built from the same `StandardModels` spec (DL4J's translated layer by layer;
        parameter counts checked equal): float32,
        Adam lr %s, batch %d, the same %d Fashion-MNIST training batches in the same order, %d thread(s) each.
        Partita: %s. DL4J: %s; a DL4J step is one `MultiLayerNetwork.fit(DataSet)` with DL4J's defaults
        (training workspaces on). Rounds alternate the systems; a round is the same number of steps for
        both. Cores busy = process CPU time ÷ wall time during that system's steps. Losses: the first
        step's, and the mean over the last round (different random initial weights, same distributions).
        """, options.learningRate(), options.batch(), SHARED_BATCHES, options.threads(), blas.describe(), nd4j));

    List<ModelResult> results = new ArrayList<>();
    for (String model : options.models()) {
      results.add(measure(StandardModels.byName(model, 1), optimizer, batches, blas, options));
    }
    report(result, results, options);
    result.save();
  }

  /**
   * Checks that both systems were given {@code threads} threads through the environment and sets
   * nd4j's own limits to the same, returning what nd4j reports.
   */
  private static String configureThreads(int threads) {
    for (String variable : List.of("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")) {
      String value = System.getenv(variable);
      if (value == null || !value.trim().equals(Integer.toString(threads))) {
        throw new IllegalStateException(variable + " is " + value + " but --threads is " + threads
            + "; run through bench/bin/bench dl4j, which exports both from --threads");
      }
    }
    if (Parallel.threads() != threads) {
      throw new IllegalStateException("-D" + Parallel.THREADS_PROPERTY + " gives " + Parallel.threads()
          + " threads but --threads is " + threads);
    }
    Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    Nd4j.getEnvironment().setMaxThreads(threads);
    Nd4j.getEnvironment().setMaxMasterThreads(threads);
    Nd4j.factory().blas().setMaxThreads(threads);
    return String.format(Locale.ROOT, "nd4j %s, its bundled %s with %d BLAS thread(s) and %d op thread(s)",
        Nd4j.getBackend().getClass().getSimpleName(), Nd4j.factory().blas().getBlasVendor(),
        Nd4j.factory().blas().getMaxThreads(), Nd4j.getEnvironment().maxThreads());
  }

  private static ModelResult measure(ModelSpec spec, OptimizerSpec optimizer, SharedBatches batches, Blas blas,
      Options options) {
    TrainingSide partita = new PartitaSide(spec, optimizer, batches, blas);
    TrainingSide dl4j = new Dl4jSide(spec, optimizer, batches);
    if (partita.parameterCount() != dl4j.parameterCount()) {
      throw new IllegalStateException("model " + spec.name() + ": Partita has " + partita.parameterCount()
          + " parameters but the DL4J translation " + dl4j.parameterCount() + " — the topologies differ");
    }
    System.out.printf(Locale.ROOT, "%n%s: %,d parameters in both systems%n", spec.name(), partita.parameterCount());
    SideRun partitaRun = new SideRun(partita, batches.count(), options.rounds());
    SideRun dl4jRun = new SideRun(dl4j, batches.count(), options.rounds());
    double probe = partitaRun.probe() + dl4jRun.probe();
    int steps = Math.max(MIN_STEPS_PER_ROUND, (int) Math.ceil(options.roundSeconds() / probe));
    System.out.printf(Locale.ROOT, "%s: probe %.1f + %.1f ms per step; %d steps per round%n", spec.name(),
        partitaRun.probeSeconds * 1e3, dl4jRun.probeSeconds * 1e3, steps);
    for (int r = 0; r < WARMUP_ROUNDS; r++) {
      partitaRun.round(-1, steps);
      dl4jRun.round(-1, steps);
    }
    for (int r = 0; r < options.rounds(); r++) {
      // Alternate who goes first, so neither always runs right after the other's allocations.
      SideRun first = r % 2 == 0 ? partitaRun : dl4jRun;
      SideRun second = first == partitaRun ? dl4jRun : partitaRun;
      first.round(r, steps);
      second.round(r, steps);
      System.out.printf(Locale.ROOT, "%s round %d: Partita %.2f ms, DL4J %.2f ms per step%n", spec.name(), r + 1,
          partitaRun.stepSeconds[r] * 1e3, dl4jRun.stepSeconds[r] * 1e3);
    }
    return new ModelResult(spec.name(), partita.parameterCount(), steps, partitaRun.result(), dl4jRun.result());
  }

  /** One system's steps over the shared batches, with per-round wall and process CPU time. */
  private static final class SideRun {
    private static final com.sun.management.OperatingSystemMXBean OS =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final TrainingSide side;
    private final int batchCount;
    private final double[] stepSeconds;
    private final double[] coresBusy;
    private int nextBatch;
    private double firstLoss = Double.NaN;
    private double lastRoundLoss;
    private double probeSeconds;

    SideRun(TrainingSide side, int batchCount, int rounds) {
      this.side = side;
      this.batchCount = batchCount;
      this.stepSeconds = new double[rounds];
      this.coresBusy = new double[rounds];
    }

    /** The first steps; returns the seconds per step of the later ones. */
    double probe() {
      long start = 0;
      for (int i = 0; i < PROBE_STEPS; i++) {
        if (i == PROBE_UNTIMED) {
          start = System.nanoTime();
        }
        step();
      }
      probeSeconds = (System.nanoTime() - start) / 1e9 / (PROBE_STEPS - PROBE_UNTIMED);
      return probeSeconds;
    }

    /** {@code steps} steps, recorded as timed round {@code round}, or untimed if it is negative. */
    void round(int round, int steps) {
      double lossSum = 0;
      long cpuStart = OS.getProcessCpuTime();
      long start = System.nanoTime();
      for (int i = 0; i < steps; i++) {
        lossSum += step();
      }
      long nanos = System.nanoTime() - start;
      long cpuNanos = OS.getProcessCpuTime() - cpuStart;
      lastRoundLoss = lossSum / steps;
      if (round >= 0) {
        stepSeconds[round] = nanos / 1e9 / steps;
        coresBusy[round] = (double) cpuNanos / nanos;
      }
    }

    private double step() {
      double loss = side.trainStep(nextBatch);
      nextBatch = (nextBatch + 1) % batchCount;
      if (!Double.isFinite(loss)) {
        throw new IllegalStateException(side.system() + " loss became " + loss);
      }
      if (Double.isNaN(firstLoss)) {
        firstLoss = loss;
      }
      return loss;
    }

    SideResult result() {
      return new SideResult(side.system(), stepSeconds, coresBusy, firstLoss, lastRoundLoss);
    }
  }

  private static void report(BenchResult result, List<ModelResult> models, Options options) {
    int batch = options.batch();
    List<List<String>> rows = new ArrayList<>();
    for (ModelResult model : models) {
      for (SideResult side : List.of(model.partita(), model.dl4j())) {
        rows.add(List.of(model.model(), String.format(Locale.ROOT, "%,d", model.parameters()), side.system(),
            Stats.of(side.stepSeconds()).millis().format("%.2f"),
            Stats.of(side.samplesPerSecond(batch)).format("%,.0f"),
            String.format(Locale.ROOT, "%.2f", Stats.of(side.coresBusy()).median()),
            String.format(Locale.ROOT, "%.3f → %.3f", side.firstLoss(), side.lastLoss())));
      }
    }
    result.table(List.of("model", "parameters (both)", "system", "step ms (min / median / max of " + options.rounds()
        + ")", "samples/s (min / median / max)", "cores busy (median)", "loss: first step → last round"), rows);

    List<List<String>> ratios = new ArrayList<>();
    List<Map<String, Object>> data = new ArrayList<>();
    for (int i = 0; i < models.size(); i++) {
      ModelResult model = models.get(i);
      double ratio = model.ratio();
      boolean mlp = model.model().equals("mlp");
      String verdict = (ratio >= GOAL ? "goal met" : "goal not met") + (mlp
          ? ratio >= MLP_MOONSHOT ? ", moonshot met" : ", moonshot not met" : "");
      ratios.add(List.of(model.model(), String.format(Locale.ROOT, "%.2f", ratio),
          Stats.of(model.roundRatios()).format("%.2f"),
          "≥ " + GOAL + (mlp ? " (moonshot ≥ " + MLP_MOONSHOT + ")" : ""), verdict));
      result.point("peers", "Partita ÷ DL4J", i, ratio);
      data.add(modelData(model, batch));
    }
    result.table(List.of("model", "Partita ÷ DL4J samples/s (medians)", "per round (min / median / max)", "goal",
        "verdict"), ratios);
    result.data("models", data);
    result.data("batch", batch);
    result.data("threads", options.threads());
    result.data("learningRate", options.learningRate());
  }

  private static Map<String, Object> modelData(ModelResult model, int batch) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("name", model.model());
    data.put("parameters", model.parameters());
    data.put("stepsPerRound", model.stepsPerRound());
    data.put("ratio", model.ratio());
    data.put("partita", sideData(model.partita(), batch));
    data.put("dl4j", sideData(model.dl4j(), batch));
    return data;
  }

  private static Map<String, Object> sideData(SideResult side, int batch) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("stepSeconds", side.stepSeconds());
    data.put("medianSamplesPerSecond", Stats.of(side.samplesPerSecond(batch)).median());
    data.put("coresBusy", side.coresBusy());
    data.put("firstLoss", side.firstLoss());
    data.put("lastRoundLoss", side.lastLoss());
    return data;
  }
}
