package org.partita.models.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Checks and conversions shared by the readers of numeric arrays (NumPy, IDX). */
final class Numbers {
  private Numbers() {}

  /** {@code text} as a finite number that fits a float; else refused naming {@code where} ("line 3, column 'a'"). */
  static double parse(String text, Path file, String where) throws DataFormatException {
    double value;
    try {
      value = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new DataFormatException(file, where + ": '" + text + "' is not a number");
    }
    if (!Double.isFinite(value) || Math.abs(value) > Float.MAX_VALUE) {
      throw new DataFormatException(file, where + ": " + text + " is not a finite number");
    }
    return value;
  }

  /** Refuses the first NaN or infinite value, naming the item and the value's place in it. */
  static void checkFinite(float[] values, int perItem, Path file, String item) throws DataFormatException {
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new DataFormatException(file, item + " " + i / perItem + ", value " + i % perItem + " is " + values[i]
            + "; every value must be a finite number");
      }
    }
  }

  /**
   * Targets from an array of {@code perSample} numbers per sample: class indices (one per sample)
   * for a classifier, real values for regression, named after the array ({@code name}, or
   * name[k] for several per sample).
   */
  static Targets targets(float[] values, int perSample, Path file, String name, ReadOptions.Expected expected)
      throws DataFormatException {
    if (expected.kind() == ReadOptions.TargetKind.CLASSES) {
      if (perSample != 1) {
        throw new DataFormatException(file, "holds " + perSample + " labels per sample; a classifier takes one class "
            + "index per sample (several values per sample are for regression models, loss mse)");
      }
      return ClassCoder.fromNumbers(values, file, expected);
    }
    checkFinite(values, perSample, file, "target of sample");
    List<String> names = new ArrayList<>();
    for (int k = 0; k < perSample; k++) {
      names.add(perSample == 1 ? name : name + "[" + k + "]");
    }
    return new Targets.Values(names, values);
  }
}
