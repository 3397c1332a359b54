package org.partita.models.train;

import java.util.ArrayList;
import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.data.Dataset;
import org.partita.models.data.Shuffle;
import org.partita.models.network.ModelSpec;

/**
 * Epochs of global batches fed to a {@link StepRunner}, with progress and per-epoch evaluation —
 * the one loop shared by the reference trainer and the cluster, so both see exactly the same
 * batches in the same order.
 *
 * <p>Batches: {@code batchSize} samples per optimizer step in the order {@link Shuffle} gives for
 * (shuffle seed, epoch), the last batch holding the remainder; or with
 * {@link TrainingConfig.BatchOrder#STREAMS} consecutive windows of B streams with the recurrent state
 * carried across them. Batch buffers are allocated once per batch size.
 */
public final class TrainingLoop {
  private TrainingLoop() {}

  public static TrainingReport fit(StepRunner runner, TrainingConfig config, Dataset train, Dataset test,
      TrainingListener listener) {
    ModelSpec spec = runner.spec();
    checkCompatible(spec, train);
    if (test != null) {
      checkCompatible(spec, test);
    }
    boolean streams = config.order() == TrainingConfig.BatchOrder.STREAMS;
    int n = train.size();
    int batch = Math.min(config.batchSize(), n);
    if (streams && n % batch != 0) {
      throw new IllegalArgumentException("dataset '" + train.name() + "' has " + n + " windows, not a multiple of the "
          + batch + " streams a batch holds");
    }
    int groups = spec.outputGroups();
    int stepsPerEpoch = (n + batch - 1) / batch;
    int[] order = new int[n];
    Batch full = new Batch(spec, batch);
    Batch tail = new Batch(spec, n - (stepsPerEpoch - 1) * batch);

    List<EpochMetrics> epochs = new ArrayList<>();
    long trainNanos = 0;
    long samples = 0;
    for (int epoch = 0; epoch < config.epochs(); epoch++) {
      if (streams) {
        runner.resetRecurrentState();
      }
      Shuffle.fill(config.shuffleSeed(), epoch, order);
      long epochStart = System.nanoTime();
      double lossSum = 0;
      long correct = 0;
      for (int s = 0; s < stepsPerEpoch; s++) {
        int from = s * batch;
        int count = Math.min(batch, n - from);
        Batch buffers = count == batch ? full : tail;
        train.copyBatch(streams ? null : order, from, count, buffers.inputs, buffers.targets);
        long stepStart = System.nanoTime();
        StepRunner.StepResult result = runner.trainStep(buffers.inputs, buffers.targets, epoch);
        if (streams) {
          runner.carryRecurrentState();
        }
        trainNanos += System.nanoTime() - stepStart;
        samples += count;
        lossSum += result.lossSum();
        correct += result.correct();
        long predictions = (long) count * groups;
        listener.onStep(new StepMetrics(epoch, config.epochs(), s, stepsPerEpoch, runner.step(),
            result.lossSum() / predictions, (double) result.correct() / predictions, samples / (trainNanos / 1e9)));
      }
      double epochSeconds = (System.nanoTime() - epochStart) / 1e9;
      Evaluation evaluation = test == null ? null : runner.evaluate(test);
      long predictions = (long) n * groups;
      EpochMetrics metrics = new EpochMetrics(epoch, lossSum / predictions, (double) correct / predictions, evaluation,
          epochSeconds);
      epochs.add(metrics);
      listener.onEpoch(metrics);
    }
    double trainSeconds = trainNanos / 1e9;
    return new TrainingReport(epochs, epochs.get(epochs.size() - 1).test(), trainSeconds, samples,
        samples / trainSeconds);
  }

  /** Refuses a dataset whose samples or labels do not match the model, naming both. */
  public static void checkCompatible(ModelSpec spec, Dataset data) {
    if (data.sampleShape().size() != spec.inputShape().size()) {
      throw new IllegalArgumentException("dataset '" + data.name() + "' has samples of " + data.sampleShape()
          + " but model '" + spec.name() + "' takes " + spec.inputShape());
    }
    if (data.classes() != spec.outputClasses() || data.labelsPerSample() != spec.outputGroups()) {
      throw new IllegalArgumentException("dataset '" + data.name() + "' has " + data.labelsPerSample() + " label(s) of "
          + data.classes() + " classes per sample but model '" + spec.name() + "' predicts " + spec.outputGroups()
          + " of " + spec.outputClasses());
    }
  }

  /** Inputs and one-hot targets of one batch size. */
  private static final class Batch {
    final FloatMatrix inputs;
    final FloatMatrix targets;

    Batch(ModelSpec spec, int count) {
      inputs = new FloatMatrix(spec.inputShape().size(), count);
      targets = new FloatMatrix(spec.outputClasses() * spec.outputGroups(), count);
    }
  }
}
