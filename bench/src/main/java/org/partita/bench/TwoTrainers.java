package org.partita.bench;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.jblas.FloatMatrix;
import org.partita.models.blas.Blas;
import org.partita.models.data.Dataset;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.Evaluation;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.StepRunner;
import org.partita.models.train.TrainingConfig;

/**
 * Two reference trainers, each on its half of the batch, stepping in two threads of their own.
 * {@link #timeSteps} lets each run its steps without waiting for the other (no runtime, no
 * synchronization: the hardware's part alone), or in lockstep: a barrier between the two
 * threads after every step. {@link #trainStep} steps both once. The halves are the batch given
 * first, cut once. Evaluation and checkpoints use the first trainer's model.
 */
final class TwoTrainers implements StepRunner {
  private final LocalTrainer first;
  private final LocalTrainer second;
  private final FloatMatrix[] halves;
  private final ExecutorService pair;
  private final boolean lockstep;

  TwoTrainers(ModelSpec model, int batch, OptimizerSpec optimizer, FloatMatrix inputs, FloatMatrix targets,
      ExecutorService pair, boolean lockstep) {
    this.lockstep = lockstep;
    this.first = new LocalTrainer(model, new TrainingConfig(1, batch / 2, 1, optimizer), Blas.get());
    this.second = new LocalTrainer(model, new TrainingConfig(1, batch - batch / 2, 1, optimizer), Blas.get());
    this.halves = new FloatMatrix[] {
        inputs.getRange(0, inputs.rows, 0, batch / 2), targets.getRange(0, targets.rows, 0, batch / 2),
        inputs.getRange(0, inputs.rows, batch / 2, batch), targets.getRange(0, targets.rows, batch / 2, batch)};
    this.pair = pair;
  }

  @Override
  public double timeSteps(FloatMatrix inputs, FloatMatrix targets, int steps) {
    long start = System.nanoTime();
    if (lockstep) {
      java.util.concurrent.CyclicBarrier stepDone = new java.util.concurrent.CyclicBarrier(2);
      both(() -> inLockstep(first, halves[0], halves[1], steps, stepDone),
          () -> inLockstep(second, halves[2], halves[3], steps, stepDone));
    } else {
      both(() -> first.timeSteps(halves[0], halves[1], steps), () -> second.timeSteps(halves[2], halves[3], steps));
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /** Returns the steps it ran. */
  private static Integer inLockstep(LocalTrainer trainer, FloatMatrix inputs, FloatMatrix targets, int steps,
      java.util.concurrent.CyclicBarrier stepDone) throws Exception {
    for (int s = 0; s < steps; s++) {
      trainer.trainStep(inputs, targets, 0);
      stepDone.await(10, java.util.concurrent.TimeUnit.MINUTES);
    }
    return steps;
  }

  @Override
  public StepResult trainStep(FloatMatrix inputs, FloatMatrix targets, int epoch) {
    List<StepResult> results = both(() -> first.trainStep(halves[0], halves[1], epoch),
        () -> second.trainStep(halves[2], halves[3], epoch));
    return new StepResult(results.get(0).lossSum() + results.get(1).lossSum(),
        results.get(0).correct() + results.get(1).correct());
  }

  private <T> List<T> both(java.util.concurrent.Callable<T> one, java.util.concurrent.Callable<T> other) {
    Future<T> a = pair.submit(one);
    Future<T> b = pair.submit(other);
    try {
      return List.of(a.get(), b.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stepping two reference trainers", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a reference trainer of the ceiling setup failed: " + e.getCause(), e.getCause());
    }
  }

  @Override
  public ModelSpec spec() {
    return first.spec();
  }

  @Override
  public long step() {
    return first.step();
  }

  @Override
  public Evaluation evaluate(Dataset data) {
    return first.evaluate(data);
  }

  @Override
  public void resetRecurrentState() {
    first.resetRecurrentState();
    second.resetRecurrentState();
  }

  @Override
  public void carryRecurrentState() {
    first.carryRecurrentState();
    second.carryRecurrentState();
  }

  @Override
  public void saveCheckpoint(java.nio.file.Path directory, org.partita.models.io.ModelCheckpoint.Position position)
      throws IOException {
    first.saveCheckpoint(directory, position);
  }
}
