package org.partita.partitioner;

/** One GEMM call: an m×n result over a shared dimension k. */
public record GemmShape(int m, int n, int k) {
  public long flops() {
    return 2L * m * n * k;
  }

  /** The smallest dimension: what makes a GEMM slow (thin panels, little reuse). */
  public int minDimension() {
    return Math.min(m, Math.min(n, k));
  }

  /** Geometric mean of the other two dimensions. */
  public double otherDimension() {
    return Math.sqrt((double) m * n * k / minDimension());
  }
}
