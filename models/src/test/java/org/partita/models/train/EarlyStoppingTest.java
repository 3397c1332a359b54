package org.partita.models.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.blas.Blas;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.SyntheticData;
import org.partita.models.io.ModelCheckpoint;
import org.partita.models.layers.Activation;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.Shape;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;

/** The best epoch's checkpoint is kept, and training ends once the watched metric stops improving. */
class EarlyStoppingTest {
  @TempDir
  Path directory;

  private static final ModelSpec SPEC = new ModelSpec("small", Shape.vector(4), List.of(
      new DenseSpec(4, 8, Activation.RELU), new DenseSpec(8, 3, Activation.IDENTITY)), Loss.SOFTMAX_CROSS_ENTROPY, 3);
  private static final ArrayDataset TRAIN = SyntheticData.blobs("train", Shape.vector(4), 3, 64, 1f, 1);
  private static final ArrayDataset HELD_OUT = SyntheticData.blobs("held", Shape.vector(4), 3, 16, 1f, 2);

  private static LocalTrainer trainer(int epochs) {
    return new LocalTrainer(SPEC, new TrainingConfig(epochs, 16, 5, OptimizerSpec.adam(0.01f)), Blas.get());
  }

  @Test
  void keepsTheBestEpochAndStopsAfterPatienceEpochsWithoutImprovement() throws Exception {
    // The watched values by epoch: best at epoch 1 (0-based), then two epochs without improvement.
    double[] scripted = {5, 3, 4, 3, 1, 0};
    EarlyStopping watch = new EarlyStopping(new EarlyStopping.Monitor("scripted", epoch -> scripted[epoch.epoch()],
        EarlyStopping.Goal.LOWER), 2, directory.resolve("best"));
    LocalTrainer stopped = trainer(6);
    TrainingReport report = stopped.fit(TRAIN, HELD_OUT, TrainingListener.NONE, null,
        new CheckpointSchedule(directory.resolve("checkpoints"), 1000, 1).withEarlyStopping(watch));
    assertEquals(4, report.epochs().size(), "epochs 0–3: two without improvement after the best");
    assertTrue(watch.stoppedEarly());
    assertEquals(1, watch.bestEpoch());
    assertEquals(3, watch.best());

    // A constant learning rate and a data order of (seed, epoch): two epochs alone reach the same weights.
    LocalTrainer twoEpochs = trainer(2);
    twoEpochs.fit(TRAIN, HELD_OUT, TrainingListener.NONE);
    ModelCheckpoint.Saved best = ModelCheckpoint.read(directory.resolve("best"));
    assertEquals(new ModelCheckpoint.Position(8, 2, 0, 5), best.position());
    LocalTrainer restored = trainer(1);
    ModelCheckpoint.restore(best, restored.optimizer());
    for (int p = 0; p < restored.network().parameters().size(); p++) {
      assertArrayEquals(twoEpochs.network().parameters().get(p).value().data,
          restored.network().parameters().get(p).value().data, "parameter " + p);
    }
  }

  @Test
  void patienceZeroOnlyKeepsTheBest() {
    EarlyStopping watch = new EarlyStopping(new EarlyStopping.Monitor("test_accuracy", e -> e.test().accuracy(),
        EarlyStopping.Goal.HIGHER), 0, directory.resolve("best"));
    TrainingReport report = trainer(3).fit(TRAIN, HELD_OUT, TrainingListener.NONE, null,
        new CheckpointSchedule(directory.resolve("checkpoints"), 1000, 1).withEarlyStopping(watch));
    assertEquals(3, report.epochs().size());
    double bestAccuracy = report.epochs().stream().mapToDouble(e -> e.test().accuracy()).max().orElseThrow();
    assertEquals(bestAccuracy, watch.best());
    assertTrue(!watch.stoppedEarly());
  }
}
