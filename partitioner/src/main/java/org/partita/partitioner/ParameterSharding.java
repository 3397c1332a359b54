package org.partita.partitioner;

import java.util.ArrayList;
import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.UnitRange;

/**
 * Cuts a whole layer's parameter tensor — weights, bias, or an optimizer state tensor of the same
 * shape — into the tensors its slices hold, and joins them back, exactly: merge(split(p)) == p.
 * A tensor with k rows per unit (k = 1 for Dense, Conv2D and Embedding; the gates or biases per
 * unit of a recurrent layer) holds them group-major: a slice of units [a, b) owns, for each group
 * g, rows g·units + [a, b) of the whole tensor, stored as its rows g·u + [0, u).
 */
public final class ParameterSharding {
  private ParameterSharding() {}

  /** Whole-tensor row of each of the slice's rows, in the slice's order, for {@code perUnit} rows per unit. */
  public static int[] wholeRows(LayerSpec spec, UnitRange range, int perUnit) {
    if (spec.parameterCount() == 0) {
      throw new IllegalArgumentException(spec.describe() + " has no parameters to split");
    }
    int u = range.size();
    int[] rows = new int[perUnit * u];
    for (int g = 0; g < perUnit; g++) {
      for (int j = 0; j < u; j++) {
        rows[g * u + j] = g * spec.units() + range.begin() + j;
      }
    }
    return rows;
  }

  public static List<FloatMatrix> split(LayerSpec spec, FloatMatrix whole, List<UnitRange> ranges) {
    int perUnit = rowsPerUnit(spec, whole.rows, spec.units(), "a tensor");
    List<FloatMatrix> parts = new ArrayList<>();
    for (UnitRange range : ranges) {
      int[] rows = wholeRows(spec, range, perUnit);
      FloatMatrix part = new FloatMatrix(rows.length, whole.columns);
      for (int c = 0; c < whole.columns; c++) {
        for (int r = 0; r < rows.length; r++) {
          if (rows[r] >= whole.rows) {
            throw new IllegalArgumentException(spec.describe() + ": slice " + range + " needs row " + rows[r]
                + " of a tensor with " + whole.rows);
          }
          part.data[c * rows.length + r] = whole.data[c * whole.rows + rows[r]];
        }
      }
      parts.add(part);
    }
    return parts;
  }

  public static FloatMatrix merge(LayerSpec spec, List<FloatMatrix> parts, List<UnitRange> ranges) {
    if (parts.size() != ranges.size()) {
      throw new IllegalArgumentException(spec.describe() + ": " + parts.size() + " parts for " + ranges.size() + " slices");
    }
    int perUnit = rowsPerUnit(spec, parts.get(0).rows, ranges.get(0).size(), "part 0");
    int totalRows = 0;
    for (int i = 0; i < parts.size(); i++) {
      int expected = perUnit * ranges.get(i).size();
      if (parts.get(i).rows != expected || parts.get(i).columns != parts.get(0).columns) {
        throw new IllegalArgumentException(spec.describe() + ": part " + i + " is " + parts.get(i).rows + "×"
            + parts.get(i).columns + ", slice " + ranges.get(i) + " holds " + expected + " rows");
      }
      totalRows += expected;
    }
    FloatMatrix whole = new FloatMatrix(totalRows, parts.get(0).columns);
    boolean[] filled = new boolean[totalRows];
    for (int i = 0; i < parts.size(); i++) {
      int[] rows = wholeRows(spec, ranges.get(i), perUnit);
      FloatMatrix part = parts.get(i);
      for (int r = 0; r < rows.length; r++) {
        if (rows[r] >= totalRows || filled[rows[r]]) {
          throw new IllegalArgumentException(spec.describe() + ": slices " + ranges + " overlap or leave gaps");
        }
        filled[rows[r]] = true;
        for (int c = 0; c < part.columns; c++) {
          whole.data[c * totalRows + rows[r]] = part.data[c * rows.length + r];
        }
      }
    }
    return whole;
  }

  private static int rowsPerUnit(LayerSpec spec, int rows, int units, String what) {
    if (rows == 0 || rows % units != 0) {
      throw new IllegalArgumentException(spec.describe() + ": " + what + " of " + rows + " rows does not hold whole "
          + "units (" + units + ")");
    }
    return rows / units;
  }
}
