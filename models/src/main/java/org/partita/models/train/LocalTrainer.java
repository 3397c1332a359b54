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
 * <p>One optimizer step per global batch of {@code batchSize} samples (the last batch of a shuffled
 * epoch holds the remainder). The loss is averaged over every prediction in the batch — one per
 * sample, or one per time step of a per-step model — so its gradient is the batch mean. With
 * {@link TrainingConfig.BatchOrder#STREAMS} batches are consecutive windows of B streams and the
 * recurrent state is carried across them. Both cores are used through the BLAS threads and
 * {@code Parallel}; the hot loop allocates no buffers after the first step of each batch size.
 */
public final class LocalTrainer {
  private static final int EVALUATION_BATCH = 500;

  private final ModelSpec spec;
  private final TrainingConfig config;
  private final Network network;
  private final Optimizer optimizer;
  private final int groups;
  private final int classes;
  private long step;

  public LocalTrainer(ModelSpec spec, TrainingConfig config, Blas blas) {
    this.spec = spec;
    this.config = config;
    this.network = new Network(spec, blas);
    this.optimizer = new Optimizer(config.optimizer(), network.parameters());
    this.groups = spec.outputGroups();
    this.classes = spec.outputClasses();
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
    boolean streams = config.order() == TrainingConfig.BatchOrder.STREAMS;
    int n = train.size();
    int batch = Math.min(config.batchSize(), n);
    if (streams && n % batch != 0) {
      throw new IllegalArgumentException("dataset '" + train.name() + "' has " + n + " windows, not a multiple of the "
          + batch + " streams a batch holds");
    }
    int stepsPerEpoch = (n + batch - 1) / batch;
    int[] order = new int[n];
    Buffers full = new Buffers(batch);
    Buffers tail = new Buffers(n - (stepsPerEpoch - 1) * batch);

    List<EpochMetrics> epochs = new ArrayList<>();
    long trainNanos = 0;
    long samples = 0;
    for (int epoch = 0; epoch < config.epochs(); epoch++) {
      if (streams) {
        network.resetRecurrentState();
      }
      Shuffle.fill(config.shuffleSeed(), epoch, order);
      long epochStart = System.nanoTime();
      double lossSum = 0;
      long correct = 0;
      for (int s = 0; s < stepsPerEpoch; s++) {
        int from = s * batch;
        int count = Math.min(batch, n - from);
        Buffers buffers = count == batch ? full : tail;
        train.copyBatch(streams ? null : order, from, count, buffers.inputs, buffers.targets);
        long stepStart = System.nanoTime();
        StepResult result = trainStep(buffers.inputs, buffers.targets, buffers.gradient, epoch);
        if (streams) {
          network.carryRecurrentState();
        }
        trainNanos += System.nanoTime() - stepStart;
        samples += count;
        lossSum += result.lossSum();
        correct += result.correct();
        long predictions = (long) count * groups;
        listener.onStep(new StepMetrics(epoch, config.epochs(), s, stepsPerEpoch, step, result.lossSum() / predictions,
            (double) result.correct() / predictions, samples / (trainNanos / 1e9)));
      }
      double epochSeconds = (System.nanoTime() - epochStart) / 1e9;
      Evaluation evaluation = test == null ? null : evaluate(test);
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

  /** Loss summed over the batch's predictions and the number of correct ones. */
  public record StepResult(double lossSum, long correct) {}

  /**
   * One optimizer step on one global batch: zero gradients, forward, loss, backward, clip, update.
   * If the loss is not finite the update is not applied and {@link TrainingDivergedException} says
   * where it happened.
   */
  public StepResult trainStep(FloatMatrix inputs, FloatMatrix targets, FloatMatrix lossGradient, int epoch) {
    BatchContext context = BatchContext.training(step);
    network.zeroGradients();
    FloatMatrix output = network.forward(inputs, context);
    int predictions = inputs.columns * groups;
    double lossSum = spec.loss().valueAndGradient(perPrediction(output), perPrediction(targets), 1f / predictions,
        perPrediction(lossGradient));
    if (!Double.isFinite(lossSum)) {
      throw new TrainingDivergedException("loss became " + lossSum + " at epoch " + (epoch + 1) + ", step " + step
          + " (model '" + spec.name() + "', " + config.optimizer().describe() + "); the step was not applied — "
          + "lower the learning rate or enable gradient clipping");
    }
    long correct = Loss.countCorrect(perPrediction(output), perPrediction(targets));
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

  /**
   * Mean loss and accuracy per prediction over a dataset, in inference mode (no dropout): in
   * batches of 500, or for streams in order with the state carried, as in training.
   */
  public Evaluation evaluate(Dataset data) {
    checkCompatible(data);
    boolean streams = config.order() == TrainingConfig.BatchOrder.STREAMS;
    int n = data.size();
    int batch = streams ? Math.min(config.batchSize(), n) : EVALUATION_BATCH;
    network.resetRecurrentState();
    double lossSum = 0;
    long correct = 0;
    Buffers buffers = null;
    for (int from = 0; from < n; from += batch) {
      int count = Math.min(batch, n - from);
      if (buffers == null || buffers.inputs.columns != count) {
        if (streams) {
          network.resetRecurrentState();
        }
        buffers = new Buffers(count);
      }
      data.copyBatch(null, from, count, buffers.inputs, buffers.targets);
      FloatMatrix output = network.forward(buffers.inputs, BatchContext.inference());
      lossSum += spec.loss().value(perPrediction(output), perPrediction(buffers.targets));
      correct += Loss.countCorrect(perPrediction(output), perPrediction(buffers.targets));
      if (streams) {
        network.carryRecurrentState();
      }
    }
    network.resetRecurrentState();
    long predictions = (long) n * groups;
    return new Evaluation(lossSum / predictions, (double) correct / predictions, n);
  }

  /** A (K·T × B) per-step matrix seen as (K × T·B): one column per prediction, sharing the data. */
  private FloatMatrix perPrediction(FloatMatrix matrix) {
    return groups == 1 ? matrix : new FloatMatrix(classes, matrix.columns * groups, matrix.data);
  }

  private void checkCompatible(Dataset data) {
    if (data.sampleShape().size() != spec.inputShape().size()) {
      throw new IllegalArgumentException("dataset '" + data.name() + "' has samples of " + data.sampleShape()
          + " but model '" + spec.name() + "' takes " + spec.inputShape());
    }
    if (data.classes() != classes || data.labelsPerSample() != groups) {
      throw new IllegalArgumentException("dataset '" + data.name() + "' has " + data.labelsPerSample() + " label(s) of "
          + data.classes() + " classes per sample but model '" + spec.name() + "' predicts " + groups + " of "
          + classes);
    }
  }

  /** Inputs, one-hot targets and the loss gradient for one batch size. */
  private final class Buffers {
    final FloatMatrix inputs;
    final FloatMatrix targets;
    final FloatMatrix gradient;

    Buffers(int count) {
      inputs = new FloatMatrix(spec.inputShape().size(), count);
      targets = new FloatMatrix(classes * groups, count);
      gradient = new FloatMatrix(classes * groups, count);
    }
  }
}
