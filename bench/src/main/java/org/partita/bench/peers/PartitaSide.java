package org.partita.bench.peers;

import org.partita.models.blas.Blas;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.StepRunner;
import org.partita.models.train.TrainingConfig;

/** Partita's single-process reference trainer on the shared batches, as they are. */
final class PartitaSide implements TrainingSide {
  private final LocalTrainer trainer;
  private final SharedBatches batches;

  PartitaSide(ModelSpec spec, OptimizerSpec optimizer, SharedBatches batches, Blas blas) {
    this.trainer = new LocalTrainer(spec, new TrainingConfig(1, batches.batchSize(), 1, optimizer), blas);
    this.batches = batches;
  }

  @Override
  public long parameterCount() {
    return trainer.spec().parameterCount();
  }

  @Override
  public double trainStep(int batch) {
    StepRunner.StepResult result = trainer.trainStep(batches.inputs().get(batch), batches.targets().get(batch), 0);
    return result.lossSum() / batches.batchSize();
  }
}
