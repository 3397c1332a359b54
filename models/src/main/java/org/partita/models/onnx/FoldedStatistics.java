package org.partita.models.onnx;

import java.util.Arrays;
import org.partita.models.data.Standardization;

/**
 * A {@link Standardization} spread over a sample's values, as the graph's constants: what each
 * input value is centred by and multiplied by — the same float arithmetic {@link
 * Standardization#apply} uses, so the graph sees the inputs training did — and what a
 * standardised regression output is multiplied by to return to the targets' units.
 */
final class FoldedStatistics {
  private FoldedStatistics() {}

  /** (float) mean of each value's block. */
  static float[] centres(Standardization statistics, int width) {
    return perValue(statistics, width, g -> (float) statistics.mean()[g]);
  }

  /** (float) (1 / std) of each value's block, or 1 where std is 0 (a constant feature is only centred). */
  static float[] inverseScales(Standardization statistics, int width) {
    return perValue(statistics, width, g -> statistics.std()[g] > 0 ? (float) (1 / statistics.std()[g]) : 1f);
  }

  /** (float) std of each value's block, or 1 where it is 0. */
  static float[] scales(Standardization statistics, int width) {
    return perValue(statistics, width, g -> statistics.std()[g] > 0 ? (float) statistics.std()[g] : 1f);
  }

  private interface PerBlock {
    float value(int block);
  }

  private static float[] perValue(Standardization statistics, int width, PerBlock block) {
    int groups = statistics.groups();
    if (width < 1 || width % groups != 0) {
      throw new IllegalArgumentException("statistics of " + groups + " blocks do not divide a sample of " + width
          + " values into equal blocks");
    }
    int size = width / groups;
    float[] values = new float[width];
    for (int g = 0; g < groups; g++) {
      Arrays.fill(values, g * size, (g + 1) * size, block.value(g));
    }
    return values;
  }
}
