package org.partita.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.partita.models.blas.Blas;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.DataFormat;
import org.partita.models.data.DataPreparation;
import org.partita.models.data.SampleData;
import org.partita.models.data.Targets;
import org.partita.models.layers.Activation;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.Shape;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;

/** Regression metrics in the targets' units, and the per-epoch R² the trainers' loss gives. */
class RegressionMetricsTest {

  /** y = 3·x0 − 2·x1 + 40 + noise, in units far from standardised ones. */
  private static SampleData line(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] x = new float[2 * n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      x[2 * i] = (float) random.nextGaussian();
      x[2 * i + 1] = (float) random.nextGaussian();
      y[i] = (float) (3 * x[2 * i] - 2 * x[2 * i + 1] + 40 + 0.3 * random.nextGaussian());
    }
    return new SampleData("line", DataFormat.NPY, Shape.vector(2), x, new Targets.Values(List.of("y"), y), List.of(),
        List.of("y"));
  }

  @Test
  void aLinearModelLearnsTheLineAndTheEpochR2IsTheFinalOne() {
    ModelSpec spec = new ModelSpec("linear", Shape.vector(2), List.of(new DenseSpec(2, 1, Activation.IDENTITY)),
        Loss.MEAN_SQUARED_ERROR, 1);
    SampleData trainData = line(400, 1);
    SampleData heldData = line(100, 2);
    DataPreparation preparation = DataPreparation.fit(trainData, DataPreparation.Normalization.AUTO, 2);
    ArrayDataset train = preparation.prepare(trainData);
    ArrayDataset heldOut = preparation.prepare(heldData);
    LocalTrainer trainer = new LocalTrainer(spec, new TrainingConfig(30, 20, 3, OptimizerSpec.adam(0.05f)), Blas.get());
    TrainingReport report = trainer.fit(train, heldOut, TrainingListener.NONE);

    RegressionMetrics metrics = RegressionMetrics.of(trainer.network(), heldOut, preparation);
    assertEquals(100, metrics.samples());
    assertEquals(List.of("y"), metrics.targets());
    assertTrue(metrics.meanRmse() < 0.4 && metrics.meanMae() < 0.35, "noise is 0.3: rmse " + metrics.meanRmse()
        + ", mae " + metrics.meanMae());
    assertTrue(metrics.meanR2() > 0.98, "R² " + metrics.meanR2());
    double fromLoss = RegressionMetrics.r2OfLoss(heldOut).applyAsDouble(report.finalTest().loss());
    assertEquals(metrics.meanR2(), fromLoss, 1e-5, "one target: the loss's R² is the model's");
  }

  @Test
  void metricsOfKnownPredictionsInTheTargetsUnits() {
    ModelSpec spec = new ModelSpec("two", Shape.vector(1), List.of(new DenseSpec(1, 2, Activation.IDENTITY)),
        Loss.MEAN_SQUARED_ERROR, 1);
    LocalTrainer trainer = new LocalTrainer(spec, new TrainingConfig(1, 1, 1, OptimizerSpec.adam(0.1f)), Blas.get());
    // Outputs: (x, 0) — weights [1, 0], biases 0.
    trainer.network().parameters().get(0).value().data[0] = 1;
    trainer.network().parameters().get(0).value().data[1] = 0;
    java.util.Arrays.fill(trainer.network().parameters().get(1).value().data, 0f);
    // Targets stored standardised with mean (10, 0) and std (2, 1): units y = 2z + 10 and y = z.
    DataPreparation preparation = new DataPreparation(DataFormat.CSV, org.partita.models.data.Standardization.NONE,
        List.of(), List.of(), List.of("a", "b"), new org.partita.models.data.Standardization(new double[] {10, 0},
            new double[] {2, 1}));
    float[] x = {1, -1, 0, 2};
    float[] z = {1, 1, -1, -1, 0, 0, 1, 1};
    ArrayDataset data = new ArrayDataset("known", Shape.vector(1), x, new Targets.Values(List.of("a", "b"), z));
    RegressionMetrics metrics = RegressionMetrics.of(trainer.network(), data, preparation);
    // Target a: predicted 12, 8, 10, 14 against 12, 8, 10, 12 → errors 0, 0, 0, 2.
    assertEquals(1, metrics.rmse()[0], 1e-6);
    assertEquals(0.5, metrics.mae()[0], 1e-6);
    assertEquals(1 - 4 / 11.0, metrics.r2()[0], 1e-6); // deviations from 10.5: 2.25 + 6.25 + 0.25 + 2.25
    // Target b: predicted 0 everywhere against 1, −1, 0, 1 → squared errors 3, |errors| 3.
    assertEquals(Math.sqrt(0.75), metrics.rmse()[1], 1e-6);
    assertEquals(0.75, metrics.mae()[1], 1e-6);
  }
}
