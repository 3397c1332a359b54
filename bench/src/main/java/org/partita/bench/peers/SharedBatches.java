package org.partita.bench.peers;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.data.ArrayDataset;

/**
 * The first {@code count} consecutive batches of a dataset, in Partita's layout — features ×
 * batch, column-major, so each sample's features are contiguous, which is also a row-major
 * batch × features array. Every system trains on exactly these batches in the same order.
 *
 * <p>The coordinator writes them once into a folder that every worker process reads, whatever its
 * language: {@code batches.txt} (count, batch, features, classes), {@code inputs.f32}
 * (count × batch × features little-endian float32) and {@code labels.i32} (count × batch
 * little-endian int32 class indices).
 */
public record SharedBatches(List<FloatMatrix> inputs, List<FloatMatrix> targets) {
  private static final String SHAPE_FILE = "batches.txt";
  private static final String INPUTS_FILE = "inputs.f32";
  private static final String LABELS_FILE = "labels.i32";

  public static SharedBatches first(ArrayDataset data, int batchSize, int count) {
    if ((long) batchSize * count > data.size()) {
      throw new IllegalArgumentException(count + " batches of " + batchSize + " need more than the " + data.size()
          + " samples of " + data.name());
    }
    List<FloatMatrix> inputs = new ArrayList<>();
    List<FloatMatrix> targets = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      FloatMatrix x = new FloatMatrix(data.sampleShape().size(), batchSize);
      FloatMatrix y = new FloatMatrix(data.classes(), batchSize);
      data.copyBatch(null, k * batchSize, batchSize, x, y);
      inputs.add(x);
      targets.add(y);
    }
    return new SharedBatches(List.copyOf(inputs), List.copyOf(targets));
  }

  public int count() {
    return inputs.size();
  }

  public int batchSize() {
    return inputs.get(0).columns;
  }

  /** Writes the three files into {@code directory}. */
  public void write(Path directory) throws IOException {
    Files.createDirectories(directory);
    int features = inputs.get(0).rows;
    int classes = targets.get(0).rows;
    Files.writeString(directory.resolve(SHAPE_FILE), count() + " " + batchSize() + " " + features + " " + classes
        + "\n");
    try (OutputStream out = Files.newOutputStream(directory.resolve(INPUTS_FILE))) {
      ByteBuffer buffer = ByteBuffer.allocate(features * batchSize() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      for (FloatMatrix x : inputs) {
        buffer.clear();
        buffer.asFloatBuffer().put(x.data);
        out.write(buffer.array());
      }
    }
    try (OutputStream out = Files.newOutputStream(directory.resolve(LABELS_FILE))) {
      ByteBuffer buffer = ByteBuffer.allocate(batchSize() * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      for (FloatMatrix y : targets) {
        buffer.clear();
        for (int s = 0; s < y.columns; s++) {
          buffer.putInt(org.partita.models.loss.Loss.argmax(y.data, s * classes, classes));
        }
        out.write(buffer.array());
      }
    }
  }

  /** Reads what {@link #write} wrote; targets come back one-hot. */
  public static SharedBatches read(Path directory) throws IOException {
    String[] shape = Files.readString(directory.resolve(SHAPE_FILE)).trim().split("\\s+");
    int count = Integer.parseInt(shape[0]);
    int batch = Integer.parseInt(shape[1]);
    int features = Integer.parseInt(shape[2]);
    int classes = Integer.parseInt(shape[3]);
    List<FloatMatrix> inputs = new ArrayList<>();
    List<FloatMatrix> targets = new ArrayList<>();
    try (InputStream x = new DataInputStream(Files.newInputStream(directory.resolve(INPUTS_FILE)));
        InputStream y = new DataInputStream(Files.newInputStream(directory.resolve(LABELS_FILE)))) {
      for (int k = 0; k < count; k++) {
        FloatMatrix input = new FloatMatrix(features, batch);
        ByteBuffer.wrap(readFully(x, features * batch * Float.BYTES, directory)).order(ByteOrder.LITTLE_ENDIAN)
            .asFloatBuffer().get(input.data);
        ByteBuffer labels = ByteBuffer.wrap(readFully(y, batch * Integer.BYTES, directory))
            .order(ByteOrder.LITTLE_ENDIAN);
        FloatMatrix target = new FloatMatrix(classes, batch);
        for (int s = 0; s < batch; s++) {
          target.data[s * classes + labels.getInt()] = 1f;
        }
        inputs.add(input);
        targets.add(target);
      }
    }
    return new SharedBatches(List.copyOf(inputs), List.copyOf(targets));
  }

  private static byte[] readFully(InputStream in, int bytes, Path directory) throws IOException {
    byte[] data = in.readNBytes(bytes);
    if (data.length != bytes) {
      throw new IOException("shared batches in " + directory + " end early: wanted " + bytes + " more bytes");
    }
    return data;
  }
}
