package org.partita.deploy.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.partita.deploy.ExitCode;
import org.partita.deploy.RuntimeInfo;
import org.partita.deploy.report.Json;
import org.partita.deploy.report.ProgressReporter;
import org.partita.models.blas.Blas;
import org.partita.models.data.Dataset;
import org.partita.models.data.FashionMnist;
import org.partita.models.io.ModelCheckpoint;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.LearningRateSchedule;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.optim.UpdateRule;
import org.partita.models.train.EpochMetrics;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code partita train}: trains a named model on Fashion-MNIST and leaves a run directory with
 * metrics.json and the final checkpoint. Today it runs the single-process reference trainer; the
 * distributed runtime plugs in here when it lands.
 */
@Command(name = "train",
    mixinStandardHelpOptions = true,
    description = "Train a model on Fashion-MNIST and write runs/NAME/ (metrics.json, checkpoint/).",
    footer = {"", "Examples:",
        "  partita train --model cnn --epochs 10 --out runs/cnn",
        "  partita train --model mlp --epochs 10 --batch 128 --lr 0.001",
        "  partita train --model mlp --epochs 1 --train-samples 10000   # a one-minute smoke run",
        "", "The last line printed is machine-readable:",
        "  RESULT test_accuracy=<x> samples_per_second=<y>"})
public final class TrainCommand implements Callable<Integer> {

  @Option(names = "--model", defaultValue = "cnn", description = "Model: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
      completionCandidates = ModelNames.class)
  String model;

  @Option(names = "--epochs", defaultValue = "10", description = "Passes over the training set (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--batch", defaultValue = "128", description = "Global batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--lr", defaultValue = "0.001", description = "Learning rate (default: ${DEFAULT-VALUE}).")
  float learningRate;

  @Option(names = "--optimizer", defaultValue = "adam",
      description = "adam, sgd, momentum or nesterov (default: ${DEFAULT-VALUE}).")
  String optimizer;

  @Option(names = "--schedule", defaultValue = "cosine",
      description = "Learning-rate schedule: constant or cosine (to 1% of --lr over all steps) (default: ${DEFAULT-VALUE}).")
  String schedule;

  @Option(names = "--weight-decay", defaultValue = "0", description = "Decoupled weight decay (default: ${DEFAULT-VALUE}).")
  float weightDecay;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the initial weights, dropout and data order (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist",
      description = "Directory with the Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--train-samples", description = "Train on only the first N training images (quick runs).")
  Integer trainSamples;

  @Option(names = "--out", description = "Run directory (default: runs/MODEL-yyyyMMdd-HHmmss).")
  Path out;

  @Option(names = "--progress-interval", defaultValue = "10",
      description = "Seconds between progress lines when output is not a terminal (default: ${DEFAULT-VALUE}).")
  double progressInterval;

  /** picocli lists these in --help and in the error for an unknown model. */
  static final class ModelNames extends ArrayList<String> {
    ModelNames() {
      super(StandardModels.NAMES);
    }
  }

  @Override
  public Integer call() throws IOException {
    validate();
    PrintStream console = System.out;
    ModelSpec spec = StandardModels.byName(model, seed);
    OptimizerSpec optimizerSpec = optimizerSpec();
    Path runDirectory = out != null ? out : Path.of("runs", model + "-"
        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.createDirectories(runDirectory);

    long wallStart = System.nanoTime();
    Blas blas = Blas.get();
    console.println("partita train — " + spec.name() + " on Fashion-MNIST, reference trainer (one process)");
    RuntimeInfo.lines(blas).forEach(line -> console.println("  " + line));
    console.println(spec.summary());

    FashionMnist.Splits splits = FashionMnist.load(data);
    Dataset train = trainSamples == null ? splits.train() : splits.train().subset(0, trainSamples);
    console.printf(Locale.ROOT, "data: %,d training and %,d test images from %s%n", train.size(), splits.test().size(), data);
    console.printf(Locale.ROOT, "training: %d epochs, batch %d, %s, seed %d → %s%n", epochs, batch,
        optimizerSpec.describe(), seed, runDirectory);

    LocalTrainer trainer = new LocalTrainer(spec, new TrainingConfig(epochs, batch, seed, optimizerSpec), blas);
    boolean terminal = System.console() != null;
    TrainingReport report = trainer.fit(train, splits.test(), new ProgressReporter(console, terminal, progressInterval));

    Path checkpoint = runDirectory.resolve("checkpoint");
    ModelCheckpoint.save(checkpoint, spec, trainer.optimizer(), new ModelCheckpoint.Position(trainer.step(), epochs, seed));
    double wallSeconds = (System.nanoTime() - wallStart) / 1e9;
    Map<String, Object> metrics = metrics(spec, optimizerSpec, train, report, blas, wallSeconds);
    Files.writeString(runDirectory.resolve("metrics.json"), Json.write(metrics));

    printSummary(console, report, runDirectory, wallSeconds);
    console.printf(Locale.ROOT, "RESULT test_accuracy=%.4f samples_per_second=%.1f%n",
        report.finalTest().accuracy(), report.samplesPerSecond());
    return ExitCode.OK;
  }

  private void validate() {
    if (epochs < 1) {
      throw new IllegalArgumentException("--epochs must be ≥ 1, got " + epochs);
    }
    if (batch < 1) {
      throw new IllegalArgumentException("--batch must be ≥ 1, got " + batch);
    }
    if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
      throw new IllegalArgumentException("--lr must be a positive number, got " + learningRate);
    }
    if (trainSamples != null && (trainSamples < 1 || trainSamples > 60_000)) {
      throw new IllegalArgumentException("--train-samples must be between 1 and 60000, got " + trainSamples);
    }
    if (!(progressInterval > 0)) {
      throw new IllegalArgumentException("--progress-interval must be positive, got " + progressInterval);
    }
  }

  private OptimizerSpec optimizerSpec() {
    UpdateRule rule = switch (optimizer.toLowerCase(Locale.ROOT)) {
      case "adam" -> UpdateRule.Adam.defaults();
      case "sgd" -> new UpdateRule.Sgd();
      case "momentum" -> new UpdateRule.Momentum(0.9f, false);
      case "nesterov" -> new UpdateRule.Momentum(0.9f, true);
      default -> throw new IllegalArgumentException("--optimizer '" + optimizer
          + "' is not one of adam, sgd, momentum, nesterov");
    };
    int samples = trainSamples == null ? 60_000 : trainSamples;
    long totalSteps = (long) epochs * ((samples + batch - 1) / batch);
    LearningRateSchedule learningRateSchedule = switch (schedule.toLowerCase(Locale.ROOT)) {
      case "constant" -> new LearningRateSchedule.Constant();
      case "cosine" -> new LearningRateSchedule.Cosine(Math.max(2, totalSteps), learningRate / 100, 0);
      default -> throw new IllegalArgumentException("--schedule '" + schedule + "' is not one of constant, cosine");
    };
    return new OptimizerSpec(rule, learningRate, learningRateSchedule, weightDecay, 0f);
  }

  private Map<String, Object> metrics(ModelSpec spec, OptimizerSpec optimizerSpec, Dataset train,
      TrainingReport report, Blas blas, double wallSeconds) {
    List<Object> trainLoss = new ArrayList<>();
    List<Object> trainAccuracy = new ArrayList<>();
    List<Object> testLoss = new ArrayList<>();
    List<Object> testAccuracy = new ArrayList<>();
    List<Object> epochSeconds = new ArrayList<>();
    for (EpochMetrics epoch : report.epochs()) {
      trainLoss.add(epoch.trainLoss());
      trainAccuracy.add(epoch.trainAccuracy());
      testLoss.add(epoch.test().loss());
      testAccuracy.add(epoch.test().accuracy());
      epochSeconds.add(epoch.seconds());
    }
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("model", spec.name());
    metrics.put("plan", "local: 1 replica × 1 stage × 1 slice (reference trainer)");
    metrics.put("epochs", epochs);
    metrics.put("test_accuracy", report.finalTest().accuracy());
    metrics.put("test_loss", report.finalTest().loss());
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
    metrics.put("train_samples", train.size());
    metrics.put("test_samples", report.finalTest().samples());
    metrics.put("train_loss_per_epoch", trainLoss);
    metrics.put("train_accuracy_per_epoch", trainAccuracy);
    metrics.put("test_loss_per_epoch", testLoss);
    metrics.put("test_accuracy_per_epoch", testAccuracy);
    metrics.put("epoch_seconds", epochSeconds);
    return metrics;
  }

  private void printSummary(PrintStream console, TrainingReport report, Path runDirectory, double wallSeconds) {
    console.println();
    console.println(" epoch | train loss | train acc | test loss | test acc | seconds");
    console.println("-------+------------+-----------+-----------+----------+--------");
    for (EpochMetrics epoch : report.epochs()) {
      console.printf(Locale.ROOT, " %5d | %10.4f | %8.2f%% | %9.4f | %7.2f%% | %6.1f%n", epoch.epoch() + 1,
          epoch.trainLoss(), 100 * epoch.trainAccuracy(), epoch.test().loss(), 100 * epoch.test().accuracy(),
          epoch.seconds());
    }
    console.printf(Locale.ROOT, "test accuracy %.2f%% on %,d images · %,.0f samples/s · %s wall · run in %s%n",
        100 * report.finalTest().accuracy(), report.finalTest().samples(), report.samplesPerSecond(),
        ProgressReporter.duration(wallSeconds), runDirectory);
  }
}
