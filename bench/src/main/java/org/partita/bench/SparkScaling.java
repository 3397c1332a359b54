package org.partita.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.jblas.FloatMatrix;
import org.partita.bench.report.BenchResult;
import org.partita.bench.report.Stats;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.FashionMnist;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;
import org.partita.spark.PartitaClassifier;

/**
 * Data parallelism inside Spark, against its own ceiling: for the MLP (all 60,000 rows) and the CNN
 * (12,800 rows), one epoch per fit on 1 task and on 2 tasks, and, in the same rounds, two bare
 * reference trainers stepping in lockstep in this JVM (each on half of a batch of 128, one thread
 * each, a barrier after every step: what any synchronous data parallelism can reach on these
 * cores). Samples/s of the tasks are the fit's own training rate (its steps, not Spark's start-up).
 */
final class SparkScaling {
  private static final double LOCKSTEP_GOAL = 0.95;
  private static final double LOCKSTEP_ROUND_SECONDS = 3;

  private SparkScaling() {}

  static void measure(SparkSession spark, Dataset<Row> train, int rounds, BenchResult result) {
    List<List<String>> rows = new ArrayList<>();
    FashionMnist.Splits data;
    try {
      data = FashionMnist.load(FashionMnist.DEBIAN_DIRECTORY);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ExecutorService pair = Executors.newFixedThreadPool(2);
    try {
      model(train, data.train(), "mlp", 60_000, rounds, pair, result, rows);
      model(train, data.train(), "cnn", 12_800, rounds, pair, result, rows);
    } finally {
      pair.shutdownNow();
    }
    result.paragraph("Data parallelism inside Spark: 1 task vs 2 tasks (`replicas=1` / `replicas=2`), one epoch"
        + " per fit, training samples/s as the fit reports it, and two bare reference trainers in lockstep in this"
        + " JVM (no Spark, no runtime, no messages), " + rounds + " rounds, alternating:");
    result.table(List.of("model, rows", "1 task: samples/s", "2 tasks: samples/s",
        "2 lockstep trainers: samples/s", "2 tasks ÷ 1 task, per round", "2 tasks ÷ lockstep, per round"), rows);
  }

  private static void model(Dataset<Row> train, ArrayDataset arrays, String model, int rowCount, int rounds,
      ExecutorService pair, BenchResult result, List<List<String>> rows) {
    Dataset<Row> data = train.limit(rowCount).persist(StorageLevel.MEMORY_ONLY());
    data.count();
    ModelSpec spec = StandardModels.byName(model, 1);
    int batch = 128;
    FloatMatrix inputs = new FloatMatrix(spec.inputShape().size(), batch);
    FloatMatrix targets = new FloatMatrix(spec.outputShape().size(), batch);
    arrays.copyBatch(null, 0, batch, inputs, targets);
    TwoTrainers lockstep = new TwoTrainers(spec, batch, OptimizerSpec.adam(1e-3f), inputs, targets, pair, true);
    double stepSeconds = lockstep.warmUp(inputs, targets, 5, 2, 10).lastStepSeconds();
    int lockstepSteps = Math.max(5, (int) (LOCKSTEP_ROUND_SECONDS / stepSeconds));
    double[] one = new double[rounds];
    double[] two = new double[rounds];
    double[] bare = new double[rounds];
    double[] twoOverOne = new double[rounds];
    double[] twoOverBare = new double[rounds];
    for (int round = 0; round < rounds; round++) {
      one[round] = samplesPerSecond(data, model, "replicas=1");
      two[round] = samplesPerSecond(data, model, "replicas=2");
      bare[round] = batch * lockstepSteps / lockstep.timeSteps(inputs, targets, lockstepSteps);
      twoOverOne[round] = two[round] / one[round];
      twoOverBare[round] = two[round] / bare[round];
      System.out.printf(Locale.ROOT, "%s round %d/%d: 1 task %,.0f samples/s, 2 tasks %,.0f, 2 lockstep trainers %,.0f%n",
          model, round + 1, rounds, one[round], two[round], bare[round]);
    }
    data.unpersist();
    String label = model.toUpperCase(Locale.ROOT);
    rows.add(List.of(label + ", " + rowCount + " rows", Stats.of(one).format("%,.0f"), Stats.of(two).format("%,.0f"),
        Stats.of(bare).format("%,.0f"), Stats.of(twoOverOne).format("%.2f"), Stats.of(twoOverBare).format("%.2f")));
    Stats ceiling = Stats.of(twoOverBare);
    result.headline(label + " inside Spark: 2 tasks (replicas=2), training samples/s",
        "2 bare reference trainers in lockstep, same cores, same run", ceiling.median(), ceiling.min(), "≥ 0.95",
        ceiling.median() >= LOCKSTEP_GOAL).alsoOnLandingPage();
    double speedup = Stats.of(two).median() / Stats.of(one).median();
    result.point("scaling", label + " data-parallel (Spark)", 1, 1.0);
    result.point("scaling", label + " data-parallel (Spark)", 2, speedup);
    result.data("spark_two_over_one_" + model, twoOverOne);
    result.data("spark_two_over_lockstep_" + model, twoOverBare);
  }

  private static double samplesPerSecond(Dataset<Row> train, String model, String plan) {
    return new PartitaClassifier().setModel(model).setPlan(plan).setEpochs(1).setBatchSize(128).setSeed(1)
        .fit(train).outcome().getSamplesPerSecond();
  }
}
