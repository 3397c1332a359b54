package org.partita.models.data;

import org.jblas.FloatMatrix;
import org.partita.models.layers.Shape;

/**
 * Labelled samples held in memory as one column-major float array (features × samples) and their
 * class labels (one per sample). Batches are copied into caller-owned matrices, targets as one-hot
 * columns.
 */
public final class ArrayDataset implements Dataset {
  private final String name;
  private final Shape sampleShape;
  private final int classes;
  private final float[] features;
  private final int[] labels;

  public ArrayDataset(String name, Shape sampleShape, int classes, float[] features, int[] labels) {
    if (features.length != (long) sampleShape.size() * labels.length) {
      throw new IllegalArgumentException(name + ": " + features.length + " feature values for " + labels.length
          + " samples of " + sampleShape.size());
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes) {
        throw new IllegalArgumentException(name + ": label of sample " + i + " is " + labels[i] + ", outside 0.."
            + (classes - 1));
      }
    }
    this.name = name;
    this.sampleShape = sampleShape;
    this.classes = classes;
    this.features = features;
    this.labels = labels;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Shape sampleShape() {
    return sampleShape;
  }

  @Override
  public int classes() {
    return classes;
  }

  @Override
  public int size() {
    return labels.length;
  }

  @Override
  public void copyBatch(int[] order, int from, int count, FloatMatrix inputs, FloatMatrix targets) {
    int width = sampleShape.size();
    checkBatchBuffers(count, inputs, targets);
    java.util.Arrays.fill(targets.data, 0, classes * count, 0f);
    for (int j = 0; j < count; j++) {
      int sample = order == null ? from + j : order[from + j];
      System.arraycopy(features, sample * width, inputs.data, j * width, width);
      targets.data[j * classes + labels[sample]] = 1f;
    }
  }

  /** Samples [from, from + count) as a dataset sharing nothing with this one. */
  public ArrayDataset subset(int from, int count) {
    int width = sampleShape.size();
    float[] part = java.util.Arrays.copyOfRange(features, from * width, (from + count) * width);
    int[] partLabels = java.util.Arrays.copyOfRange(labels, from, from + count);
    return new ArrayDataset(name + "[" + from + ".." + (from + count) + ")", sampleShape, classes, part, partLabels);
  }

  /**
   * This dataset split over the replicas of {@code batches}: sample g goes to replica
   * {@link org.partita.models.train.PartitionedBatches#replicaOf} at its
   * {@link org.partita.models.train.PartitionedBatches#indexInReplica} — what each replica keeps.
   */
  public java.util.List<ArrayDataset> splitFor(org.partita.models.train.PartitionedBatches batches) {
    if (batches.samples() != size()) {
      throw new IllegalArgumentException(name + " holds " + size() + " samples, not the " + batches.samples()
          + " the batches were placed for");
    }
    int width = sampleShape.size();
    float[][] parts = new float[batches.replicas()][];
    int[][] partLabels = new int[batches.replicas()][];
    for (int r = 0; r < parts.length; r++) {
      parts[r] = new float[batches.replicaSamples(r) * width];
      partLabels[r] = new int[batches.replicaSamples(r)];
    }
    for (int g = 0; g < size(); g++) {
      int r = batches.replicaOf(g);
      int i = batches.indexInReplica(g);
      System.arraycopy(features, g * width, parts[r], i * width, width);
      partLabels[r][i] = labels[g];
    }
    java.util.List<ArrayDataset> split = new java.util.ArrayList<>();
    for (int r = 0; r < parts.length; r++) {
      split.add(new ArrayDataset(name + " (replica " + r + ")", sampleShape, classes, parts[r], partLabels[r]));
    }
    return split;
  }

  /** Mean and standard deviation of every feature value, for normalisation. */
  public double[] meanAndStd() {
    double sum = 0;
    double squares = 0;
    for (float value : features) {
      sum += value;
      squares += (double) value * value;
    }
    double mean = sum / features.length;
    return new double[] {mean, Math.sqrt(Math.max(0, squares / features.length - mean * mean))};
  }

  /** x ← (x − mean) / std in place. */
  public void standardize(double mean, double std) {
    if (!(std > 0)) {
      throw new IllegalArgumentException(name + ": cannot standardise with std " + std);
    }
    float m = (float) mean;
    float inv = (float) (1 / std);
    for (int i = 0; i < features.length; i++) {
      features[i] = (features[i] - m) * inv;
    }
  }
}
