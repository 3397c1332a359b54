package org.partita.models.train;

import java.util.ArrayList;
import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.blas.Blas;
import org.partita.models.data.Dataset;
import org.partita.models.data.Shuffle;
import org.partita.models.layers.BatchContext;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.Network;
import org.partita.models.optim.GradientClipping;
import org.partita.models.optim.Optimizer;

/**
 * The single-process reference trainer: every distributed mode must reproduce its sequence of
 * weights. Deterministic — the data order is a function of (shuffle seed, epoch), initial weights
 * and dropout of (model seed, coordinates) — so two runs with the same seeds are bit-identical.
 *
 * <p>One optimizer step per global batch of {@code batchSize} samples (the last batch of an epoch
 * holds the remainder); the loss gradient is scaled by 1/batch so it is the batch mean. Both cores
 * are used through the BLAS threads; the hot loop allocates nothing after the first step of each
 * batch size.
 */
public final class LocalTrainer {
  private static final int EVALUATION_BATCH = 500;

  private final ModelSpec spec;
  private final TrainingConfig config;
  private final Network network;
  private final Optimizer optimizer;
  private long step;

  public LocalTrainer(ModelSpec spec, TrainingConfig config, Blas blas) {
    this.spec = spec;
    this.config = config;
    this.network = new Network(spec, blas);
    this.optimizer = new Optimizer(config.optimizer(), network.parameters());
  }

  public Network network() {
    return network;
  }

  public Optimizer optimizer() {
    return optimizer;
  }

  /** Optimizer steps taken so far. */
  public long step() {
    return step;
  }

  public TrainingReport fit(Dataset train, Dataset test, TrainingListener listener) {
    checkCompatible(train);
    if (test != null) {
      checkCompatible(test);
    }
    int n = train.size();
    int batch = Math.min(config.batchSize(), n);
    int stepsPerEpoch = (n + batch - 1) / batch;
    int[] order = new int[n];
    FloatMatrix fullInputs = new FloatMatrix(spec.inputShape().size(), batch);
    FloatMatrix fullTargets = new FloatMatrix(train.classes(), batch);
    FloatMatrix fullGradient = new FloatMatrix(train.classes(), batch);
    int tail = n - (stepsPerEpoch - 1) * batch;
    FloatMatrix tailInputs = new FloatMatrix(spec.inputShape().size(), tail);
    FloatMatrix tailTargets = new FloatMatrix(train.classes(), tail);
    FloatMatrix tailGradient = new FloatMatrix(train.classes(), tail);

    List<EpochMetrics> epochs = new ArrayList<>();
    long trainNanos = 0;
    long samples = 0;
    for (int epoch = 0; epoch < config.epochs(); epoch++) {
      Shuffle.fill(config.shuffleSeed(), epoch, order);
      long epochStart = System.nanoTime();
      double lossSum = 0;
      long correct = 0;
      for (int s = 0; s < stepsPerEpoch; s++) {
        int from = s * batch;
        int count = Math.min(batch, n - from);
        boolean full = count == batch;
        FloatMatrix inputs = full ? fullInputs : tailInputs;
        FloatMatrix targets = full ? fullTargets : tailTargets;
        FloatMatrix gradient = full ? fullGradient : tailGradient;
        train.copyBatch(order, from, count, inputs, targets);
        long stepStart = System.nanoTime();
        StepResult result = trainStep(inputs, targets, gradient, epoch);
        trainNanos += System.nanoTime() - stepStart;
        samples += count;
        lossSum += result.lossSum();
        correct += result.correct();
        listener.onStep(new StepMetrics(epoch, config.epochs(), s, stepsPerEpoch, step, result.lossSum() / count,
            (double) result.correct() / count, samples / (trainNanos / 1e9)));
      }
      double epochSeconds = (System.nanoTime() - epochStart) / 1e9;
      Evaluation evaluation = test == null ? null : evaluate(test);
      EpochMetrics metrics = new EpochMetrics(epoch, lossSum / n, (double) correct / n, evaluation, epochSeconds);
      epochs.add(metrics);
      listener.onEpoch(metrics);
    }
    double trainSeconds = trainNanos / 1e9;
    return new TrainingReport(epochs, epochs.get(epochs.size() - 1).test(), trainSeconds, samples,
        samples / trainSeconds);
  }

  /** Loss summed over the batch and the number of correctly classified samples. */
  public record StepResult(double lossSum, int correct) {}

  /**
   * One optimizer step on one global batch: zero gradients, forward, loss, backward, clip, update.
   * If the loss is not finite the update is not applied and {@link TrainingDivergedException} says
   * where it happened.
   */
  public StepResult trainStep(FloatMatrix inputs, FloatMatrix targets, FloatMatrix lossGradient, int epoch) {
    BatchContext context = BatchContext.training(step);
    network.zeroGradients();
    FloatMatrix output = network.forward(inputs, context);
    Loss loss = spec.loss();
    double lossSum = loss.valueAndGradient(output, targets, 1f / inputs.columns, lossGradient);
    if (!Double.isFinite(lossSum)) {
      throw new TrainingDivergedException("loss became " + lossSum + " at epoch " + (epoch + 1) + ", step " + step
          + " (model '" + spec.name() + "', " + config.optimizer().describe() + "); the step was not applied — "
          + "lower the learning rate or enable gradient clipping");
    }
    int correct = Loss.countCorrect(output, targets);
    network.backward(lossGradient, context);
    float clip = config.optimizer().clipGlobalNorm();
    if (clip > 0f) {
      GradientClipping.scale(network.parameters(),
          GradientClipping.scaleFor(GradientClipping.sumOfSquares(network.parameters()), clip));
    }
    optimizer.step(step);
    step++;
    return new StepResult(lossSum, correct);
  }

  /** Mean loss and accuracy over a dataset, in inference mode (no dropout), in batches of 500. */
  public Evaluation evaluate(Dataset data) {
    checkCompatible(data);
    int n = data.size();
    double lossSum = 0;
    long correct = 0;
    FloatMatrix inputs = null;
    FloatMatrix targets = null;
    for (int from = 0; from < n; from += EVALUATION_BATCH) {
      int count = Math.min(EVALUATION_BATCH, n - from);
      if (inputs == null || inputs.columns != count) {
        inputs = new FloatMatrix(spec.inputShape().size(), count);
        targets = new FloatMatrix(data.classes(), count);
      }
      data.copyBatch(null, from, count, inputs, targets);
      FloatMatrix output = network.forward(inputs, BatchContext.inference());
      lossSum += spec.loss().value(output, targets);
      correct += Loss.countCorrect(output, targets);
    }
    return new Evaluation(lossSum / n, (double) correct / n, n);
  }

  private void checkCompatible(Dataset data) {
    if (data.sampleShape().size() != spec.inputShape().size()) {
      throw new IllegalArgumentException("dataset '" + data.name() + "' has samples of " + data.sampleShape()
          + " but model '" + spec.name() + "' takes " + spec.inputShape());
    }
    if (data.classes() != spec.outputShape().size()) {
      throw new IllegalArgumentException("dataset '" + data.name() + "' has " + data.classes() + " classes but model '"
          + spec.name() + "' outputs " + spec.outputShape().size());
    }
  }
}
