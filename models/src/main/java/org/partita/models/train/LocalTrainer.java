package org.partita.models.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jblas.FloatMatrix;
import org.partita.models.blas.Blas;
import org.partita.models.data.Dataset;
import org.partita.models.io.ModelCheckpoint;
import org.partita.models.io.ShardStates;
import org.partita.models.layers.BatchContext;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.Network;
import org.partita.models.optim.GradientClipping;
import org.partita.models.optim.Optimizer;
import org.partita.proto.ShardStateProto;

/**
 * The single-process reference trainer: every distributed mode must reproduce its sequence of
 * weights. Deterministic — the data order is a function of (shuffle seed, epoch), initial weights
 * and dropout of (model seed, coordinates) — so two runs with the same seeds are bit-identical.
 *
 * <p>The loss is averaged over every prediction in the batch — one per sample, or one per time
 * step of a per-step model — so its gradient is the batch mean. Both cores are used through the
 * BLAS threads and {@code Parallel}; the hot loop allocates no buffers after the first step of each
 * batch size.
 */
public final class LocalTrainer implements StepRunner {
  private static final int EVALUATION_BATCH = 500;

  private final ModelSpec spec;
  private final TrainingConfig config;
  private final Network network;
  private final Optimizer optimizer;
  private final Map<Integer, FloatMatrix> lossGradients = new LinkedHashMap<>();
  private long step;
  /** True after an update, which leaves the gradients zero: the next step need not clear them. */
  private boolean gradientsZero;

  public LocalTrainer(ModelSpec spec, TrainingConfig config, Blas blas) {
    this.spec = spec;
    this.config = config;
    this.network = new Network(spec, blas);
    this.optimizer = new Optimizer(config.optimizer(), network.parameters());
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  public Network network() {
    return network;
  }

  public Optimizer optimizer() {
    return optimizer;
  }

  @Override
  public long step() {
    return step;
  }

  public TrainingReport fit(Dataset train, Dataset test, TrainingListener listener) {
    return TrainingLoop.fit(this, config, train, test, listener);
  }

  /** {@link #fit} from {@code start} (null: the beginning), with checkpoints on {@code schedule} (null: none). */
  public TrainingReport fit(Dataset train, Dataset test, TrainingListener listener, ModelCheckpoint.Position start,
      CheckpointSchedule schedule) {
    return TrainingLoop.fit(this, config, train, test, listener, start, schedule);
  }

  @Override
  public void saveCheckpoint(Path directory, ModelCheckpoint.Position position) throws IOException {
    ModelCheckpoint.save(directory, spec, optimizer, config.preparation(), position);
  }

  /**
   * Continues from a saved state: parameters and optimizer state as {@code state} holds them for
   * the whole model (any checkpoint, re-sharded if it was split), as optimizer step {@code step}.
   */
  public void restore(ShardStateProto state, long step, String source) {
    ShardStates.restore(state, optimizer, source);
    this.step = step;
    this.gradientsZero = false;
  }

  /**
   * One optimizer step on one global batch: zero gradients, forward, loss, backward, clip, update.
   * If the loss is not finite the update is not applied and {@link TrainingDivergedException} says
   * where it happened.
   */
  @Override
  public StepResult trainStep(FloatMatrix inputs, FloatMatrix targets, int epoch) {
    BatchContext context = BatchContext.training(step);
    if (!gradientsZero) {
      network.zeroGradients();
    }
    gradientsZero = false;
    FloatMatrix output = network.forward(inputs, context);
    FloatMatrix lossGradient = lossGradients.computeIfAbsent(inputs.columns,
        columns -> new FloatMatrix(targets.rows, columns));
    int predictions = inputs.columns * spec.outputGroups();
    double lossSum = spec.loss().valueAndGradient(spec.perPrediction(output), spec.perPrediction(targets),
        1f / predictions, spec.perPrediction(lossGradient));
    if (!Double.isFinite(lossSum)) {
      throw new TrainingDivergedException("loss became " + lossSum + " at epoch " + (epoch + 1) + ", step " + step
          + " (model '" + spec.name() + "', " + config.optimizer().describe() + "); the step was not applied — "
          + "lower the learning rate or enable gradient clipping");
    }
    long correct = Loss.countCorrect(spec.perPrediction(output), spec.perPrediction(targets));
    network.backward(lossGradient, context);
    float clip = config.optimizer().clipGlobalNorm();
    if (clip > 0f) {
      GradientClipping.scale(network.parameters(),
          GradientClipping.scaleFor(GradientClipping.sumOfSquares(network.parameters()), clip));
    }
    optimizer.stepAndZeroGradients(step);
    gradientsZero = true;
    step++;
    return new StepResult(lossSum, correct);
  }

  /**
   * Mean loss and accuracy per prediction over a dataset, in inference mode (no dropout): in
   * batches of 500, or for streams in order with the state carried, as in training.
   */
  @Override
  public Evaluation evaluate(Dataset data) {
    TrainingLoop.checkCompatible(spec, data);
    boolean streams = config.order() == TrainingConfig.BatchOrder.STREAMS;
    int n = data.size();
    int batch = streams ? Math.min(config.batchSize(), n) : EVALUATION_BATCH;
    int classes = spec.outputClasses() * spec.outputGroups();
    network.resetRecurrentState();
    double lossSum = 0;
    long correct = 0;
    FloatMatrix inputs = null;
    FloatMatrix targets = null;
    for (int from = 0; from < n; from += batch) {
      int count = Math.min(batch, n - from);
      if (inputs == null || inputs.columns != count) {
        if (streams) {
          network.resetRecurrentState();
        }
        inputs = new FloatMatrix(spec.inputShape().size(), count);
        targets = new FloatMatrix(classes, count);
      }
      data.copyBatch(null, from, count, inputs, targets);
      FloatMatrix output = network.forward(inputs, BatchContext.inference());
      lossSum += spec.loss().value(spec.perPrediction(output), spec.perPrediction(targets));
      correct += Loss.countCorrect(spec.perPrediction(output), spec.perPrediction(targets));
      if (streams) {
        network.carryRecurrentState();
      }
    }
    network.resetRecurrentState();
    long predictions = (long) n * spec.outputGroups();
    return new Evaluation(lossSum / predictions, (double) correct / predictions, n);
  }

  @Override
  public void resetRecurrentState() {
    network.resetRecurrentState();
  }

  @Override
  public void carryRecurrentState() {
    network.carryRecurrentState();
  }
}
