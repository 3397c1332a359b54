package org.partita.models.data;

import java.util.List;
import org.partita.models.layers.Shape;

/**
 * Samples as a reader found them, before any split or standardisation: features sample after
 * sample ({@code sampleShape.size()} values each), their targets (null when the file holds none,
 * as files to predict may), and the names of the columns they came from.
 *
 * @param format the format they were read in, which decides how files to predict are read later
 * @param featureNames CSV feature columns in order; empty for formats without column names
 * @param labelNames the columns or arrays the targets came from
 */
public record SampleData(String name, DataFormat format, Shape sampleShape, float[] features, Targets targets,
    List<String> featureNames, List<String> labelNames) {

  public SampleData {
    featureNames = List.copyOf(featureNames);
    labelNames = List.copyOf(labelNames);
    int width = sampleShape.size();
    if (features.length % width != 0) {
      throw new IllegalArgumentException(name + ": " + features.length + " values are no whole number of samples of "
          + width);
    }
    if (targets != null && targets.samples() != features.length / width) {
      throw new IllegalArgumentException(name + ": " + targets.samples() + " targets for " + features.length / width
          + " samples");
    }
  }

  public int size() {
    return features.length / sampleShape.size();
  }

  /** Images (several values per channel) are standardised per channel, tables per feature. */
  public boolean isImages() {
    return !sampleShape.isVector();
  }

  /** As a dataset for training or evaluation; the features array is shared, not copied. */
  public ArrayDataset dataset() {
    if (targets == null) {
      throw new IllegalStateException(name + " holds no targets");
    }
    return new ArrayDataset(name, sampleShape, features, targets);
  }

  /** Samples {@code picked} (indices into these), in that order. */
  public SampleData pick(String newName, int[] picked) {
    int width = sampleShape.size();
    float[] part = new float[picked.length * width];
    for (int i = 0; i < picked.length; i++) {
      System.arraycopy(features, picked[i] * width, part, i * width, width);
    }
    return new SampleData(newName, format, sampleShape, part, targets == null ? null : targets.pick(picked),
        featureNames, labelNames);
  }

  /**
   * A deterministic split for validation: a {@code fraction} of the samples, drawn by a
   * permutation that depends only on {@code seed}, held out; both parts keep the file's order.
   * Returns {training part, held-out part}.
   */
  public SampleData[] split(double fraction, long seed) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("--validation-split must be between 0 and 1 (exclusive), got " + fraction);
    }
    int n = size();
    int heldOut = (int) Math.round(n * fraction);
    if (heldOut < 1 || heldOut >= n) {
      throw new IllegalArgumentException("--validation-split " + fraction + " of " + n + " samples leaves " + heldOut
          + " held out and " + (n - heldOut) + " to train on; both need at least one");
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.SplittableRandom random = new java.util.SplittableRandom(
        org.partita.models.random.CounterRandom.bits(seed, org.partita.models.random.CounterRandom.STREAM_HOLD_OUT));
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    int[] held = java.util.Arrays.copyOfRange(order, 0, heldOut);
    int[] kept = java.util.Arrays.copyOfRange(order, heldOut, n);
    java.util.Arrays.sort(held);
    java.util.Arrays.sort(kept);
    return new SampleData[] {pick(name + " (training part)", kept), pick(name + " (validation part)", held)};
  }

  public SampleData withShape(Shape shape) {
    return new SampleData(name, format, shape, features, targets, featureNames, labelNames);
  }
}
