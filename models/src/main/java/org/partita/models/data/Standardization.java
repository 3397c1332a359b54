package org.partita.models.data;

import java.util.Arrays;

/**
 * Standardisation of samples laid out as rows of {@code width} values split into
 * {@link #groups()} equal contiguous blocks, each block with one mean and standard deviation: one
 * block per feature (tables), per channel (C×H×W images), or one for everything (the Fashion-MNIST
 * pixels of earlier versions). Statistics are fitted on training rows; {@link #apply} is the one
 * function every command (train, evaluate, predict) and Spark's transform use, so a sample gets the
 * same float inputs wherever it is prepared.
 *
 * <p>x becomes (x − m)·s in float, with m = (float) mean and s = (float) (1 / std); a block whose
 * std is 0 (a constant feature) is only centred. The double statistics are what checkpoints keep.
 */
public record Standardization(double[] mean, double[] std) {
  /** No standardisation: {@link #apply} leaves values as they are. */
  public static final Standardization NONE = new Standardization(new double[0], new double[0]);

  public Standardization {
    if (mean.length != std.length) {
      throw new IllegalArgumentException(mean.length + " means but " + std.length + " standard deviations");
    }
    for (int g = 0; g < mean.length; g++) {
      if (!Double.isFinite(mean[g]) || !(std[g] >= 0) || Double.isInfinite(std[g])) {
        throw new IllegalArgumentException("statistics of block " + g + " are mean " + mean[g] + ", std " + std[g]);
      }
    }
  }

  /** One block: a single mean and standard deviation for every value (Fashion-MNIST's pixels). */
  public static Standardization single(double mean, double std) {
    return new Standardization(new double[] {mean}, new double[] {std});
  }

  public int groups() {
    return mean.length;
  }

  public boolean isNone() {
    return mean.length == 0;
  }

  /**
   * Mean and population standard deviation of each of {@code groups} blocks over all rows of
   * {@code values} (rows of {@code width}), accumulated in double in storage order.
   */
  public static Standardization fit(float[] values, int width, int groups) {
    if (groups < 1 || width % groups != 0) {
      throw new IllegalArgumentException("rows of " + width + " values do not split into " + groups + " equal blocks");
    }
    int block = width / groups;
    int rows = values.length / width;
    double[] sum = new double[groups];
    double[] squares = new double[groups];
    for (int r = 0; r < rows; r++) {
      int base = r * width;
      for (int g = 0; g < groups; g++) {
        // Carried from row to row, so one block adds its values in storage order.
        double s = sum[g];
        double q = squares[g];
        for (int i = base + g * block, end = i + block; i < end; i++) {
          float value = values[i];
          s += value;
          q += (double) value * value;
        }
        sum[g] = s;
        squares[g] = q;
      }
    }
    double[] mean = new double[groups];
    double[] std = new double[groups];
    double count = (double) rows * block;
    for (int g = 0; g < groups; g++) {
      mean[g] = sum[g] / count;
      std[g] = Math.sqrt(Math.max(0, squares[g] / count - mean[g] * mean[g]));
    }
    return new Standardization(mean, std);
  }

  /** x ← (x − m)·s in place for every row of {@code width} values (see the class comment). */
  public void apply(float[] values, int width) {
    if (isNone()) {
      return;
    }
    int block = blockOf(width);
    float[] m = new float[mean.length];
    float[] s = new float[mean.length];
    for (int g = 0; g < m.length; g++) {
      m[g] = (float) mean[g];
      s[g] = std[g] > 0 ? (float) (1 / std[g]) : 1f;
    }
    for (int base = 0; base < values.length; base += width) {
      for (int g = 0; g < m.length; g++) {
        float mg = m[g];
        float sg = s[g];
        for (int i = base + g * block, end = i + block; i < end; i++) {
          values[i] = (values[i] - mg) * sg;
        }
      }
    }
  }

  /** The inverse of {@link #apply}, for model outputs in standardised units: y = z·std + mean. */
  public void undo(float[] values, int width) {
    if (isNone()) {
      return;
    }
    int block = blockOf(width);
    for (int base = 0; base < values.length; base += width) {
      for (int g = 0; g < mean.length; g++) {
        double scale = std[g] > 0 ? std[g] : 1;
        for (int i = base + g * block, end = i + block; i < end; i++) {
          values[i] = (float) (values[i] * scale + mean[g]);
        }
      }
    }
  }

  private int blockOf(int width) {
    if (width < 1 || width % mean.length != 0) {
      throw new IllegalArgumentException("statistics of " + mean.length + " blocks do not fit rows of " + width
          + " values");
    }
    return width / mean.length;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Standardization that && Arrays.equals(mean, that.mean) && Arrays.equals(std, that.std);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return isNone() ? "none" : mean.length == 1
        ? String.format(java.util.Locale.ROOT, "mean %.6g, std %.6g", mean[0], std[0])
        : mean.length + " blocks";
  }
}
