package org.partita.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.partita.spark.ReferenceRuns.SAMPLES;
import static org.partita.spark.ReferenceRuns.TOLERANCE;
import static org.partita.spark.ReferenceRuns.assertFitMatchesReference;
import static org.partita.spark.ReferenceRuns.blobs;
import static org.partita.spark.ReferenceRuns.classifier;
import static org.partita.spark.ReferenceRuns.frame;
import static org.partita.spark.ReferenceRuns.maxRelativeDifference;
import static org.partita.spark.ReferenceRuns.reference;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.data.ArrayDataset;
import org.partita.models.onnx.ExportOptions;
import org.partita.models.onnx.OnnxExport;
import org.partita.models.train.LocalTrainer;

/**
 * The bridge on real Spark (local[2], up to 4 attempts per task): training in a barrier stage
 * equals the reference trainer on the same global batches, data- and model-parallel; a failed
 * stage is retried from the newest checkpoint; the Estimator works in a Pipeline and round-trips
 * through save/load and exports as ONNX; bad columns and too few slots are refused with the reason.
 */
class SparkTrainingTest {
  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = SparkSession.builder().master("local[2,4]").appName("partita-spark-bridge-test")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", "2")
        .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void dataParallelOverTwoTasksEqualsTheReference() {
    assertFitMatchesReference(spark, classifier(), "replicas=2", 2);
  }

  @Test
  void modelParallelOverTwoTasksEqualsTheReference() {
    assertFitMatchesReference(spark, classifier(), "slices=2", 1);
  }

  @Test
  void aFailedStageIsRetriedFromTheNewestCheckpoint(@TempDir Path checkpoints) {
    PartitaClassifier classifier = classifier().setPlan("replicas=2").setCheckpointDir(checkpoints.toString())
        .setCheckpointInterval(5);
    ArrayDataset data = blobs(classifier.modelSpec());
    LocalTrainer reference = reference(classifier, data, 2);
    spark.sparkContext().setLocalProperty("spark.partita.failAtStep", "12");
    PartitaClassificationModel trained;
    try {
      trained = classifier.fit(frame(spark, data));
    } finally {
      spark.sparkContext().setLocalProperty("spark.partita.failAtStep", null);
    }
    assertEquals(10, trained.outcome().getResumedFromStep(), "the retry resumes from the checkpoint of step 10");
    double worst = maxRelativeDifference(reference.network().parameters(), trained.network().parameters());
    assertTrue(worst < TOLERANCE, "resumed run: max relative difference " + worst);
    assertTrue(Files.isDirectory(checkpoints.resolve("step-000000020")), "a final checkpoint");
  }

  @Test
  void worksInAPipelineAndRoundTripsThroughSaveAndLoad(@TempDir Path directory) throws java.io.IOException {
    ArrayDataset data = blobs(classifier().modelSpec());
    Dataset<Row> frame = frame(spark, data).withColumnRenamed("features", "pixels");
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
        new VectorAssembler().setInputCols(new String[] {"pixels"}).setOutputCol("assembled"),
        new StandardScaler().setInputCol("assembled").setOutputCol("features"),
        classifier().setPlan("replicas=2").setEpochs(3)});
    PipelineModel fitted = pipeline.fit(frame);
    Dataset<Row> scored = fitted.transform(frame);
    assertTrue(List.of(scored.columns()).containsAll(List.of("rawPrediction", "probability", "prediction")));
    double accuracy = scored.filter("prediction = label").count() / (double) SAMPLES;
    assertTrue(accuracy > 0.9, "separable blobs are learned: accuracy " + accuracy);

    String saved = directory.resolve("pipeline-model").toString();
    fitted.save(saved);
    PipelineModel loaded = PipelineModel.load(saved);
    List<Row> before = scored.select("prediction", "probability").collectAsList();
    List<Row> after = loaded.transform(frame).select("prediction", "probability").collectAsList();
    assertEquals(before, after, "the loaded pipeline scores every row the same");

    // The ONNX file holds the trained network as OnnxExport writes it (whose outputs ONNX Runtime
    // checks in models); a second export to the same path is refused.
    PartitaClassificationModel model = (PartitaClassificationModel) fitted.stages()[2];
    Path onnx = directory.resolve("model.onnx");
    model.exportOnnx(onnx.toString());
    assertArrayEquals(OnnxExport.model(model.network(), ExportOptions.NONE).toByteArray(), Files.readAllBytes(onnx));
    IllegalArgumentException exists = assertThrows(IllegalArgumentException.class,
        () -> model.exportOnnx(onnx.toString()));
    assertTrue(exists.getMessage().contains("model.onnx already exists"), exists.getMessage());

    String estimatorPath = directory.resolve("pipeline").toString();
    pipeline.save(estimatorPath);
    PartitaClassifier reloaded = (PartitaClassifier) Pipeline.load(estimatorPath).getStages()[2];
    assertEquals(3, (Integer) reloaded.getOrDefault(reloaded.epochs()));
    assertEquals("replicas=2", reloaded.getOrDefault(reloaded.plan()));
  }

  @Test
  void badColumnsAreRefusedWithTheColumnNamed() {
    StructType schema = new StructType().add("features", new VectorUDT()).add("label", DataTypes.DoubleType);
    Dataset<Row> narrow = spark.createDataFrame(List.of(RowFactory.create(Vectors.dense(new double[10]), 1.0)), schema);
    IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> classifier().fit(narrow));
    assertTrue(size.getMessage().contains("features column 'features' holds a vector of 10 values")
        && size.getMessage().contains("takes 784"), size.getMessage());

    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> classifier().fit(narrow.drop("label")));
    assertTrue(missing.getMessage().contains("label column 'label' is not in the DataFrame"), missing.getMessage());

    double[] withNan = new double[784];
    withNan[7] = Double.NaN;
    Dataset<Row> nan = spark.createDataFrame(List.of(RowFactory.create(Vectors.dense(withNan), 1.0)), schema);
    IllegalArgumentException notFinite = assertThrows(IllegalArgumentException.class, () -> classifier().fit(nan));
    assertTrue(notFinite.getMessage().contains("features column 'features' holds NaN at index 7"),
        notFinite.getMessage());

    Dataset<Row> nullLabel = spark.createDataFrame(List.of(RowFactory.create(Vectors.dense(new double[784]), null)),
        schema);
    IllegalArgumentException noLabel = assertThrows(IllegalArgumentException.class,
        () -> classifier().fit(nullLabel));
    assertTrue(noLabel.getMessage().contains("label column 'label' is missing (null)"), noLabel.getMessage());
  }

  @Test
  void aPlanNeedingMoreTaskSlotsThanTheApplicationHasFailsAtOnce() {
    ArrayDataset data = blobs(classifier().modelSpec());
    long start = System.nanoTime();
    IllegalArgumentException slots = assertThrows(IllegalArgumentException.class,
        () -> classifier().setPlan("replicas=3").fit(frame(spark, data)));
    assertTrue(slots.getMessage().contains("needs 3 tasks running at once") && slots.getMessage().contains("has 2"),
        slots.getMessage());
    assertTrue(System.nanoTime() - start < 30e9, "refused before any training job");
  }
}
