package org.partita.spark;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.jblas.FloatMatrix;
import org.partita.models.blas.Blas;
import org.partita.models.io.ShardStates;
import org.partita.models.io.SpecProtos;
import org.partita.models.layers.BatchContext;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.Network;
import org.partita.models.onnx.ExportOptions;
import org.partita.models.onnx.OnnxExport;
import org.partita.models.optim.Optimizer;
import org.partita.proto.TrainingOutcomeProto;

/**
 * A model trained by {@link PartitaClassifier}. {@link #transform} adds the raw prediction (the
 * logits), the class probabilities (softmax) and the predicted class index, scoring every
 * partition in parallel, lazily, in batches of {@value #SCORING_BATCH} rows; the trained weights reach the
 * executors once, as a broadcast. Saved and loaded like any Spark ML model, inside pipelines too.
 */
public final class PartitaClassificationModel extends Model<PartitaClassificationModel> implements MLWritable {
  private static final int SCORING_BATCH = 256;

  private final String uid;
  private final byte[] outcome;
  private transient TrainingOutcomeProto parsed;

  public final Param<String> featuresCol;
  public final Param<String> predictionCol;
  public final Param<String> probabilityCol;
  public final Param<String> rawPredictionCol;

  PartitaClassificationModel(String uid, byte[] outcome) {
    this.uid = uid;
    // Params name their parent by uid, so they are made once the uid is set.
    this.featuresCol = new Param<>(this, "featuresCol", "features column (a vector)");
    this.predictionCol = new Param<>(this, "predictionCol", "predicted class index column");
    this.probabilityCol = new Param<>(this, "probabilityCol", "class probabilities column");
    this.rawPredictionCol = new Param<>(this, "rawPredictionCol", "logits column");
    this.outcome = outcome.clone();
    setDefault(featuresCol, "features");
    setDefault(predictionCol, "prediction");
    setDefault(probabilityCol, "probability");
    setDefault(rawPredictionCol, "rawPrediction");
  }

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> featuresCol() {
    return featuresCol;
  }

  public Param<String> predictionCol() {
    return predictionCol;
  }

  public Param<String> probabilityCol() {
    return probabilityCol;
  }

  public Param<String> rawPredictionCol() {
    return rawPredictionCol;
  }

  public PartitaClassificationModel setFeaturesCol(String value) {
    return (PartitaClassificationModel) set(featuresCol, value);
  }

  public PartitaClassificationModel setPredictionCol(String value) {
    return (PartitaClassificationModel) set(predictionCol, value);
  }

  public PartitaClassificationModel setProbabilityCol(String value) {
    return (PartitaClassificationModel) set(probabilityCol, value);
  }

  public PartitaClassificationModel setRawPredictionCol(String value) {
    return (PartitaClassificationModel) set(rawPredictionCol, value);
  }

  /** The training run's record: model, plan, per-epoch metrics, whether it resumed. */
  public TrainingOutcomeProto outcome() {
    if (parsed == null) {
      try {
        parsed = TrainingOutcomeProto.parseFrom(outcome);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalStateException("model " + uid + " holds an unreadable training outcome", e);
      }
    }
    return parsed;
  }

  public ModelSpec spec() {
    return SpecProtos.fromProto(outcome().getModel(), "model " + uid);
  }

  /** The trained network, in this JVM (for local use or tests). */
  public Network network() {
    return network(outcome(), "model " + uid);
  }

  static Network network(TrainingOutcomeProto outcome, String source) {
    ModelSpec spec = SpecProtos.fromProto(outcome.getModel(), source);
    Network network = new Network(spec, Blas.get());
    Optimizer optimizer = new Optimizer(SpecProtos.fromProto(outcome.getOptimizer(), source), network.parameters());
    ShardStates.restore(outcome.getState(), optimizer, source);
    return network;
  }

  /**
   * Writes the trained network as an ONNX model (opset 17; docs/EXPORT.md) to {@code path}, on
   * any file system Hadoop reaches (a local path, hdfs://, s3a://), through the active Spark
   * session's configuration when there is one. The file takes the features column's vectors as
   * they are, [N, D] for a dense first layer, and outputs "logits" (this model's rawPrediction) and
   * "probabilities" (its probability). An existing file is refused, as Spark's save refuses one.
   */
  public void exportOnnx(String path) {
    byte[] bytes = OnnxExport.model(network(), ExportOptions.NONE).toByteArray();
    Configuration hadoop = SparkSession.getActiveSession().isDefined()
        ? SparkSession.getActiveSession().get().sparkContext().hadoopConfiguration() : new Configuration();
    StageFiles.writeNewFile(path, bytes, hadoop);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    RowDecoder.checkColumn(schema, getOrDefault(featuresCol), "features", type -> type instanceof VectorUDT,
        "a vector (e.g. from VectorAssembler)");
    return transformSchemaUnchecked(schema);
  }

  /** The schema with the three output columns added (the estimator's schema check comes first). */
  StructType transformSchemaUnchecked(StructType schema) {
    StructType out = schema;
    for (String column : List.of(getOrDefault(rawPredictionCol), getOrDefault(probabilityCol),
        getOrDefault(predictionCol))) {
      if (Arrays.asList(schema.fieldNames()).contains(column)) {
        throw new IllegalArgumentException("output column '" + column + "' is already in the DataFrame; set another"
            + " name or drop it");
      }
    }
    Metadata none = Metadata.empty();
    out = out.add(new StructField(getOrDefault(rawPredictionCol), new VectorUDT(), false, none));
    out = out.add(new StructField(getOrDefault(probabilityCol), new VectorUDT(), false, none));
    return out.add(new StructField(getOrDefault(predictionCol), DataTypes.DoubleType, false, none));
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    int featuresIndex = dataset.schema().fieldIndex(getOrDefault(featuresCol));
    Broadcast<byte[]> weights = new JavaSparkContext(dataset.sparkSession().sparkContext()).broadcast(outcome);
    ModelSpec spec = spec();
    return dataset.toDF().mapPartitions(new Scorer(weights, featuresIndex, getOrDefault(featuresCol),
        spec.inputShape().size(), spec.name(), spec.inputShape().toString()), Encoders.row(out));
  }

  /** Scores one partition: rows in batches through the network, three columns appended. */
  private static final class Scorer implements MapPartitionsFunction<Row, Row> {
    private final Broadcast<byte[]> weights;
    private final int featuresIndex;
    private final String featuresColumn;
    private final int width;
    private final String modelName;
    private final String shape;

    Scorer(Broadcast<byte[]> weights, int featuresIndex, String featuresColumn, int width, String modelName,
        String shape) {
      this.weights = weights;
      this.featuresIndex = featuresIndex;
      this.featuresColumn = featuresColumn;
      this.width = width;
      this.modelName = modelName;
      this.shape = shape;
    }

    /** Scores lazily, one batch at a time, so a partition never sits in memory whole. */
    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws Exception {
      Network network = network(TrainingOutcomeProto.parseFrom(weights.value()), "broadcast model " + modelName);
      return new Iterator<>() {
        private final List<Row> batch = new ArrayList<>(SCORING_BATCH);
        private final List<Row> scored = new ArrayList<>(SCORING_BATCH);
        private int next;
        private int index;

        @Override
        public boolean hasNext() {
          if (next < scored.size()) {
            return true;
          }
          scored.clear();
          next = 0;
          batch.clear();
          while (rows.hasNext() && batch.size() < SCORING_BATCH) {
            batch.add(rows.next());
          }
          if (batch.isEmpty()) {
            return false;
          }
          score(network, batch, index, scored);
          index += batch.size();
          return true;
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new java.util.NoSuchElementException();
          }
          return scored.get(next++);
        }
      };
    }

    private void score(Network network, List<Row> batch, int firstIndex, List<Row> scored) {
      FloatMatrix inputs = new FloatMatrix(width, batch.size());
      for (int b = 0; b < batch.size(); b++) {
        Row row = batch.get(b);
        if (row.isNullAt(featuresIndex)) {
          throw new IllegalArgumentException("features column '" + featuresColumn + "' is missing (null) in row "
              + (firstIndex + b) + " of its partition");
        }
        Vector vector = (Vector) row.get(featuresIndex);
        if (vector.size() != width) {
          throw new IllegalArgumentException("features column '" + featuresColumn + "' holds a vector of "
              + vector.size() + " values in row " + (firstIndex + b) + " of its partition, but model '" + modelName
              + "' takes " + width + " (" + shape + ")");
        }
        for (int j = 0; j < width; j++) {
          inputs.data[b * width + j] = (float) vector.apply(j);
        }
      }
      FloatMatrix logits = network.forward(inputs, BatchContext.inference());
      int classes = logits.rows;
      for (int b = 0; b < batch.size(); b++) {
        double[] raw = new double[classes];
        for (int c = 0; c < classes; c++) {
          raw[c] = logits.data[b * classes + c];
        }
        double[] probability = Loss.softmax(logits, b);
        int best = Loss.argmax(logits.data, b * classes, classes);
        Row row = batch.get(b);
        Object[] values = new Object[row.length() + 3];
        for (int i = 0; i < row.length(); i++) {
          values[i] = row.get(i);
        }
        values[row.length()] = Vectors.dense(raw);
        values[row.length() + 1] = Vectors.dense(probability);
        values[row.length() + 2] = (double) best;
        scored.add(RowFactory.create(values));
      }
    }
  }

  @Override
  public PartitaClassificationModel copy(ParamMap extra) {
    PartitaClassificationModel copy = copyValues(new PartitaClassificationModel(uid, outcome), extra);
    return copy.setParent(parent());
  }

  @Override
  public MLWriter write() {
    PartitaClassificationModel model = this;
    return new MLWriter() {
      @Override
      public void saveImpl(String path) {
        StageFiles.saveMetadata(model, path, sparkSession());
        StageFiles.writeBytes(path, StageFiles.MODEL_FILE, outcome, sparkSession());
      }
    };
  }

  public static MLReader<PartitaClassificationModel> read() {
    return new MLReader<>() {
      @Override
      public PartitaClassificationModel load(String path) {
        JsonNode metadata = StageFiles.readMetadata(path, sparkSession(), PartitaClassificationModel.class);
        byte[] bytes = StageFiles.readBytes(path, StageFiles.MODEL_FILE, sparkSession());
        try {
          TrainingOutcomeProto.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          throw new IllegalArgumentException(path + "/" + StageFiles.MODEL_FILE + ": not a trained Partita model: "
              + e.getMessage(), e);
        }
        PartitaClassificationModel model = new PartitaClassificationModel(metadata.path("uid").asText(), bytes);
        for (Map.Entry<Param<Object>, Object> saved : StageFiles.savedParams(model, metadata, path).entrySet()) {
          model.set(saved.getKey(), saved.getValue());
        }
        return model;
      }
    };
  }

  public static PartitaClassificationModel load(String path) {
    return read().load(path);
  }
}
