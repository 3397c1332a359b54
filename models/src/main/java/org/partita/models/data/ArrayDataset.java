package org.partita.models.data;

import java.util.Arrays;
import org.jblas.FloatMatrix;
import org.partita.models.layers.Shape;

/**
 * Samples held in memory as one column-major float array (features × samples) and their
 * {@link Targets} — class labels, copied into batches as one-hot columns, or real values for
 * regression. Batches are copied into caller-owned matrices.
 */
public final class ArrayDataset implements Dataset {
  private final String name;
  private final Shape sampleShape;
  private final float[] features;
  private final Targets targets;

  public ArrayDataset(String name, Shape sampleShape, float[] features, Targets targets) {
    if (features.length != (long) sampleShape.size() * targets.samples()) {
      throw new IllegalArgumentException(name + ": " + features.length + " feature values for " + targets.samples()
          + " samples of " + sampleShape.size());
    }
    this.name = name;
    this.sampleShape = sampleShape;
    this.features = features;
    this.targets = targets;
  }

  /** Samples labelled with classes 0..classes−1, named by their number. */
  public ArrayDataset(String name, Shape sampleShape, int classes, float[] features, int[] labels) {
    this(name, sampleShape, features, classes(name, classes, labels));
  }

  private static Targets.Classes classes(String name, int classes, int[] labels) {
    try {
      return new Targets.Classes(Targets.Classes.numbered(classes), labels);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Shape sampleShape() {
    return sampleShape;
  }

  /** Target rows per sample: classes, or regression values. */
  @Override
  public int classes() {
    return targets.rows();
  }

  @Override
  public int size() {
    return targets.samples();
  }

  /** The feature values, sample after sample (shared, not copied: standardisation works in place). */
  public float[] features() {
    return features;
  }

  public Targets targets() {
    return targets;
  }

  @Override
  public void copyBatch(int[] order, int from, int count, FloatMatrix inputs, FloatMatrix targetColumns) {
    int width = sampleShape.size();
    int rows = targets.rows();
    checkBatchBuffers(count, inputs, targetColumns);
    for (int j = 0; j < count; j++) {
      int sample = order == null ? from + j : order[from + j];
      System.arraycopy(features, sample * width, inputs.data, j * width, width);
      targets.write(sample, targetColumns.data, j * rows);
    }
  }

  /** Samples [from, from + count) as a dataset sharing nothing with this one. */
  public ArrayDataset subset(int from, int count) {
    int[] picked = new int[count];
    Arrays.setAll(picked, i -> from + i);
    return pick(name + "[" + from + ".." + (from + count) + ")", picked);
  }

  /** Samples {@code picked} (indices into this dataset), in that order, as a dataset called {@code newName}. */
  public ArrayDataset pick(String newName, int[] picked) {
    int width = sampleShape.size();
    float[] part = new float[picked.length * width];
    for (int i = 0; i < picked.length; i++) {
      System.arraycopy(features, picked[i] * width, part, i * width, width);
    }
    return new ArrayDataset(newName, sampleShape, part, targets.pick(picked));
  }

  /** The same samples seen with another shape of equal size (flat rows as images, say). */
  public ArrayDataset reshaped(Shape shape) {
    if (shape.size() != sampleShape.size()) {
      throw new IllegalArgumentException(name + ": samples of " + sampleShape + " (" + sampleShape.size()
          + " values) cannot be seen as " + shape + " (" + shape.size() + ")");
    }
    return new ArrayDataset(name, shape, features, targets);
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
    int[][] picked = new int[batches.replicas()][];
    for (int r = 0; r < picked.length; r++) {
      picked[r] = new int[batches.replicaSamples(r)];
    }
    for (int g = 0; g < size(); g++) {
      picked[batches.replicaOf(g)][batches.indexInReplica(g)] = g;
    }
    java.util.List<ArrayDataset> split = new java.util.ArrayList<>();
    for (int r = 0; r < picked.length; r++) {
      split.add(pick(name + " (replica " + r + ")", picked[r]));
    }
    return split;
  }
}
