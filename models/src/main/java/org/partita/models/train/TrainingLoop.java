package org.partita.models.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.data.Dataset;
import org.partita.models.data.Shuffle;
import org.partita.models.io.ModelCheckpoint;
import org.partita.models.network.ModelSpec;

/**
 * Epochs of global batches fed to a {@link StepRunner}, with progress and per-epoch evaluation —
 * the one loop shared by the reference trainer and the cluster, so both see exactly the same
 * batches in the same order.
 *
 * <p>Batches: {@code batchSize} samples per optimizer step in the order {@link Shuffle} gives for
 * (shuffle seed, epoch), the last batch holding the remainder; or with
 * {@link TrainingConfig.BatchOrder#STREAMS} consecutive windows of B streams with the recurrent state
 * carried across them; or any other {@link BatchFeed}, such as samples kept on the nodes. A
 * schedule's {@link EarlyStopping} keeps the best epoch's checkpoint and may end training early.
 */
public final class TrainingLoop {
  private TrainingLoop() {}

  public static TrainingReport fit(StepRunner runner, TrainingConfig config, Dataset train, Dataset test,
      TrainingListener listener) {
    return fit(runner, config, train, test, listener, null, null);
  }

  /**
   * {@link #fit}, starting at {@code start} (a checkpoint's position, whose state the runner holds;
   * null = the beginning) and saving checkpoints on {@code schedule} (null = none). A run resumed
   * from a checkpoint sees exactly the batches the uninterrupted run saw after it. Carried
   * recurrent streams are checkpointed and resumed at epoch boundaries only (their state between
   * batches is not saved).
   */
  public static TrainingReport fit(StepRunner runner, TrainingConfig config, Dataset train, Dataset test,
      TrainingListener listener, ModelCheckpoint.Position start, CheckpointSchedule schedule) {
    ModelSpec spec = runner.spec();
    checkCompatible(spec, train);
    boolean streams = config.order() == TrainingConfig.BatchOrder.STREAMS;
    int n = train.size();
    int batch = Math.min(config.batchSize(), n);
    if (streams && n % batch != 0) {
      throw new IllegalArgumentException("dataset '" + train.name() + "' has " + n + " windows, not a multiple of the "
          + batch + " streams a batch holds");
    }
    return fit(runner, config, new DatasetFeed(runner, config, train), test, listener, start, schedule);
  }

  /**
   * The loop over any {@link BatchFeed}: epochs of ⌈N/B⌉ batches, progress, checkpoints on
   * {@code schedule} and per-epoch evaluation on {@code test} (null = none), from {@code start}.
   */
  public static TrainingReport fit(StepRunner runner, TrainingConfig config, BatchFeed feed, Dataset test,
      TrainingListener listener, ModelCheckpoint.Position start, CheckpointSchedule schedule) {
    ModelSpec spec = runner.spec();
    if (test != null) {
      checkCompatible(spec, test);
    }
    boolean streams = config.order() == TrainingConfig.BatchOrder.STREAMS;
    int n = feed.samples();
    int batch = Math.min(config.batchSize(), n);
    int groups = spec.outputGroups();
    int stepsPerEpoch = (n + batch - 1) / batch;

    int firstEpoch = start == null ? 0 : start.epoch();
    int firstBatch = start == null ? 0 : start.batchInEpoch();
    if (start != null) {
      if (start.step() != runner.step()) {
        throw new IllegalArgumentException("resuming at step " + start.step() + " but the trainer holds the state of"
            + " step " + runner.step());
      }
      if (start.seed() != config.shuffleSeed()) {
        throw new IllegalArgumentException("the checkpoint was trained with seed " + start.seed() + ", not "
            + config.shuffleSeed() + "; resume with the same seed to see the same batches");
      }
      if (firstBatch < 0 || firstBatch > stepsPerEpoch || (streams && firstBatch != 0)) {
        throw new IllegalArgumentException("cannot resume at batch " + firstBatch + " of an epoch of " + stepsPerEpoch
            + " batches" + (streams ? " (carried streams resume at epoch boundaries only)" : ""));
      }
    }
    List<EpochMetrics> epochs = new ArrayList<>();
    long trainNanos = 0;
    long samples = 0;
    for (int epoch = firstEpoch; epoch < config.epochs(); epoch++) {
      if (streams) {
        runner.resetRecurrentState();
      }
      long epochStart = System.nanoTime();
      double lossSum = 0;
      long correct = 0;
      long epochPredictions = 0;
      for (int s = epoch == firstEpoch ? firstBatch : 0; s < stepsPerEpoch; s++) {
        int from = s * batch;
        int count = Math.min(batch, n - from);
        long stepStart = System.nanoTime();
        StepRunner.StepResult result = feed.trainStep(epoch, s, from, count);
        if (streams) {
          runner.carryRecurrentState();
        }
        trainNanos += System.nanoTime() - stepStart;
        samples += count;
        lossSum += result.lossSum();
        correct += result.correct();
        long predictions = (long) count * groups;
        epochPredictions += predictions;
        listener.onStep(new StepMetrics(epoch, config.epochs(), s, stepsPerEpoch, runner.step(),
            result.lossSum() / predictions, (double) result.correct() / predictions, samples / (trainNanos / 1e9)));
        boolean lastOfEpoch = s == stepsPerEpoch - 1;
        ModelCheckpoint.Position position = lastOfEpoch
            ? new ModelCheckpoint.Position(runner.step(), epoch + 1, 0, config.shuffleSeed())
            : new ModelCheckpoint.Position(runner.step(), epoch, s + 1, config.shuffleSeed());
        boolean resumable = !streams || lastOfEpoch;
        boolean saved = schedule != null && schedule.due(runner.step()) && resumable;
        if (saved) {
          schedule.save(runner, position);
          listener.onCheckpoint(schedule.directory(runner.step()));
        }
        if (listener.stopRequested()) {
          Path checkpoint = null;
          if (schedule != null && resumable) {
            if (!saved) {
              schedule.save(runner, position);
              listener.onCheckpoint(schedule.directory(runner.step()));
            }
            checkpoint = schedule.directory(runner.step());
          }
          throw new TrainingStoppedException(runner.step(), checkpoint, "stopped as asked after optimizer step "
              + runner.step() + " (epoch " + (epoch + 1) + ", batch " + (s + 1) + " of " + stepsPerEpoch + ")"
              + (checkpoint != null ? "; checkpoint in " + checkpoint
                  : schedule == null ? "; no checkpoint schedule, nothing saved"
                  : "; carried streams save at epoch ends only, nothing saved"));
        }
      }
      if (epochPredictions == 0) {
        continue; // resumed at the very end of this epoch
      }
      double epochSeconds = (System.nanoTime() - epochStart) / 1e9;
      Evaluation evaluation = test == null ? null : runner.evaluate(test);
      // A resumed epoch's train metrics cover the batches trained in this run.
      EpochMetrics metrics = new EpochMetrics(epoch, lossSum / epochPredictions, (double) correct / epochPredictions,
          evaluation, epochSeconds);
      epochs.add(metrics);
      listener.onEpoch(metrics);
      EarlyStopping watch = schedule == null ? null : schedule.earlyStopping();
      if (watch != null && watch.afterEpoch(runner, metrics, new ModelCheckpoint.Position(runner.step(), epoch + 1, 0,
          config.shuffleSeed()))) {
        break;
      }
    }
    if (epochs.isEmpty()) {
      throw new IllegalArgumentException("nothing to train: the checkpoint is at epoch " + firstEpoch + " of "
          + config.epochs() + "; ask for more epochs to go on");
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

  /**
   * Batches copied from a dataset in this process: the permutation of (shuffle seed, epoch), or
   * consecutive windows for carried streams. Buffers are allocated once per batch size.
   */
  private static final class DatasetFeed implements BatchFeed {
    private final StepRunner runner;
    private final TrainingConfig config;
    private final Dataset train;
    private final int[] order;
    private int orderEpoch = -1;
    /** Inputs and targets per batch size: the full batches' and the epoch's last, shorter one. */
    private final java.util.Map<Integer, FloatMatrix[]> buffers = new java.util.HashMap<>();

    DatasetFeed(StepRunner runner, TrainingConfig config, Dataset train) {
      this.runner = runner;
      this.config = config;
      this.train = train;
      this.order = config.order() == TrainingConfig.BatchOrder.STREAMS ? null : new int[train.size()];
    }

    @Override
    public String name() {
      return train.name();
    }

    @Override
    public int samples() {
      return train.size();
    }

    @Override
    public StepRunner.StepResult trainStep(int epoch, int batch, int from, int count) {
      if (order != null && orderEpoch != epoch) {
        Shuffle.fill(config.shuffleSeed(), epoch, order);
        orderEpoch = epoch;
      }
      ModelSpec spec = runner.spec();
      int targetRows = spec.outputClasses() * spec.outputGroups();
      FloatMatrix[] buffer = buffers.computeIfAbsent(count, n -> new FloatMatrix[] {
          new FloatMatrix(spec.inputShape().size(), n), new FloatMatrix(targetRows, n)});
      train.copyBatch(order, from, count, buffer[0], buffer[1]);
      return runner.trainStep(buffer[0], buffer[1], epoch);
    }
  }
}
