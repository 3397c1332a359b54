package org.partita.runtime;

import java.util.ArrayList;
import java.util.List;
import org.partita.models.blas.Blas;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.SyntheticData;
import org.partita.models.layers.Parameter;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.LearningRateSchedule;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.optim.UpdateRule;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.models.train.TrainingReport;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PipelineSchedule;

/**
 * The comparison every distributed mode must pass: the same model, seeds and global batches
 * through the reference trainer and through a plan; every parameter within 1e-4 of the
 * reference relative to the tensor's largest value.
 */
public final class ExactnessCheck {
  public static final double TOLERANCE = 1e-4;
  /** 290 samples in batches of 30: nine full steps and a short tenth, so tails are covered. */
  public static final int SAMPLES = 290;
  public static final int BATCH = 30;

  /** Momentum SGD with clipping on: exercises optimizer state and the global-norm round trip. */
  public static TrainingConfig config() {
    OptimizerSpec optimizer = new OptimizerSpec(new UpdateRule.Momentum(0.9f, false), 0.05f,
        new LearningRateSchedule.Constant(), 1e-4f, 5f);
    return new TrainingConfig(1, BATCH, 11, optimizer);
  }

  /** Blobs, or token sequences for a model that begins with an embedding. */
  public static ArrayDataset data(ModelSpec model) {
    if (model.layers().get(0) instanceof org.partita.models.layers.EmbeddingSpec embedding) {
      return SyntheticData.tokens("tokens", embedding.timeSteps(), embedding.vocabulary(), 10, SAMPLES, 0.6f, 5);
    }
    return SyntheticData.blobs("blobs", model.inputShape(), 10, SAMPLES, 0.8f, 5);
  }

  /** Plans of the exactness matrix for a model: cut = the layer where the second stage begins. */
  public static List<PartitionPlan> plans(ModelSpec model, int cut, int microBatches, List<String> nodes) {
    return plans(model, cut, microBatches, nodes, BATCH);
  }

  /** {@link #plans} for global batches of {@code batch} samples. */
  public static List<PartitionPlan> plans(ModelSpec model, int cut, int microBatches, List<String> nodes, int batch) {
    int layers = model.layers().size();
    List<PartitionPlan> plans = new ArrayList<>();
    plans.add(plan(model, 1, new int[] {0, layers}, new int[] {1}, microBatches, nodes, batch));
    plans.add(plan(model, 1, new int[] {0, layers}, new int[] {2}, microBatches, nodes, batch));
    plans.add(plan(model, 1, new int[] {0, layers}, new int[] {3}, microBatches, nodes, batch));
    plans.add(plan(model, 1, new int[] {0, cut, layers}, new int[] {1, 1}, microBatches, nodes, batch));
    plans.add(plan(model, 1, new int[] {0, cut, layers}, new int[] {2, 2}, microBatches, nodes, batch));
    // Data parallelism and the hybrids: ring all-reduce among 2 and 3 replicas.
    plans.add(plan(model, 2, new int[] {0, layers}, new int[] {1}, microBatches, nodes, batch));
    plans.add(plan(model, 3, new int[] {0, layers}, new int[] {1}, microBatches, nodes, batch));
    plans.add(plan(model, 2, new int[] {0, layers}, new int[] {2}, microBatches, nodes, batch));
    plans.add(plan(model, 2, new int[] {0, cut, layers}, new int[] {1, 1}, microBatches, nodes, batch));
    return plans;
  }

  /**
   * Recurrent models for the matrix: the LSTM over image rows (LSTM(128) over 28 steps, dense head),
   * a small stack in which a SimpleRNN returns its whole sequence into an LSTM, so sequence outputs
   * cross slices and stages too, a tiny GRU stack (a sequence-returning GRU first, so its input
   * gradient is not needed, into a GRU whose input gradient is), and token ids through an embedding
   * into a GRU and an LSTM. The second stage begins at layer 1.
   */
  public static List<ModelSpec> recurrentModels() {
    ModelSpec stack = new ModelSpec("rnn-lstm-stack", new org.partita.models.layers.Shape(6, 8, 1), List.of(
        new org.partita.models.layers.SimpleRnnSpec(8, 12, 6, true),
        new org.partita.models.layers.LstmSpec(12, 10, 6, false),
        new org.partita.models.layers.DenseSpec(10, 10, org.partita.models.layers.Activation.IDENTITY)),
        org.partita.models.loss.Loss.SOFTMAX_CROSS_ENTROPY, 3);
    ModelSpec gru = new ModelSpec("gru-stack", new org.partita.models.layers.Shape(3, 4, 1), List.of(
        new org.partita.models.layers.GruSpec(4, 6, 3, true),
        new org.partita.models.layers.GruSpec(6, 5, 3, false),
        new org.partita.models.layers.DenseSpec(5, 10, org.partita.models.layers.Activation.IDENTITY)),
        org.partita.models.loss.Loss.SOFTMAX_CROSS_ENTROPY, 3);
    ModelSpec tokens = new ModelSpec("embedding-gru-lstm", org.partita.models.layers.Shape.vector(3), List.of(
        new org.partita.models.layers.EmbeddingSpec(11, 4, 3),
        new org.partita.models.layers.GruSpec(4, 6, 3, true),
        new org.partita.models.layers.LstmSpec(6, 5, 3, false),
        new org.partita.models.layers.DenseSpec(5, 10, org.partita.models.layers.Activation.IDENTITY)),
        org.partita.models.loss.Loss.SOFTMAX_CROSS_ENTROPY, 3);
    return List.of(org.partita.models.network.StandardModels.lstm(3), stack, gru, tokens);
  }

  /**
   * A small CNN that pools by averages: conv 4 3×3 → average pool 2×2 → conv 6 3×3 → global
   * average pool → dense 10, over 1×8×8 images. With a cut at layer 2 the pooled maps cross stages.
   */
  public static ModelSpec averagePoolingCnn() {
    org.partita.models.layers.Shape image = new org.partita.models.layers.Shape(1, 8, 8);
    var conv1 = new org.partita.models.layers.Conv2DSpec(image, 4, org.partita.models.layers.Window.square(3, 1, 1),
        org.partita.models.layers.Activation.RELU);
    var pool = new org.partita.models.layers.AvgPool2DSpec(conv1.outputShape(),
        org.partita.models.layers.Window.square(2, 2, 0));
    var conv2 = new org.partita.models.layers.Conv2DSpec(pool.outputShape(), 6,
        org.partita.models.layers.Window.square(3, 1, 1), org.partita.models.layers.Activation.TANH);
    var global = org.partita.models.layers.AvgPool2DSpec.global(conv2.outputShape());
    return new ModelSpec("avgpool-cnn", image, List.of(conv1, pool, conv2, global,
        new org.partita.models.layers.DenseSpec(6, 10, org.partita.models.layers.Activation.IDENTITY)),
        org.partita.models.loss.Loss.SOFTMAX_CROSS_ENTROPY, 3);
  }

  public static PartitionPlan plan(ModelSpec model, int[] cuts, int[] slices, int microBatches, List<String> nodes) {
    return plan(model, 1, cuts, slices, microBatches, nodes);
  }

  public static PartitionPlan plan(ModelSpec model, int replicas, int[] cuts, int[] slices, int microBatches,
      List<String> nodes) {
    return plan(model, replicas, cuts, slices, microBatches, nodes, BATCH);
  }

  /** {@link #plan} for global batches of {@code batch} samples. */
  public static PartitionPlan plan(ModelSpec model, int replicas, int[] cuts, int[] slices, int microBatches,
      List<String> nodes, int batch) {
    int shards = replicas * java.util.Arrays.stream(slices).sum();
    List<String> placement = new ArrayList<>();
    for (int i = 0; i < shards; i++) {
      placement.add(nodes.get(i % nodes.size()));
    }
    PipelineSchedule schedule = microBatches > 1 && slices.length > 1 ? PipelineSchedule.ONE_F_ONE_B
        : PipelineSchedule.GPIPE;
    return PartitionPlan.balanced(model, replicas, cuts, slices, microBatches, schedule, batch, placement);
  }

  public static LocalTrainer reference(ModelSpec model) {
    LocalTrainer trainer = new LocalTrainer(model, config(), Blas.get());
    trainer.fit(data(model), null, TrainingListener.NONE);
    return trainer;
  }

  public record Outcome(double maxAbsolute, double maxRelative, TrainingReport report) {}

  /** Trains with {@code trainer} and compares with the reference; returns the largest differences. */
  public static Outcome compare(LocalTrainer reference, DistributedTrainer trainer) {
    TrainingReport report = trainer.fit(data(trainer.spec()), null, TrainingListener.NONE);
    TrainedModel trained = trainer.collect();
    double[] worst = differences(reference.network().parameters(), trained.network().parameters());
    double maxAbsolute = worst[0];
    double maxRelative = worst[1];
    if (trained.step() != reference.step()) {
      throw new AssertionError("distributed run took " + trained.step() + " steps, reference " + reference.step());
    }
    return new Outcome(maxAbsolute, maxRelative, report);
  }

  /**
   * {largest absolute difference, largest difference relative to its tensor's largest value} over
   * every parameter tensor.
   */
  public static double[] differences(List<Parameter> expected, List<Parameter> actual) {
    if (expected.size() != actual.size()) {
      throw new AssertionError(actual.size() + " parameter tensors, expected " + expected.size());
    }
    double maxAbsolute = 0;
    double maxRelative = 0;
    for (int p = 0; p < expected.size(); p++) {
      float[] e = expected.get(p).value().data;
      float[] a = actual.get(p).value().data;
      double scale = 0;
      double worst = 0;
      for (int k = 0; k < e.length; k++) {
        scale = Math.max(scale, Math.abs(e[k]));
        worst = Math.max(worst, Math.abs(e[k] - a[k]));
      }
      maxAbsolute = Math.max(maxAbsolute, worst);
      maxRelative = Math.max(maxRelative, worst / Math.max(scale, 1e-12));
    }
    return new double[] {maxAbsolute, maxRelative};
  }

  public static String describe(PartitionPlan plan, Outcome outcome) {
    return String.format(java.util.Locale.ROOT, "%-60s max |Δ| %.3e, max relative %.3e", plan.describe(),
        outcome.maxAbsolute(), outcome.maxRelative());
  }

  private ExactnessCheck() {}

}
