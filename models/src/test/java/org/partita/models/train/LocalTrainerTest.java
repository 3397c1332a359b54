package org.partita.models.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.partita.models.blas.Blas;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.Dataset;
import org.partita.models.data.SyntheticData;
import org.partita.models.layers.Activation;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.DropoutSpec;
import org.partita.models.layers.Parameter;
import org.partita.models.layers.Shape;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.LearningRateSchedule;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.optim.UpdateRule;

class LocalTrainerTest {
  private static final Shape INPUT = Shape.vector(20);

  private static ModelSpec smallModel(long seed) {
    return new ModelSpec("small", INPUT, List.of(
        new DenseSpec(20, 32, Activation.RELU),
        new DropoutSpec(Shape.vector(32), 0.2f),
        new DenseSpec(32, 4, Activation.IDENTITY)), Loss.SOFTMAX_CROSS_ENTROPY, seed);
  }

  private static ArrayDataset data(long seed, int samples) {
    return SyntheticData.blobs("blobs", INPUT, 4, samples, 1.5f, seed);
  }

  /** Same seeds, same data: bit-identical weights, for every optimizer. */
  @Test
  void twoRunsWithTheSameSeedAreBitIdentical() {
    for (OptimizerSpec optimizer : List.of(OptimizerSpec.adam(0.01f),
        new OptimizerSpec(new UpdateRule.Momentum(0.9f, true), 0.05f, new LearningRateSchedule.StepDecay(5, 0.5f),
            1e-3f, 1f))) {
      TrainingConfig config = new TrainingConfig(2, 48, 5, optimizer);
      LocalTrainer first = new LocalTrainer(smallModel(3), config, Blas.get());
      LocalTrainer second = new LocalTrainer(smallModel(3), config, Blas.get());
      first.fit(data(1, 500), null, TrainingListener.NONE);
      second.fit(data(1, 500), null, TrainingListener.NONE);
      for (int p = 0; p < first.network().parameters().size(); p++) {
        assertArrayEquals(first.network().parameters().get(p).value().data,
            second.network().parameters().get(p).value().data, "parameter " + p + " with " + optimizer.describe());
      }
      LocalTrainer otherSeed = new LocalTrainer(smallModel(4), config, Blas.get());
      otherSeed.fit(data(1, 500), null, TrainingListener.NONE);
      assertFalse(java.util.Arrays.equals(first.network().parameters().get(0).value().data,
          otherSeed.network().parameters().get(0).value().data), "a different model seed must change the weights");
    }
  }

  @Test
  void learnsSeparableDataAndReportsProgress() {
    LocalTrainer trainer = new LocalTrainer(smallModel(1), new TrainingConfig(5, 32, 2, OptimizerSpec.adam(0.01f)),
        Blas.get());
    List<StepMetrics> steps = new ArrayList<>();
    List<EpochMetrics> epochs = new ArrayList<>();
    ArrayDataset all = data(7, 1400);
    TrainingReport report = trainer.fit(all.subset(0, 1000), all.subset(1000, 400), new TrainingListener() {
      @Override
      public void onStep(StepMetrics metrics) {
        steps.add(metrics);
      }

      @Override
      public void onEpoch(EpochMetrics metrics) {
        epochs.add(metrics);
      }
    });
    assertEquals(5 * 32, steps.size(), "1000 samples in batches of 32 is 32 steps per epoch (the last holds 8)");
    assertEquals(0, steps.get(steps.size() - 1).remainingSteps());
    assertEquals(5, epochs.size());
    assertTrue(epochs.get(4).trainLoss() < epochs.get(0).trainLoss(), "loss should fall: " + epochs);
    assertTrue(report.finalTest().accuracy() > 0.9, "test accuracy " + report.finalTest().accuracy());
    assertEquals(5000, report.trainSamples());
  }

  @Test
  void divergenceStopsWithAClearMessageAndKeepsFiniteWeights() {
    LocalTrainer trainer = new LocalTrainer(smallModel(1),
        new TrainingConfig(3, 50, 2, OptimizerSpec.sgd(1e30f)), Blas.get());
    TrainingDivergedException error = assertThrows(TrainingDivergedException.class,
        () -> trainer.fit(data(7, 500), null, TrainingListener.NONE));
    assertTrue(error.getMessage().contains("loss became") && error.getMessage().contains("lower the learning rate"),
        error.getMessage());
  }

  @Test
  void mismatchedDatasetIsRejectedNamingBoth() {
    LocalTrainer trainer = new LocalTrainer(smallModel(1), new TrainingConfig(1, 10, 1, OptimizerSpec.adam(0.01f)),
        Blas.get());
    Dataset wrong = SyntheticData.blobs("wide", Shape.vector(21), 4, 10, 1f, 1);
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> trainer.fit(wrong, null, TrainingListener.NONE));
    assertEquals("dataset 'wide' has samples of 21 but model 'small' takes 20", error.getMessage());
  }

  @Test
  void gradientsAreBatchMeans() {
    // Training on a batch of one sample repeated twice must equal training on that sample once.
    Dataset one = data(9, 1);
    org.jblas.FloatMatrix inputs1 = new org.jblas.FloatMatrix(20, 1);
    org.jblas.FloatMatrix targets1 = new org.jblas.FloatMatrix(4, 1);
    one.copyBatch(null, 0, 1, inputs1, targets1);
    org.jblas.FloatMatrix inputs2 = org.jblas.FloatMatrix.concatHorizontally(inputs1, inputs1);
    org.jblas.FloatMatrix targets2 = org.jblas.FloatMatrix.concatHorizontally(targets1, targets1);
    ModelSpec noDropout = new ModelSpec("plain", INPUT, List.of(new DenseSpec(20, 4, Activation.IDENTITY)),
        Loss.SOFTMAX_CROSS_ENTROPY, 1);
    TrainingConfig config = new TrainingConfig(1, 2, 1, OptimizerSpec.sgd(0.1f));
    LocalTrainer single = new LocalTrainer(noDropout, config, Blas.get());
    LocalTrainer doubled = new LocalTrainer(noDropout, config, Blas.get());
    single.trainStep(inputs1, targets1, 0);
    doubled.trainStep(inputs2, targets2, 0);
    for (int p = 0; p < 2; p++) {
      Parameter a = single.network().parameters().get(p);
      Parameter b = doubled.network().parameters().get(p);
      for (int i = 0; i < a.length(); i++) {
        assertEquals(a.value().data[i], b.value().data[i], 1e-6f, "parameter " + p + "[" + i + "]");
      }
    }
  }
}
