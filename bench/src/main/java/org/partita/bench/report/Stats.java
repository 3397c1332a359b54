package org.partita.bench.report;

import java.util.Arrays;

/** min / median / max of repeated measurements; benchmarks report all three, never one run. */
public record Stats(double min, double median, double max) {
  public static Stats of(double[] samples) {
    if (samples.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    double[] sorted = samples.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    return new Stats(sorted[0], median, sorted[n - 1]);
  }

  /** Milliseconds from seconds. */
  public Stats millis() {
    return new Stats(min * 1e3, median * 1e3, max * 1e3);
  }

  public String format(String pattern) {
    return String.format(pattern, min) + " / " + String.format(pattern, median) + " / " + String.format(pattern, max);
  }
}
