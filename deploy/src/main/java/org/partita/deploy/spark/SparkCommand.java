package org.partita.deploy.spark;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.partita.deploy.ExitCode;
import org.partita.models.data.FashionMnist;
import org.partita.models.io.ModelFiles;
import org.partita.partitioner.PartitionPlan;
import org.partita.proto.EpochOutcomeProto;
import org.partita.proto.TrainingOutcomeProto;
import org.partita.spark.FashionMnistFrames;
import org.partita.spark.PartitaClassificationModel;
import org.partita.spark.PartitaClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code partita spark}: a DataFrame training job from the command line — Fashion-MNIST read by
 * the executors, {@link PartitaClassifier} fitted in a barrier stage, the model scored on the test
 * split with {@code transform}. The same code path a user's Spark application takes.
 */
@Command(name = "spark", mixinStandardHelpOptions = true,
    description = "Train on Fashion-MNIST inside a Spark application (barrier stage, DataFrame in, Spark ML model"
        + " out).",
    footer = {"", "Examples:",
        "  partita spark --master 'local[2]' --model mlp --plan replicas=2 --epochs 3",
        "  partita spark --master 'local[2]' --model cnn --plan slices=2 --epochs 1 --train-samples 10000",
        "  partita spark --master spark://host:7077 --plan replicas=8 --tls /shared/certs --checkpoint-dir /shared/ckpt",
        "", "Progress lines come from the training driver, which runs in barrier task 0 (its executor's log",
        "on a real cluster). See docs/SPARK.md."})
public final class SparkCommand implements Callable<Integer> {

  @Option(names = "--master", description = "Spark master URL (default: spark-submit's, else local[2]).")
  String master;

  @Option(names = "--model", defaultValue = "mlp",
      description = ModelFiles.CHOICES + ", for 28×28 images and 10 classes (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--plan", defaultValue = "auto",
      description = "auto (the planner's choice for the task slots), or e.g. replicas=2, slices=2, stages=2,slices=2 "
          + "(default: ${DEFAULT-VALUE}).")
  String plan;

  @Option(names = "--epochs", defaultValue = "3", description = "Passes over the data (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--batch", defaultValue = "128", description = "Global batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--optimizer", defaultValue = "adam",
      description = "adam, sgd, momentum or nesterov (default: ${DEFAULT-VALUE}).")
  String optimizer;

  @Option(names = "--lr", defaultValue = "0.001", description = "Learning rate (default: ${DEFAULT-VALUE}).")
  double learningRate;

  @Option(names = "--seed", defaultValue = "1",
      description = "Seed of weights and data order (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--data", description = "Fashion-MNIST IDX directory on every worker (default: Debian's).")
  Path data = FashionMnist.DEBIAN_DIRECTORY;

  @Option(names = "--train-samples", description = "Train on only the first N training images.")
  Integer trainSamples;

  @Option(names = "--checkpoint-dir",
      description = "Checkpoint directory every executor can reach; a retried stage resumes from the newest.")
  String checkpointDir;

  @Option(names = "--tls",
      description = "Directory made by 'partita certs --nodes 0 --names task-0,…,task-(N-1)', on every executor: the"
          + " task nodes talk mutual TLS. Required off local masters.")
  String tls;

  @Option(names = "--checkpoint-every", defaultValue = "200",
      description = "Optimizer steps between checkpoints (default: ${DEFAULT-VALUE}).")
  int checkpointEvery;

  @Override
  public Integer call() {
    PrintStream out = System.out;
    if (trainSamples != null && (trainSamples < 1 || trainSamples > 60_000)) {
      throw new IllegalArgumentException("--train-samples must be between 1 and 60000, got " + trainSamples);
    }
    PartitaClassifier classifier = new PartitaClassifier().setModel(model).setPlan(plan).setEpochs(epochs)
        .setBatchSize(batch).setOptimizer(optimizer).setLearningRate(learningRate).setSeed(seed)
        .setCheckpointInterval(checkpointEvery);
    if (tls != null) {
      classifier.setTlsDir(tls);
    }
    if (checkpointDir != null) {
      classifier.setCheckpointDir(checkpointDir);
    }
    classifier.trainingConfig(); // bad optimizer or numbers fail before Spark starts
    long start = System.nanoTime();
    SparkSession.Builder builder = SparkSession.builder().appName("partita spark " + model)
        .config("spark.ui.enabled", "false");
    if (master != null) {
      builder.master(master);
    } else if (System.getProperty("spark.master") == null) {
      builder.master("local[2]"); // not under spark-submit, which sets spark.master
    }
    SparkSession spark = builder.getOrCreate();
    try {
      int slots = spark.sparkContext().defaultParallelism();
      PartitionPlan partitionPlan = classifier.partitionPlan(classifier.modelSpec(), slots,
          spark.sparkContext().isLocal());
      out.printf(Locale.ROOT, "partita spark — %s on Fashion-MNIST, Spark %s, master %s, %d task slots%n", model,
          spark.version(), spark.sparkContext().master(), slots);
      out.println("plan: " + partitionPlan.describe() + " (" + partitionPlan.shards().size() + " barrier tasks)");
      Dataset<Row> train = FashionMnistFrames.load(spark, data, true, slots, trainSamples == null ? 0 : trainSamples);
      Dataset<Row> test = FashionMnistFrames.load(spark, data, false, slots, 0);
      long fitStart = System.nanoTime();
      PartitaClassificationModel fitted = classifier.fit(train);
      double fitSeconds = (System.nanoTime() - fitStart) / 1e9;
      TrainingOutcomeProto outcome = fitted.outcome();
      for (EpochOutcomeProto epoch : outcome.getEpochsList()) {
        out.printf(Locale.ROOT, "epoch %d: train loss %.4f acc %.2f%% (%.1f s)%n", epoch.getEpoch() + 1,
            epoch.getTrainLoss(), 100 * epoch.getTrainAccuracy(), epoch.getSeconds());
      }
      if (outcome.getResumedFromStep() >= 0) {
        out.println("resumed from the checkpoint of optimizer step " + outcome.getResumedFromStep());
      }
      long testRows = test.count();
      double accuracy = fitted.transform(test).filter("prediction = label").count() / (double) testRows;
      out.printf(Locale.ROOT, "fit %.1f s (%,.0f samples/s while training); test accuracy %.2f%% on %,d images;"
          + " %.1f s in all%n", fitSeconds, outcome.getSamplesPerSecond(), 100 * accuracy, testRows,
          (System.nanoTime() - start) / 1e9);
      out.printf(Locale.ROOT, "RESULT test_accuracy=%.4f samples_per_second=%.1f fit_seconds=%.1f%n", accuracy,
          outcome.getSamplesPerSecond(), fitSeconds);
      return ExitCode.OK;
    } finally {
      spark.stop();
    }
  }
}
