package org.partita.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
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
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.FashionMnist;

/**
 * Fashion-MNIST as a DataFrame ("features": 784 pixel values in [0, 1], "label": the class as a
 * double), read by the executors themselves from the IDX files in a directory every worker has
 * (Debian's dataset-fashion-mnist package): only the path travels, never the images. For the
 * {@code partita spark} command and the benchmarks; a real job reads its own tables.
 */
public final class FashionMnistFrames {
  public static final StructType SCHEMA = new StructType().add("features", new VectorUDT(), false)
      .add("label", DataTypes.DoubleType, false);

  private FashionMnistFrames() {}

  /**
   * The first {@code limit} samples (all when {@code limit} ≤ 0) of the training or test split, in
   * file order, cut into {@code partitions} contiguous partitions. The files are checked here
   * first, so a missing or corrupt file is reported by name before any job runs.
   */
  public static Dataset<Row> load(SparkSession spark, Path directory, boolean train, int partitions, int limit) {
    int size = split(directory, train).size();
    int n = limit > 0 ? Math.min(limit, size) : size;
    String path = directory.toString();
    List<Integer> parts = IntStream.range(0, partitions).boxed().toList();
    JavaRDD<Row> rows = new JavaSparkContext(spark.sparkContext()).parallelize(parts, partitions)
        .flatMap(part -> rows(path, train, (int) ((long) n * part / partitions),
            (int) ((long) n * (part + 1) / partitions)).iterator());
    return spark.createDataFrame(rows, SCHEMA);
  }

  private static List<Row> rows(String directory, boolean train, int from, int to) {
    ArrayDataset data = split(Path.of(directory), train);
    int width = data.sampleShape().size();
    FloatMatrix x = new FloatMatrix(width, Math.max(1, to - from));
    FloatMatrix y = new FloatMatrix(data.classes(), Math.max(1, to - from));
    List<Row> rows = new ArrayList<>(to - from);
    if (to > from) {
      data.copyBatch(null, from, to - from, x, y);
    }
    for (int i = 0; i < to - from; i++) {
      double[] features = new double[width];
      for (int j = 0; j < width; j++) {
        features[j] = x.data[i * width + j];
      }
      int label = 0;
      for (int c = 0; c < data.classes(); c++) {
        if (y.data[i * data.classes() + c] == 1f) {
          label = c;
        }
      }
      rows.add(RowFactory.create(Vectors.dense(features), (double) label));
    }
    return rows;
  }

  private static ArrayDataset split(Path directory, boolean train) {
    try {
      FashionMnist.Splits splits = FashionMnist.load(directory);
      return train ? splits.train() : splits.test();
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }
}
