package org.partita.models.layers;

/**
 * A half-open range [begin, end) of a layer's output units — Dense rows, Conv2D output channels,
 * pooled channels, RNN/LSTM hidden units. A layer bound to a range computes exactly those outputs;
 * the whole layer is the range [0, units).
 */
public record UnitRange(int begin, int end) {
  public UnitRange {
    if (begin < 0 || end <= begin) {
      throw new IllegalArgumentException("unit range [" + begin + ", " + end + ") must be non-empty and start at ≥ 0");
    }
  }

  public static UnitRange all(int units) {
    return new UnitRange(0, units);
  }

  public int size() {
    return end - begin;
  }

  public boolean isWithin(int units) {
    return end <= units;
  }

  /**
   * Splits [0, units) into {@code parts} contiguous ranges whose sizes differ by at most one,
   * larger ones first.
   */
  public static UnitRange[] split(int units, int parts) {
    if (parts < 1 || parts > units) {
      throw new IllegalArgumentException("cannot split " + units + " units into " + parts + " non-empty slices");
    }
    UnitRange[] ranges = new UnitRange[parts];
    int begin = 0;
    for (int p = 0; p < parts; p++) {
      int size = units / parts + (p < units % parts ? 1 : 0);
      ranges[p] = new UnitRange(begin, begin + size);
      begin += size;
    }
    return ranges;
  }

  /**
   * Where row {@code row} of this range's time-major output (size() rows a step) lies in the whole
   * layer's (units rows a step): per-step outputs of slices interleave across time.
   */
  public int timeMajorRow(int row, int units) {
    return (row / size()) * units + begin + row % size();
  }

  @Override
  public String toString() {
    return "[" + begin + ", " + end + ")";
  }
}
