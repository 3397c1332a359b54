package org.partita.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.partita.models.network.ModelSpec;

/**
 * Reads a DataFrame's feature vectors and labels into {@link KeptSample}s, refusing anything the
 * model cannot train on with the column named: a missing column, a column of the wrong type, a
 * vector of the wrong size, a missing or non-finite value, a label that is not a class index.
 */
final class RowDecoder {
  private RowDecoder() {}

  /** The schema check, on the Spark driver before any job runs. */
  static void checkSchema(StructType schema, String featuresColumn, String labelColumn) {
    checkColumn(schema, featuresColumn, "features", type -> type instanceof VectorUDT,
        "a vector (e.g. from VectorAssembler)");
    if (labelColumn != null) {
      checkColumn(schema, labelColumn, "label", type -> type instanceof NumericType, "numeric (a class index)");
    }
  }

  static void checkColumn(StructType schema, String column, String role, java.util.function.Predicate<DataType> ok,
      String expected) {
    List<String> names = Arrays.asList(schema.fieldNames());
    if (!names.contains(column)) {
      throw new IllegalArgumentException(role + " column '" + column + "' is not in the DataFrame; its columns are "
          + names);
    }
    StructField field = schema.apply(column);
    if (!ok.test(field.dataType())) {
      throw new IllegalArgumentException(role + " column '" + column + "' is " + field.dataType().simpleString()
          + " but must be " + expected);
    }
  }

  /** The rows as samples for {@code model}; a bad row fails the job with the column, partition and row named. */
  static JavaRDD<KeptSample> decode(Dataset<?> data, String featuresColumn, String labelColumn, ModelSpec model) {
    checkSchema(data.schema(), featuresColumn, labelColumn);
    int width = model.inputShape().size();
    int classes = model.outputClasses();
    String modelName = model.name();
    String shape = model.inputShape().toString();
    return data.toDF().select(featuresColumn, labelColumn).javaRDD().mapPartitionsWithIndex((partition, rows) -> {
      List<KeptSample> samples = new ArrayList<>();
      int index = 0;
      while (rows.hasNext()) {
        Row row = rows.next();
        samples.add(new KeptSample(features(row, featuresColumn, width, modelName, shape, partition, index),
            label(row, labelColumn, classes, modelName, partition, index)));
        index++;
      }
      return samples.iterator();
    }, true);
  }

  /**
   * The row's features as floats. Dense vectors are read from their array and sparse ones through
   * their stored entries: {@code Vector.apply(j)} searches a sparse vector's indices for every j.
   */
  static float[] features(Row row, String column, int width, String model, String shape, int partition, int index) {
    if (row.isNullAt(0)) {
      throw new IllegalArgumentException("features column '" + column + "' is missing (null)"
          + where(partition, index));
    }
    Vector vector = (Vector) row.get(0);
    if (vector.size() != width) {
      throw new IllegalArgumentException("features column '" + column + "' holds a vector of " + vector.size()
          + " values" + where(partition, index) + " but model '" + model + "' takes " + width
          + (shape.equals(String.valueOf(width)) ? "" : " (" + shape + ")"));
    }
    float[] features = new float[width];
    int[] indices = null;
    double[] values;
    if (vector instanceof SparseVector sparse) {
      indices = sparse.indices();
      values = sparse.values();
    } else {
      values = vector.toArray(); // a dense vector's own array
    }
    for (int k = 0; k < values.length; k++) {
      double value = values[k];
      int j = indices == null ? k : indices[k];
      if (!Double.isFinite(value)) {
        throw new IllegalArgumentException("features column '" + column + "' holds " + value + " at index " + j
            + where(partition, index));
      }
      features[j] = (float) value;
    }
    return features;
  }

  private static String where(int partition, int index) {
    return " (partition " + partition + ", row " + index + ")";
  }

  static int label(Row row, String column, int classes, String model, int partition, int index) {
    if (row.isNullAt(1)) {
      throw new IllegalArgumentException("label column '" + column + "' is missing (null)" + where(partition, index));
    }
    double value = ((Number) row.get(1)).doubleValue();
    if (!Double.isFinite(value) || value != Math.rint(value) || value < 0 || value >= classes) {
      throw new IllegalArgumentException("label column '" + column + "' holds " + value + where(partition, index)
          + " but model '"
          + model + "' predicts class indices 0.." + (classes - 1));
    }
    return (int) value;
  }
}
