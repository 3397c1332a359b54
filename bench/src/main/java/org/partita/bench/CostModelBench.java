package org.partita.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jblas.FloatMatrix;
import org.partita.bench.report.BenchResult;
import org.partita.bench.report.PredictionCategory;
import org.partita.bench.report.Stats;
import org.partita.models.blas.Blas;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.FashionMnist;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.TrainingConfig;
import org.partita.partitioner.CostModel;
import org.partita.partitioner.Link;
import org.partita.partitioner.MachineProfile;
import org.partita.partitioner.MachineProfiles;

/**
 * Is the cost model right on one machine? Measures a {@link MachineProfile} the way
 * {@code partita plan} does, predicts the reference trainer's step time for the MLP, CNN and LSTM
 * at batch 128, then measures those steps on real Fashion-MNIST batches in the same JVM; prints
 * predicted, measured (min / median / max over rounds) and the relative error against the median.
 *
 * <pre>
 *   java -cp ... org.partita.bench.CostModelBench [--repetitions 5]
 * </pre>
 */
public final class CostModelBench {
  private CostModelBench() {}

  public static void main(String[] args) throws IOException {
    int repetitions = args.length == 2 && args[0].equals("--repetitions") ? Integer.parseInt(args[1]) : 5;
    if (repetitions < 5) {
      throw new IllegalArgumentException("--repetitions must be ≥ 5");
    }
    Blas blas = Blas.get();
    BenchResult result = BenchResult.start("cost", "Cost model on one machine: the reference trainer",
        "bench/bin/bench cost --repetitions " + repetitions);
    long start = System.nanoTime();
    // Measured afresh and cached, so the benchmarks after this one predict from today's profile.
    MachineProfile profile = MachineProfiles.cachedOrMeasured(null, true, line -> System.out.println("# " + line));
    result.paragraph(String.format(Locale.ROOT, "Machine profile measured in %.1f s (then cached for `partita plan`"
        + " and the benchmarks after this one): %s. Predicted: the cost model's single-node step; measured: the"
        + " reference trainer on real Fashion-MNIST batches in the same JVM, %s.", (System.nanoTime() - start) / 1e9,
        profile.describe(), blas.describe()));
    CostModel cost = new CostModel(profile, Link.SHARED_MACHINE);
    FashionMnist.Splits splits = FashionMnist.load(FashionMnist.DEBIAN_DIRECTORY);
    List<List<String>> rows = new ArrayList<>();
    int batch = 128;
    OptimizerSpec optimizer = OptimizerSpec.adam(1e-3f);
    for (String name : new String[] {"mlp", "cnn", "lstm"}) {
      ModelSpec spec = StandardModels.byName(name, 1);
      double predicted = cost.singleNodeStepSeconds(spec, batch, optimizer);
      double[] seconds = measureSteps(spec, splits.train(), batch, optimizer, blas, repetitions);
      Stats measured = Stats.of(seconds);
      result.prediction(PredictionCategory.SINGLE_NODE, name.toUpperCase(Locale.ROOT), "reference trainer", "one process, "
          + profile.threads() + " threads", predicted * 1e3, java.util.Arrays.stream(seconds).map(s -> s * 1e3).toArray());
      rows.add(List.of(name, Integer.toString(batch), String.format(Locale.ROOT, "%.2f ms", predicted * 1e3),
          measured.millis().format("%.2f") + " ms",
          String.format(Locale.ROOT, "%+.1f%%", 100 * (predicted - measured.median()) / measured.median())));
    }
    result.table(List.of("model", "batch", "predicted step", "measured step (min / median / max of " + repetitions
        + ")", "error vs median"), rows);
    result.save();
  }

  /** Seconds per training step, one value per round of several steps, after warm-up steps. */
  private static double[] measureSteps(ModelSpec spec, ArrayDataset data, int batch, OptimizerSpec optimizer,
      Blas blas, int repetitions) {
    LocalTrainer trainer = new LocalTrainer(spec, new TrainingConfig(1, batch, 1, optimizer), blas);
    FloatMatrix inputs = new FloatMatrix(spec.inputShape().size(), batch);
    FloatMatrix targets = new FloatMatrix(10, batch);
    int stepsPerRound = Math.max(5, (int) (0.5 / Math.max(1e-4, roughStep(trainer, data, inputs, targets))));
    int next = 0;
    for (int i = 0; i < stepsPerRound; i++) {
      next = step(trainer, data, next, inputs, targets);
    }
    double[] seconds = new double[repetitions];
    for (int r = 0; r < repetitions; r++) {
      long start = System.nanoTime();
      for (int i = 0; i < stepsPerRound; i++) {
        next = step(trainer, data, next, inputs, targets);
      }
      // The batch copy is outside trainStep but inside this loop; it is a few hundred microseconds
      // of the CNN's and LSTM's tens of milliseconds, and counted in the MLP's.
      seconds[r] = (System.nanoTime() - start) / 1e9 / stepsPerRound;
    }
    return seconds;
  }

  private static double roughStep(LocalTrainer trainer, ArrayDataset data, FloatMatrix inputs, FloatMatrix targets) {
    step(trainer, data, 0, inputs, targets);
    long start = System.nanoTime();
    step(trainer, data, 1, inputs, targets);
    return (System.nanoTime() - start) / 1e9;
  }

  private static int step(LocalTrainer trainer, ArrayDataset data, int next, FloatMatrix inputs, FloatMatrix targets) {
    int batch = inputs.columns;
    int from = (next * batch) % (data.size() - batch);
    data.copyBatch(null, from, batch, inputs, targets);
    trainer.trainStep(inputs, targets, 0);
    return next + 1;
  }
}
