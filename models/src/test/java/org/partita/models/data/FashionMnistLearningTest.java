package org.partita.models.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.partita.models.blas.Blas;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.models.train.TrainingReport;

/**
 * The real data set from Debian's dataset-fashion-mnist (installed by deploy/bin/setup): it loads
 * with the published sizes, and the MLP learns it quickly. The full accuracy targets are
 * benchmarks (docs/BENCHMARKS.md), not unit tests.
 */
class FashionMnistLearningTest {
  @Test
  void mlpReachesThreeQuartersAccuracyAfterOneEpochOnTenThousandImages() throws IOException {
    FashionMnist.Splits splits = FashionMnist.load(FashionMnist.DEBIAN_DIRECTORY);
    assertEquals(60_000, splits.train().size());
    assertEquals(10_000, splits.test().size());
    LocalTrainer trainer = new LocalTrainer(StandardModels.mlp(1),
        new TrainingConfig(1, 64, 1, OptimizerSpec.adam(1e-3f)), Blas.get());
    TrainingReport report = trainer.fit(splits.train().subset(0, 10_000), splits.test(), TrainingListener.NONE);
    assertTrue(report.finalTest().accuracy() >= 0.75, "test accuracy " + report.finalTest().accuracy());
  }
}
