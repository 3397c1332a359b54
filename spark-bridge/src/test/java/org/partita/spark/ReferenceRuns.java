package org.partita.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jblas.FloatMatrix;
import org.partita.models.blas.Blas;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.SyntheticData;
import org.partita.models.layers.Parameter;
import org.partita.models.network.ModelSpec;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.PartitionedBatches;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.models.train.TrainingLoop;
import org.partita.proto.TrainingOutcomeProto;

/**
 * How a fit in Spark is held against the single-process reference trainer — shared by
 * spark-bridge's tests on local masters and it-tests' on a standalone cluster (this module's test
 * jar). A fit matches when it took the reference's optimizer steps and every parameter tensor is
 * within {@value #TOLERANCE} of it, relative to the tensor's largest value: the distributed sums
 * differ from the reference's only in float rounding.
 */
public final class ReferenceRuns {
  public static final double TOLERANCE = 1e-5;
  public static final int SAMPLES = 290;

  private ReferenceRuns() {}

  /** What one fit measured against the reference. */
  public record Comparison(String plan, long steps, double maxRelativeDifference, double fitSeconds) {}

  /** The estimator of the exactness runs: the small MLP, 2 epochs of global batches of 30, momentum. */
  public static PartitaClassifier classifier() {
    return new PartitaClassifier().setModel("mlp").setEpochs(2).setBatchSize(30).setOptimizer("momentum")
        .setLearningRate(0.05).setSeed(3).setStepTimeoutSeconds(60);
  }

  /** {@value #SAMPLES} separable samples of the model's input shape, 10 classes, a fixed seed. */
  public static ArrayDataset blobs(ModelSpec model) {
    return SyntheticData.blobs("blobs", model.inputShape(), 10, SAMPLES, 0.8f, 5);
  }

  /**
   * The samples as a DataFrame of "features" and "label" in their order, in one partition made
   * without a shuffle: the bridge numbers rows in DataFrame order, and a shuffle's reducer reads
   * map outputs from several executors in the order they arrive.
   */
  public static Dataset<Row> frame(SparkSession spark, ArrayDataset data) {
    int width = data.sampleShape().size();
    FloatMatrix x = new FloatMatrix(width, 1);
    FloatMatrix y = new FloatMatrix(data.classes(), 1);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < data.size(); i++) {
      data.copyBatch(null, i, 1, x, y);
      double[] features = new double[width];
      for (int j = 0; j < width; j++) {
        features[j] = x.data[j];
      }
      rows.add(RowFactory.create(Vectors.dense(features), (double) y.argmax()));
    }
    StructType schema = new StructType().add("features", new VectorUDT()).add("label", DataTypes.DoubleType);
    return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 1), schema);
  }

  /** The reference trainer on the global batches the bridge forms for this many replicas. */
  public static LocalTrainer reference(PartitaClassifier classifier, ArrayDataset data, int replicas) {
    ModelSpec model = classifier.modelSpec();
    TrainingConfig config = classifier.trainingConfig();
    PartitionedBatches batches = new PartitionedBatches(data.size(), config.batchSize(), replicas,
        config.shuffleSeed());
    LocalTrainer trainer = new LocalTrainer(model, config, Blas.get());
    TrainingLoop.fit(trainer, config, batches.feed(new ArrayList<>(data.splitFor(batches)), trainer), null,
        TrainingListener.NONE, null, null);
    return trainer;
  }

  /** The largest, over tensors, of the tensor's largest absolute difference over its largest absolute value. */
  public static double maxRelativeDifference(List<Parameter> expected, List<Parameter> actual) {
    double worst = 0;
    for (int p = 0; p < expected.size(); p++) {
      float[] e = expected.get(p).value().data;
      float[] a = actual.get(p).value().data;
      double scale = 1e-12;
      double diff = 0;
      for (int k = 0; k < e.length; k++) {
        scale = Math.max(scale, Math.abs(e[k]));
        diff = Math.max(diff, Math.abs(e[k] - a[k]));
      }
      worst = Math.max(worst, diff / scale);
    }
    return worst;
  }

  /**
   * Fits {@code classifier} with {@code plan} on {@link #blobs} in {@code spark} and asserts that
   * the result matches the reference trainer run for {@code replicas} replicas.
   */
  public static Comparison assertFitMatchesReference(SparkSession spark, PartitaClassifier classifier, String plan,
      int replicas) {
    ArrayDataset data = blobs(classifier.modelSpec());
    LocalTrainer reference = reference(classifier, data, replicas);
    long start = System.nanoTime();
    PartitaClassificationModel trained = classifier.setPlan(plan).fit(frame(spark, data));
    double fitSeconds = (System.nanoTime() - start) / 1e9;
    TrainingOutcomeProto outcome = trained.outcome();
    assertEquals(reference.step(), outcome.getState().getStep(), "optimizer steps");
    double worst = maxRelativeDifference(reference.network().parameters(), trained.network().parameters());
    System.out.printf("spark %s (%s) on %s: max relative difference %.3e, %d epochs, %d steps, fit %.1f s%n", plan,
        outcome.getPlan(), spark.sparkContext().master(), worst, outcome.getEpochsCount(), reference.step(),
        fitSeconds);
    assertTrue(worst < TOLERANCE, plan + ": max relative difference " + worst);
    return new Comparison(outcome.getPlan(), reference.step(), worst, fitSeconds);
  }
}
