package org.partita.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.SparkSession;

/**
 * How Partita's pipeline stages are saved, with public Spark and Hadoop APIs only: a
 * {@code metadata} text file of one JSON object in the layout Spark ML's own stages use (class,
 * uid, Spark version, the explicitly set params), which {@code Pipeline} and {@code PipelineModel}
 * read to find the stage's class; and for models {@code data/model.pb}, the trained model as a
 * protobuf. Any Hadoop file system works (local, HDFS, S3A).
 */
final class StageFiles {
  static final String MODEL_FILE = "data/model.pb";
  private static final ObjectMapper JSON = new ObjectMapper();

  private StageFiles() {}

  @SuppressWarnings("unchecked")
  static void saveMetadata(Params stage, String path, SparkSession spark) {
    ObjectNode metadata = JSON.createObjectNode();
    metadata.put("class", stage.getClass().getName());
    metadata.put("timestamp", System.currentTimeMillis());
    metadata.put("sparkVersion", spark.version());
    metadata.put("uid", stage.uid());
    ObjectNode params = metadata.putObject("paramMap");
    for (Param<?> param : stage.params()) {
      if (stage.isSet(param)) {
        Param<Object> typed = (Param<Object>) param;
        try {
          params.set(param.name(), JSON.readTree(typed.jsonEncode(stage.getOrDefault(typed))));
        } catch (IOException e) {
          throw new UncheckedIOException("encoding param " + param.name() + " of " + stage.uid(), e);
        }
      }
    }
    new JavaSparkContext(spark.sparkContext()).parallelize(List.of(metadata.toString()), 1)
        .saveAsTextFile(new Path(path, "metadata").toString());
  }

  /** The saved JSON metadata, checked to belong to {@code expected}. */
  static JsonNode readMetadata(String path, SparkSession spark, Class<?> expected) {
    String file = new Path(path, "metadata").toString();
    String text;
    try {
      text = spark.sparkContext().textFile(file, 1).first();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(file + ": no saved stage metadata here (" + e.getMessage() + ")", e);
    }
    try {
      JsonNode metadata = JSON.readTree(text);
      String saved = metadata.path("class").asText();
      if (!expected.getName().equals(saved)) {
        throw new IllegalArgumentException(file + ": holds a " + saved + ", not a " + expected.getName());
      }
      return metadata;
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": not JSON stage metadata: " + e.getMessage(), e);
    }
  }

  /** The saved params as (param, decoded value) pairs of {@code stage}; unknown names are refused by name. */
  @SuppressWarnings("unchecked")
  static Map<Param<Object>, Object> savedParams(Params stage, JsonNode metadata, String path) {
    Map<Param<Object>, Object> values = new java.util.LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = metadata.path("paramMap").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (!stage.hasParam(entry.getKey())) {
        throw new IllegalArgumentException(path + ": saved param '" + entry.getKey() + "' is not a param of "
            + stage.getClass().getSimpleName());
      }
      Param<Object> param = (Param<Object>) stage.getParam(entry.getKey());
      values.put(param, param.jsonDecode(entry.getValue().toString()));
    }
    return values;
  }

  static void writeBytes(String path, String name, byte[] bytes, SparkSession spark) {
    Path file = new Path(path, name);
    try {
      FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (OutputStream out = fs.create(file, true)) {
        out.write(bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code bytes} as the new file {@code path}; an existing file is refused, named. */
  static void writeNewFile(String path, byte[] bytes, Configuration hadoop) {
    Path file = new Path(path);
    try {
      FileSystem fs = file.getFileSystem(hadoop);
      try (OutputStream out = fs.create(file, false)) {
        out.write(bytes);
      }
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      throw new IllegalArgumentException(file + " already exists; remove it or choose another path", e);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + file + ": " + e.getMessage(), e);
    }
  }

  static byte[] readBytes(String path, String name, SparkSession spark) {
    Path file = new Path(path, name);
    try {
      FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (InputStream in = fs.open(file)) {
        return in.readAllBytes();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + file + ": " + e.getMessage(), e);
    }
  }
}
