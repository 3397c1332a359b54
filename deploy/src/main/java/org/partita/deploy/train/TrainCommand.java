package org.partita.deploy.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.partita.deploy.ExitCode;
import org.partita.deploy.RuntimeInfo;
import org.partita.deploy.report.PngChart;
import org.partita.deploy.report.Json;
import org.partita.deploy.report.ProgressReporter;
import org.partita.deploy.BlasThreads;
import org.partita.deploy.ClusterOptions;
import org.partita.deploy.DataOptions;
import org.partita.deploy.RunData;
import org.partita.deploy.watch.RunWatch;
import org.partita.deploy.watch.WatchOptions;
import org.partita.models.blas.Blas;
import org.partita.models.data.DataPreparation;
import org.partita.models.data.Dataset;
import org.partita.models.data.FashionMnist;
import org.partita.models.data.StreamWindows;
import org.partita.models.data.TextCorpus;
import org.partita.models.io.ModelCheckpoint;
import org.partita.models.io.ModelFiles;
import org.partita.models.io.Spelling;
import org.partita.models.io.SpecProtos;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.Network;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.LearningRateSchedule;
import org.partita.models.optim.Optimizer;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.optim.UpdateRule;
import org.partita.models.train.CheckpointSchedule;
import org.partita.models.loss.Loss;
import org.partita.models.train.EarlyStopping;
import org.partita.models.train.RegressionMetrics;
import org.partita.models.train.EpochMetrics;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.StepMetrics;
import org.partita.models.train.TextSampler;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.models.train.TrainingReport;
import org.partita.models.train.TrainingStoppedException;
import org.partita.deploy.plan.PlanCommand;
import org.partita.partitioner.LoadedCheckpoint;
import org.partita.partitioner.PartitionPlan;
import org.partita.runtime.RecoveringTraining;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.StepTimings;
import org.partita.runtime.TrainedModel;
import org.partita.runtime.TrainingCluster;
import org.partita.runtime.WorkerInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code partita train}: trains a named model on Fashion-MNIST and leaves a run directory with
 * metrics.json, loss.png and accuracy.png and the final checkpoint: with the single-process
 * reference trainer, with {@code --nodes N} / {@code --plan} on an embedded cluster of N Akka
 * nodes running the plan, or with {@code --seeds} on a running cluster.
 */
@Command(name = "train",
    mixinStandardHelpOptions = true,
    description = "Train a model on Fashion-MNIST (mlp, cnn, lstm), on your own data (CSV, LibSVM, NumPy, IDX, image "
        + "folders; --data) or on a text (char-lstm), and write runs/NAME/ (metrics.json, plots, checkpoint/).",
    footer = {"", "Examples:",
        "  partita train --model cnn --epochs 10 --out runs/cnn",
        "  partita train --model mlp --epochs 10 --batch 128 --lr 0.001",
        "  partita train --model cnn --nodes 2 --plan auto             # embedded 2-node cluster, planner's plan",
        "  partita train --model cnn --nodes 2 --plan model-parallel   # planner's fastest split of the model",
        "  partita train --model mlp --nodes 2 --plan stages=2,slices=2,micro-batches=4",
        "  partita train --model cnn --nodes 2 --plan replicas=2               # data parallelism, ring all-reduce",
        "  partita train --model mlp --epochs 1 --train-samples 10000   # a one-minute smoke run",
        "  partita train --model lstm --epochs 10                       # rows of the image as 28 time steps",
        "  partita train --model docs/examples/gru-fashion.conf         # your own network (docs/MODELS.md)",
        "  partita train --model char-lstm --text /usr/share/games/fortunes --epochs 5",
        "", "Your own data — a CSV with a header row, the class in column 'species':",
        "  partita train --model iris.pbtxt --data iris.csv --label species \\",
        "      --validation-split 0.2 --epochs 50 --batch 16 --lr 0.01 \\",
        "      --early-stop 5 --out runs/iris",
        "  partita predict --checkpoint runs/iris/best --data new.csv --out species.csv",
        "  iris.pbtxt: input 4, dense 4→16 relu then 16→3, loss SOFTMAX_CROSS_ENTROPY.",
        "  A regression: loss MEAN_SQUARED_ERROR, targets --label a,b. Features are",
        "  standardised with the training rows' statistics (kept in the checkpoint).",
        "  Formats, flags and errors: docs/DATA.md.",
        "", "The last line printed is machine-readable:",
        "  RESULT test_accuracy=<x> samples_per_second=<y>      (char-lstm: test_bits_per_char=<x>)"})
public final class TrainCommand implements Callable<Integer> {

  @Option(names = "--model", defaultValue = "cnn", description = "Model: ${COMPLETION-CANDIDATES} (for 28×28 images in "
      + "10 classes), a model file (.conf, .hocon or .json; docs/MODELS.md) or a ModelSpecProto file (.pbtxt or .pb),"
      + " for any input and output (default: ${DEFAULT-VALUE}).",
      completionCandidates = ModelNames.class)
  String model;

  @Option(names = "--epochs", defaultValue = "10", description = "Passes over the training set (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--batch", description = "Global batch size; for char-lstm the number of parallel text streams "
      + "(default: 128, char-lstm 64).")
  Integer batchOption;
  int batch;

  @Option(names = "--lr", defaultValue = "0.001", description = "Learning rate (default: ${DEFAULT-VALUE}).")
  float learningRate;

  @Option(names = "--optimizer", defaultValue = "adam",
      description = "adam, sgd, momentum or nesterov (default: ${DEFAULT-VALUE}).")
  String optimizer;

  @Option(names = "--schedule", defaultValue = "cosine",
      description = "Learning-rate schedule: constant or cosine (to 1%% of --lr over all steps) (default: ${DEFAULT-VALUE}).")
  String schedule;

  @Option(names = "--weight-decay", defaultValue = "0", description = "Decoupled weight decay (default: ${DEFAULT-VALUE}).")
  float weightDecay;

  @Option(names = "--clip-norm", defaultValue = "0",
      description = "Clip gradients to this global L2 norm; 0 = off (default: ${DEFAULT-VALUE}).")
  float clipNorm;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the initial weights, dropout and data order (default: ${DEFAULT-VALUE}).")
  long seed;

  @Mixin
  DataOptions data = new DataOptions();

  @Option(names = "--train-samples", description = "Train on only the first N training samples (quick runs; the "
      + "statistics still come from all of them).")
  Integer trainSamples;

  @Option(names = "--text", defaultValue = "/usr/share/games/fortunes",
      description = "char-lstm: a UTF-8 text file, or a directory of them (default: ${DEFAULT-VALUE}).")
  Path text;

  @Option(names = "--text-chars", defaultValue = "2000000",
      description = "char-lstm: use at most this many characters of the text (default: ${DEFAULT-VALUE}).")
  int textChars;

  @Option(names = "--seq-length", defaultValue = "64",
      description = "char-lstm: time steps per window of truncated BPTT (default: ${DEFAULT-VALUE}).")
  int sequenceLength;

  @Option(names = "--hidden", defaultValue = "256", description = "char-lstm: LSTM hidden units (default: ${DEFAULT-VALUE}).")
  int hiddenUnits;

  @Option(names = "--sample-length", defaultValue = "400",
      description = "char-lstm: characters of text to generate at the end (default: ${DEFAULT-VALUE}).")
  int sampleLength;

  @Option(names = "--nodes", defaultValue = "1",
      description = "Worker nodes of an embedded cluster (ActorSystems on loopback in this process); 1 without --plan "
          + "runs the single-process reference trainer (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--plan", description = "auto, model-parallel (the fastest plan that splits each"
      + " replica over several nodes), or replicas=R,stages=S,slices=K,micro-batches=M,"
      + "schedule=gpipe|1f1b (default with --nodes > 1: auto).")
  String plan;

  @Option(names = "--step-timeout", defaultValue = "120",
      description = "Seconds a cluster step may wait for any shard before failing with the shard named (default: ${DEFAULT-VALUE}).")
  int stepTimeout;

  @Option(names = "--max-message", defaultValue = "64",
      description = "Largest activation/gradient message between nodes, MiB (default: ${DEFAULT-VALUE}).")
  int maxMessageMiB;

  @Option(names = "--out", description = "Run directory (default: runs/MODEL-yyyyMMdd-HHmmss).")
  Path out;

  @Option(names = "--checkpoint-every", defaultValue = "0",
      description = "Save a checkpoint every N optimizer steps into RUN/checkpoints/step-N (0: only the final one in "
          + "RUN/checkpoint; default: ${DEFAULT-VALUE}).")
  int checkpointEvery;

  @Option(names = "--keep", defaultValue = "3", description = "Periodic checkpoints to keep (default: ${DEFAULT-VALUE}).")
  int keep;

  @Option(names = "--max-recoveries", defaultValue = "3",
      description = "Lost workers a cluster run survives (restarting from the newest checkpoint; default: ${DEFAULT-VALUE}).")
  int maxRecoveries;

  @Option(names = "--replacement-wait", defaultValue = "0",
      description = "Seconds to wait for a replacement worker after one is lost before re-planning on those left "
          + "(default: ${DEFAULT-VALUE}).")
  int replacementWait;

  @Option(names = "--resume", description = "Continue from a checkpoint directory, or the newest complete one in a "
      + "directory of step-N checkpoints, saved with any plan; same model, seed and optimizer flags (char-lstm: "
      + "and text flags; its streams save and resume at epoch ends).")
  Path resume;

  @Option(names = "--progress-interval", defaultValue = "10",
      description = "Seconds between progress lines when output is not a terminal (default: ${DEFAULT-VALUE}).")
  double progressInterval;

  static final String CHARACTER_MODEL = "char-lstm";

  /** picocli lists these in --help and in the error for an unknown model. */
  static final class ModelNames extends ArrayList<String> {
    ModelNames() {
      super(StandardModels.NAMES);
      add(CHARACTER_MODEL);
    }
  }

  @Mixin
  EarlyStopOptions earlyStop = new EarlyStopOptions();

  @Mixin
  BlasThreads blasThreads = new BlasThreads();

  @Mixin
  ClusterOptions clusterOptions = new ClusterOptions();

  @Mixin
  WatchOptions watchOptions = new WatchOptions();

  @Override
  public Integer call() throws IOException {
    Integer restarted = blasThreads.restartIfNeeded("train");
    if (restarted != null) {
      return restarted;
    }
    boolean characters = CHARACTER_MODEL.equals(model);
    batch = batchOption != null ? batchOption : characters ? 64 : 128;
    validate();
    // Read before anything is written, so a bad model file leaves no run folder behind.
    ModelSpec spec = characters ? null : ModelFiles.resolve(model, seed, "--model");
    Path runDirectory = out != null ? out : Path.of("runs", (spec == null ? model : spec.name()) + "-"
        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    // The samples too: a file that does not read leaves no run folder, and nothing in one is replaced.
    RunData.ForTraining samples = characters ? null : RunData.training(data, spec, seed, trainSamples);
    regression = samples != null && spec.loss() == Loss.MEAN_SQUARED_ERROR ? new RegressionReport(samples) : null;
    watch = earlyStop.create(runDirectory, characters || samples.heldOut() != null,
        regression == null ? null : regression.heldOutR2());
    Files.createDirectories(runDirectory);
    // Ctrl-C: the JVM's shutdown waits while training finishes its step and saves a checkpoint.
    java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
    Thread stopHook = new Thread(() -> {
      stopRequested = true;
      System.err.println("partita: stopping after the step in progress and saving a checkpoint …");
      try {
        finished.await(stepTimeout + 60L, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "partita-stop");
    Runtime.getRuntime().addShutdownHook(stopHook);
    try {
      return characters ? trainCharacters(runDirectory) : trainOnData(runDirectory, spec, samples);
    } catch (TrainingStoppedException stopped) {
      System.out.println("stopped: " + stopped.getMessage());
      if (stopped.checkpoint() != null) {
        System.out.println("resume with the same flags and: --resume " + stopped.checkpoint().getParent());
      }
      return ExitCode.STOPPED;
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(stopHook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it returns now that training is done
      }
    }
  }

  /** R² and the final metrics of a model with loss mse; null for classifiers. */
  private RegressionReport regression;

  /** --early-stop / --monitor's watch over the held-out metric; null without them. */
  private EarlyStopping watch;

  /** Set by the Ctrl-C hook (and tests); training stops at the next step boundary. */
  volatile boolean stopRequested;

  private int trainOnData(Path runDirectory, ModelSpec spec, RunData.ForTraining samples) throws IOException {
    PrintStream console = System.out;
    long wallStart = System.nanoTime();
    boolean fashionMnist = data.data().equals(FashionMnist.DEBIAN_DIRECTORY);
    Blas blas = banner(console, spec, fashionMnist ? "Fashion-MNIST" : data.data().toString());
    Dataset train = samples.train();
    Dataset heldOut = samples.heldOut();
    console.printf(Locale.ROOT, "data: %,d training and %,d held-out samples from %s%n", train.size(),
        heldOut == null ? 0 : heldOut.size(), data.data());
    OptimizerSpec optimizerSpec = optimizerSpec(train.size());
    console.printf(Locale.ROOT, "training: %d epochs, batch %d, %s, seed %d → %s%n", epochs, batch,
        optimizerSpec.describe(), seed, runDirectory);

    TrainingConfig config = new TrainingConfig(epochs, batch, seed, optimizerSpec)
        .withPreparation(samples.preparation());
    LoadedCheckpoint resumed = loadResume(console, spec, optimizerSpec);
    Trained trained = train(new RunContext(console, runDirectory, blas, wallStart), spec, config, train, heldOut,
        resumed);
    TrainingReport report = trained.report();
    Map<String, Object> metrics = trained.metrics();
    EarlyStopOptions.report(watch, console, metrics);
    RegressionMetrics regressed = regression == null ? null : regression.addTo(metrics, report, trained.network());
    Files.writeString(runDirectory.resolve("metrics.json"), Json.write(metrics));
    printSummary(console, report, regression == null ? Measure.accuracy() : new Measure("R²",
        epoch -> Measure.number(regression.trainR2(epoch)), epoch -> Measure.number(regression.heldOutR2(epoch)),
        "r2.png"), runDirectory, (double) metrics.get("wall_seconds"));
    if (report.finalTest() == null) {
      console.printf(Locale.ROOT, "nothing held out (give --test-data or --validation-split) · %,.0f samples/s%n",
          report.samplesPerSecond());
      console.printf(Locale.ROOT, "RESULT final_train_loss=%.4f samples_per_second=%.1f%n", report.last().trainLoss(),
          report.samplesPerSecond());
      return ExitCode.OK;
    }
    if (regressed != null) {
      RegressionReport.printResult(console, regressed, report.samplesPerSecond());
      return ExitCode.OK;
    }
    console.printf(Locale.ROOT, "test accuracy %.2f%% on %,d samples · %,.0f samples/s%n",
        100 * report.finalTest().accuracy(), report.finalTest().samples(), report.samplesPerSecond());
    console.printf(Locale.ROOT, "RESULT test_accuracy=%.4f samples_per_second=%.1f%n",
        report.finalTest().accuracy(), report.samplesPerSecond());
    return ExitCode.OK;
  }

  /** Where a run writes and reports: its console, its directory, the BLAS it computes with, when it began. */
  private record RunContext(PrintStream console, Path directory, Blas blas, long wallStart) {}

  /** What a run ends with: its report, the trained network, and metrics.json so far. */
  private record Trained(TrainingReport report, Network network, Map<String, Object> metrics) {}

  /**
   * Trains on the cluster when --nodes or --plan ask for it, else with the reference trainer, from
   * {@code resumed} (null: the initial weights), watched (RUN/tb); writes the final checkpoint and the curves.
   */
  private Trained train(RunContext run, ModelSpec spec, TrainingConfig config, Dataset train, Dataset test,
      LoadedCheckpoint resumed) throws IOException {
    String mode = distributed() ? "cluster runtime on " + clusterOptions.describe(nodes) : "reference trainer";
    RunWatch.Regression r2 = regression == null ? null
        : new RunWatch.Regression(regression.trainR2(), regression.heldOutR2());
    try (RunWatch watching = watchOptions.open(new RunWatch.Run(run.directory(), spec, config, mode, r2),
        run.console())) {
      runWatch = watching;
      return trainWatched(run, spec, config, train, test, resumed);
    }
  }

  /** What watches the run in progress (dashboard, TensorBoard log), told by {@link #progress}'s listener. */
  private RunWatch runWatch;

  private Trained trainWatched(RunContext run, ModelSpec spec, TrainingConfig config, Dataset train, Dataset test,
      LoadedCheckpoint resumed) throws IOException {
    CheckpointSchedule schedule = schedule(run.directory());
    if (distributed()) {
      ClusterRun cluster = trainOnCluster(run.console(), spec, config, train, test, schedule, resumed);
      Map<String, Object> metrics = finish(run, spec, cluster.model().optimizer(), cluster.model().step(),
          config.preparation(), cluster.report());
      metrics.putAll(cluster.metrics());
      return new Trained(cluster.report(), cluster.model().network(), metrics);
    }
    LocalTrainer trainer = new LocalTrainer(spec, config, run.blas());
    runWatch.referenceTrainer(run.blas().describe());
    ModelCheckpoint.Position start = resumed == null ? null : resumed.position();
    if (resumed != null) {
      trainer.restore(resumed.whole(), start.step(), "checkpoint " + resumed.directory());
    }
    TrainingReport report = trainer.fit(train, test, progress(run.console()), start, schedule);
    return new Trained(report, trainer.network(), finish(run, spec, trainer.optimizer(), trainer.step(),
        config.preparation(), report));
  }

  /** A run on the cluster: its report, the model gathered from the shards, and what it adds to metrics.json. */
  private record ClusterRun(TrainingReport report, TrainedModel model, Map<String, Object> metrics) {}

  /**
   * Trains on an embedded cluster or the running one --seeds names, with the plan --plan asks for,
   * surviving lost workers (--max-recoveries); prints the plan, its placement and where step time went.
   */
  private ClusterRun trainOnCluster(PrintStream console, ModelSpec spec, TrainingConfig config, Dataset train,
      Dataset test, CheckpointSchedule schedule, LoadedCheckpoint resumed) {
    if (PlanOption.needsMachineProfile(plan == null ? "auto" : plan)) {
      machineProfile(); // before the nodes start: the probe's busy cores would delay their heartbeats
    }
    try (TrainingCluster cluster = startCluster(console); RunWatch.Watching watched = runWatch.watchCluster(cluster)) {
      Function<List<WorkerInfo>, PartitionPlan> plans = live -> {
        List<WorkerInfo> workers = ClusterOptions.firstWorkers(live, nodes, console);
        PlanOption.Choice choice = PlanOption.choose(plan == null ? "auto" : plan, spec, batch, config.optimizer(),
            PlanOption.Workers.seen(workers), this::machineProfile);
        console.println("plan: " + choice.plan().describe() + " — " + choice.reason());
        choice.plan().placement().forEach((shard, node) -> console.println("  shard " + shard + " on " + node));
        runWatch.planChosen(choice.plan(), workers, choice.reason());
        return choice.plan();
      };
      RecoveringTraining.Outcome outcome = RecoveringTraining.fit(cluster, spec, config, plans, train, test,
          progress(console), schedule, resumed, maxRecoveries, Duration.ofSeconds(replacementWait),
          line -> {
            console.println("recovery: " + line);
            runWatch.recovery(line);
          });
      Map<String, Object> metrics = new LinkedHashMap<>();
      metrics.put("plan", outcome.plan().describe());
      metrics.put("nodes", nodes);
      Map<String, Object> placement = new LinkedHashMap<>();
      outcome.plan().placement().forEach((shard, node) -> placement.put(shard.toString(), node));
      metrics.put("placement", placement);
      metrics.put("recoveries", outcome.recoveries());
      StepTimings timings = outcome.timings();
      console.println("runtime: " + timings.describe());
      Map<String, Object> breakdown = new LinkedHashMap<>();
      breakdown.put("step", timings.meanStepSeconds() * 1e3);
      breakdown.put("busiest_shard_compute", timings.meanComputeSeconds() * 1e3);
      breakdown.put("gradient_all_reduce", timings.meanAllReduceSeconds() * 1e3);
      breakdown.put("messages_and_waiting", timings.meanOtherSeconds() * 1e3);
      metrics.put("step_breakdown_ms", breakdown);
      return new ClusterRun(outcome.report(), outcome.model(), metrics);
    }
  }

  private int trainCharacters(Path runDirectory) throws IOException {
    PrintStream console = System.out;
    long wallStart = System.nanoTime();
    TextCorpus corpus = TextCorpus.read(text, textChars);
    int split = corpus.splitPoint(0.1);
    int[] trainCodes = corpus.codes(0, split);
    int[] heldOutCodes = corpus.codes(split, corpus.length());
    StreamWindows train = corpus.windows("train", trainCodes, batch, sequenceLength);
    StreamWindows test = corpus.windows("held-out", heldOutCodes, Math.max(1, Math.min(batch,
        heldOutCodes.length / (sequenceLength + 1))), sequenceLength);
    ModelSpec spec = StandardModels.charLstm(corpus.vocabularySize(), sequenceLength, hiddenUnits, seed);
    Blas blas = banner(console, spec, "text");
    double unigram = corpus.unigramBitsPerChar(trainCodes, heldOutCodes);
    console.printf(Locale.ROOT, "data: %,d characters from %s, vocabulary %d; %,d for training in %d streams, %,d held out%n",
        corpus.length(), corpus.name(), corpus.vocabularySize(), trainCodes.length, batch, heldOutCodes.length);
    console.printf(Locale.ROOT, "baseline: unigram frequencies give %.3f bits per character on the held-out text%n", unigram);
    OptimizerSpec optimizerSpec = optimizerSpec(train.size());
    console.printf(Locale.ROOT, "training: %d epochs, %d streams × %d steps, %s, seed %d → %s%n", epochs, batch,
        sequenceLength, optimizerSpec.describe(), seed, runDirectory);

    TrainingConfig config = new TrainingConfig(epochs, batch, seed, optimizerSpec, TrainingConfig.BatchOrder.STREAMS);
    LoadedCheckpoint resumed = loadResume(console, spec, optimizerSpec);
    Trained trained = train(new RunContext(console, runDirectory, blas, wallStart), spec, config, train, test, resumed);
    TrainingReport report = trained.report();
    Map<String, Object> metrics = trained.metrics();
    String sample = new TextSampler(trained.network(), corpus, blas).sample("The ", sampleLength, 0.8f, seed);
    double bits = report.finalTest().loss() / Math.log(2);
    metrics.put("test_bits_per_char", bits);
    metrics.put("unigram_bits_per_char", unigram);
    metrics.put("text", corpus.name());
    metrics.put("vocabulary", corpus.vocabularySize());
    metrics.put("generated_sample", sample);
    EarlyStopOptions.report(watch, console, metrics);
    metrics.put("characters_per_second", report.samplesPerSecond() * sequenceLength);
    Files.writeString(runDirectory.resolve("metrics.json"), Json.write(metrics));
    printSummary(console, report, new Measure("bits/char", epoch -> bitsPerChar(epoch.trainLoss()),
        epoch -> bitsPerChar(epoch.test().loss()), "accuracy.png"), runDirectory, (double) metrics.get("wall_seconds"));
    console.printf(Locale.ROOT, "held-out %.3f bits per character (unigram baseline %.3f: %.3f better) · %,.0f characters/s%n",
        bits, unigram, unigram - bits, report.samplesPerSecond() * sequenceLength);
    console.println("generated (temperature 0.8):");
    console.println(sample);
    console.println();
    console.printf(Locale.ROOT, "RESULT test_bits_per_char=%.4f samples_per_second=%.1f%n", bits,
        report.samplesPerSecond());
    return ExitCode.OK;
  }

  private static String bitsPerChar(double loss) {
    return String.format(Locale.ROOT, "%8.3f", loss / Math.log(2));
  }

  private org.partita.partitioner.MachineProfile machine;

  /** Loaded (or measured) once per run, however often the plan asks. */
  private org.partita.partitioner.MachineProfile machineProfile() {
    try {
      if (machine == null) {
        machine = PlanCommand.machineProfile(null, false);
      }
      return machine;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("machine profile: " + e.getMessage(), e);
    }
  }

  private boolean distributed() {
    return nodes > 1 || plan != null || clusterOptions.joinsRunningCluster();
  }

  /** An embedded cluster of --nodes workers, or with --seeds a driver joining a running cluster. */
  private TrainingCluster startCluster(PrintStream console) {
    RuntimeSettings settings = RuntimeSettings.defaults()
        .withStepTimeout(java.time.Duration.ofSeconds(stepTimeout)).withMaxMessageBytes((long) maxMessageMiB << 20);
    return clusterOptions.start(nodes, settings, console);
  }

  private Blas banner(PrintStream console, ModelSpec spec, String dataName) {
    Blas blas = Blas.get();
    console.println("partita train — " + spec.name() + " on " + dataName + (distributed()
        ? ", cluster runtime on " + clusterOptions.describe(nodes)
        : ", reference trainer (one process)"));
    RuntimeInfo.lines(blas).forEach(line -> console.println("  " + line));
    console.println(spec.summary());
    return blas;
  }

  /** Per-epoch train and test curves; a character model's loss in bits per character. */
  private void plotCurves(Path runDirectory, ModelSpec spec, TrainingReport report) throws IOException {
    boolean bits = CHARACTER_MODEL.equals(model);
    double scale = bits ? 1 / Math.log(2) : 1;
    List<EpochMetrics> all = report.epochs();
    double[] trainLoss = all.stream().mapToDouble(epoch -> epoch.trainLoss() * scale).toArray();
    double[] testLoss = all.stream().mapToDouble(epoch -> epoch.test() == null ? Double.NaN
        : epoch.test().loss() * scale).toArray();
    double[] trainAccuracy = all.stream().mapToDouble(epoch -> 100 * epoch.trainAccuracy()).toArray();
    double[] testAccuracy = all.stream().mapToDouble(epoch -> epoch.test() == null ? Double.NaN
        : 100 * epoch.test().accuracy()).toArray();
    String held = bits ? "held-out" : "test";
    double[] epochs = IntStream.rangeClosed(1, all.size()).asDoubleStream().toArray();
    PngChart.Axis epoch = new PngChart.Axis("epoch", PngChart.Scale.LINEAR);
    PngChart.lines(runDirectory.resolve("loss.png"), spec.name() + ": loss by epoch", epoch,
        new PngChart.Axis(bits ? "bits per character" : regression != null ? "mean squared error (standardised "
            + "targets)" : "mean cross-entropy", PngChart.Scale.LINEAR),
        List.of(new PngChart.Series("train", PngChart.Style.LINE, epochs, trainLoss),
            new PngChart.Series(held, PngChart.Style.LINE, epochs, testLoss)));
    if (regression != null) {
      regression.plot(runDirectory, spec.name(), all);
      return;
    }
    PngChart.lines(runDirectory.resolve("accuracy.png"), spec.name() + ": accuracy by epoch", epoch,
        new PngChart.Axis(bits ? "next-character accuracy (%)" : "accuracy (%)", PngChart.Scale.LINEAR),
        List.of(new PngChart.Series("train", PngChart.Style.LINE, epochs, trainAccuracy),
            new PngChart.Series(held, PngChart.Style.LINE, epochs, testAccuracy)));
  }

  /** Progress lines, and the Ctrl-C request to stop. */
  private TrainingListener progress(PrintStream console) {
    ProgressReporter reporter = new ProgressReporter(console, System.console() != null, progressInterval)
        .withHeldOutR2(regression == null ? null : regression.heldOutR2());
    return runWatch.listener(new TrainingListener() {
      @Override
      public void onStep(StepMetrics metrics) {
        reporter.onStep(metrics);
      }

      @Override
      public void onEpoch(EpochMetrics metrics) {
        reporter.onEpoch(metrics);
      }

      @Override
      public boolean stopRequested() {
        return stopRequested;
      }
    });
  }

  /**
   * Saves the checkpoint and the loss and accuracy curves (loss.png, accuracy.png), and returns the
   * metrics every model reports; callers add theirs and write them.
   */
  private Map<String, Object> finish(RunContext run, ModelSpec spec, Optimizer optimizer, long step,
      DataPreparation preparation, TrainingReport report) throws IOException {
    ModelCheckpoint.save(run.directory().resolve("checkpoint"), spec, optimizer, preparation,
        new ModelCheckpoint.Position(step, report.last().epoch() + 1, 0, seed));
    plotCurves(run.directory(), spec, report);
    double wallSeconds = (System.nanoTime() - run.wallStart()) / 1e9;
    return metrics(spec, optimizer.spec(), report, run.blas(), wallSeconds);
  }

  /** The checkpoint --resume names, checked against this run's model and optimizer; null without --resume. */
  private LoadedCheckpoint loadResume(PrintStream console, ModelSpec spec, OptimizerSpec optimizerSpec)
      throws IOException {
    if (resume == null) {
      return null;
    }
    LoadedCheckpoint loaded = LoadedCheckpoint.read(CheckpointSchedule.resolve(resume));
    if (!SpecProtos.toProto(loaded.model()).equals(SpecProtos.toProto(spec))) {
      throw new IllegalArgumentException("--resume " + loaded.directory() + " holds model '" + loaded.model().name()
          + "' (" + loaded.model().summary().lines().findFirst().orElse("") + "), not this run's '" + spec.name()
          + "' with seed " + seed + "; use the model and --seed it was trained with");
    }
    if (!loaded.optimizer().equals(optimizerSpec)) {
      throw new IllegalArgumentException("--resume " + loaded.directory() + " was trained with "
          + loaded.optimizer().describe() + ", this run asks for " + optimizerSpec.describe()
          + "; give the same --optimizer, --lr and schedule flags (and --train-samples, which sizes the schedule)");
    }
    ModelCheckpoint.Position at = loaded.position();
    console.printf(Locale.ROOT, "resume: %s, after optimizer step %d (next: batch %d of epoch %d), saved with %s%n",
        loaded.directory(), at.step(), at.batchInEpoch() + 1, at.epoch() + 1,
        loaded.plan() == null ? "the reference trainer" : loaded.plan().describe());
    return loaded;
  }

  /** RUN/checkpoints: every --checkpoint-every steps, and where Ctrl-C saves (so never null). */
  private CheckpointSchedule schedule(Path runDirectory) {
    return new CheckpointSchedule(runDirectory.resolve("checkpoints"),
        checkpointEvery > 0 ? checkpointEvery : Integer.MAX_VALUE, keep).withEarlyStopping(watch);
  }

  private void validate() {
    if (!new ModelNames().contains(model) && !java.nio.file.Files.isRegularFile(Path.of(model))) {
      throw new IllegalArgumentException("unknown model '" + model + "'; choose one of " + String.join(", ", new ModelNames())
          + ", or give a model file (.conf, .hocon or .json) or a ModelSpecProto file (.pbtxt or .pb)"
          + Spelling.didYouMean(model, new ModelNames()));
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("--epochs must be ≥ 1, got " + epochs);
    }
    if (batch < 1) {
      throw new IllegalArgumentException("--batch must be ≥ 1, got " + batch);
    }
    if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
      throw new IllegalArgumentException("--lr must be a positive number, got " + learningRate);
    }
    if (trainSamples != null && trainSamples < 1) {
      throw new IllegalArgumentException("--train-samples must be ≥ 1, got " + trainSamples);
    }
    data.validate();
    earlyStop.validate();
    clusterOptions.validate();
    watchOptions.validate();
    if (sequenceLength < 1 || hiddenUnits < 1 || textChars < 2 || sampleLength < 0) {
      throw new IllegalArgumentException("--seq-length, --hidden and --text-chars must be positive and --sample-length ≥ 0");
    }
    if (maxRecoveries < 0 || replacementWait < 0) {
      throw new IllegalArgumentException("--max-recoveries and --replacement-wait must be ≥ 0, got " + maxRecoveries
          + " and " + replacementWait);
    }
    if (checkpointEvery < 0 || keep < 1) {
      throw new IllegalArgumentException("--checkpoint-every must be ≥ 0 and --keep ≥ 1, got " + checkpointEvery
          + " and " + keep);
    }
    if (nodes < 1 || nodes > 64) {
      throw new IllegalArgumentException("--nodes must be between 1 and 64, got " + nodes);
    }
    if (plan != null) {
      PlanOption.parse(plan);
    }
    if (stepTimeout < 1 || maxMessageMiB < 1) {
      throw new IllegalArgumentException("--step-timeout and --max-message must be ≥ 1");
    }
    if (!(progressInterval > 0)) {
      throw new IllegalArgumentException("--progress-interval must be positive, got " + progressInterval);
    }
  }

  private OptimizerSpec optimizerSpec(int trainSize) {
    UpdateRule rule = UpdateRule.named(optimizer, "--optimizer");
    long totalSteps = (long) epochs * ((trainSize + batch - 1) / batch);
    LearningRateSchedule learningRateSchedule = switch (schedule.toLowerCase(Locale.ROOT)) {
      case "constant" -> new LearningRateSchedule.Constant();
      case "cosine" -> new LearningRateSchedule.Cosine(Math.max(2, totalSteps), learningRate / 100, 0);
      default -> throw new IllegalArgumentException("--schedule '" + schedule + "' is not one of constant, cosine");
    };
    return new OptimizerSpec(rule, learningRate, learningRateSchedule, weightDecay, clipNorm);
  }

  private Map<String, Object> metrics(ModelSpec spec, OptimizerSpec optimizerSpec, TrainingReport report, Blas blas,
      double wallSeconds) {
    List<Object> trainLoss = new ArrayList<>();
    List<Object> trainAccuracy = new ArrayList<>();
    List<Object> testLoss = new ArrayList<>();
    List<Object> testAccuracy = new ArrayList<>();
    List<Object> epochSeconds = new ArrayList<>();
    for (EpochMetrics epoch : report.epochs()) {
      trainLoss.add(epoch.trainLoss());
      trainAccuracy.add(epoch.trainAccuracy());
      testLoss.add(epoch.test() == null ? null : epoch.test().loss());
      testAccuracy.add(epoch.test() == null ? null : epoch.test().accuracy());
      epochSeconds.add(epoch.seconds());
    }
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("model", spec.name());
    metrics.put("plan", "local: 1 replica × 1 stage × 1 slice (reference trainer)");
    metrics.put("epochs", epochs);
    metrics.put("epochs_trained", report.epochs().size());
    if (report.finalTest() != null) {
      metrics.put("test_accuracy", report.finalTest().accuracy());
      metrics.put("test_loss", report.finalTest().loss());
    }
    metrics.put("final_train_loss", report.last().trainLoss());
    metrics.put("samples_per_second", report.samplesPerSecond());
    metrics.put("wall_seconds", wallSeconds);
    metrics.put("seconds_per_epoch", report.trainSeconds() / epochs);
    metrics.put("blas_backend", blas.backend().configName());
    metrics.put("blas", blas.describe());
    metrics.put("batch_size", batch);
    metrics.put("optimizer", optimizerSpec.describe());
    metrics.put("seed", seed);
    metrics.put("parameters", spec.parameterCount());
    metrics.put("train_samples", report.trainSamples() / epochs);
    metrics.put("test_samples", report.finalTest() == null ? 0 : report.finalTest().samples());
    metrics.put("train_loss_per_epoch", trainLoss);
    metrics.put("train_accuracy_per_epoch", trainAccuracy);
    metrics.put("test_loss_per_epoch", testLoss);
    metrics.put("test_accuracy_per_epoch", testAccuracy);
    metrics.put("epoch_seconds", epochSeconds);
    return metrics;
  }

  /**
   * A column pair of the epoch table, train and held-out — how each prints for an epoch that has
   * it — and the chart that plots it.
   */
  private record Measure(String name, Function<EpochMetrics, String> train, Function<EpochMetrics, String> test,
      String chart) {
    static Measure accuracy() {
      return new Measure("acc", epoch -> percent(epoch.trainAccuracy()), epoch -> percent(epoch.test().accuracy()),
          "accuracy.png");
    }

    private static String percent(double fraction) {
      return String.format(Locale.ROOT, "%7.2f%%", 100 * fraction);
    }

    static String number(double value) {
      return String.format(Locale.ROOT, "%8.4f", value);
    }
  }

  private void printSummary(PrintStream console, TrainingReport report, Measure measure, Path runDirectory,
      double wallSeconds) {
    console.println();
    console.printf(" epoch | train loss | %9s | test loss | %9s | seconds%n", "train " + measure.name(),
        "test " + measure.name());
    console.println("-------+------------+-----------+-----------+-----------+--------");
    for (EpochMetrics epoch : report.epochs()) {
      boolean held = epoch.test() != null;
      console.printf(Locale.ROOT, " %5d | %10.4f | %9s | %9s | %9s | %6.1f%n", epoch.epoch() + 1, epoch.trainLoss(),
          measure.train().apply(epoch), held ? String.format(Locale.ROOT, "%9.4f", epoch.test().loss()) : "-",
          held ? measure.test().apply(epoch) : "-", epoch.seconds());
    }
    console.printf(Locale.ROOT, "%s wall · run in %s (metrics.json, loss.png, %s, checkpoint, tb for TensorBoard)%n",
        ProgressReporter.duration(wallSeconds), runDirectory, measure.chart());
  }
}
