package org.partita.models.onnx;

import java.util.Arrays;

/**
 * Standardisation statistics as training applied them, for folding into an exported graph: a
 * sample's values (its features in C×H×W or T×F order) split into {@link #groups()} equal
 * contiguous blocks, block g with mean {@code mean[g]} and standard deviation {@code std[g]} — one
 * block for everything, one per channel, or one per feature. An input x is standardised as
 * (x − m)·s in float with m = (float) mean and s = (float) (1 / std) (s = 1 where std is 0: a
 * constant feature is only centred); a standardised regression output z is taken back to the
 * targets' units as z·(float) std + (float) mean. This is the same arithmetic, in float, that
 * Partita's own data preparation uses, so the graph sees the same inputs training did.
 */
public record BlockStatistics(double[] mean, double[] std) {
  /** No standardisation. */
  public static final BlockStatistics NONE = new BlockStatistics(new double[0], new double[0]);

  public BlockStatistics {
    if (mean == null || std == null || mean.length != std.length) {
      throw new IllegalArgumentException("statistics need as many standard deviations as means, got "
          + (mean == null ? "no" : mean.length) + " means and " + (std == null ? "no" : std.length) + " deviations");
    }
    for (int g = 0; g < mean.length; g++) {
      if (!Double.isFinite(mean[g]) || !(std[g] >= 0) || Double.isInfinite(std[g])) {
        throw new IllegalArgumentException("statistics of block " + g + " are mean " + mean[g] + ", std " + std[g]);
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** One block: a single mean and standard deviation for every value (Fashion-MNIST's pixels). */
  public static BlockStatistics of(double mean, double std) {
    return new BlockStatistics(new double[] {mean}, new double[] {std});
  }

  public int groups() {
    return mean.length;
  }

  public boolean isNone() {
    return mean.length == 0;
  }

  /** What an input is centred by, per value of a sample of {@code width} values. */
  float[] centres(int width) {
    return perValue(width, g -> (float) mean[g]);
  }

  /** What a centred input is multiplied by, per value: (float) (1 / std), or 1 where std is 0. */
  float[] inverseScales(int width) {
    return perValue(width, g -> std[g] > 0 ? (float) (1 / std[g]) : 1f);
  }

  /** What a standardised output is multiplied by to return to the targets' units, per value. */
  float[] scales(int width) {
    return perValue(width, g -> std[g] > 0 ? (float) std[g] : 1f);
  }

  private interface PerBlock {
    float value(int block);
  }

  private float[] perValue(int width, PerBlock block) {
    if (width < 1 || width % groups() != 0) {
      throw new IllegalArgumentException("statistics of " + groups() + " blocks do not divide a sample of " + width
          + " values into equal blocks");
    }
    int size = width / groups();
    float[] values = new float[width];
    for (int g = 0; g < groups(); g++) {
      Arrays.fill(values, g * size, (g + 1) * size, block.value(g));
    }
    return values;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof BlockStatistics that && Arrays.equals(mean, that.mean) && Arrays.equals(std, that.std);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return isNone() ? "none" : groups() == 1 ? "1 block" : groups() + " blocks";
  }
}
