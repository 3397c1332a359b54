package org.partita.bench;

import java.util.Arrays;

/** min / median / max of repeated measurements; benchmarks report all three, never one run. */
record Stats(double min, double median, double max) {
  static Stats of(double[] samples) {
    if (samples.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    double[] sorted = samples.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    return new Stats(sorted[0], median, sorted[n - 1]);
  }

  String format(String pattern) {
    return String.format(pattern, min) + " / " + String.format(pattern, median) + " / " + String.format(pattern, max);
  }
}
