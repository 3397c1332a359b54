package org.partita.partitioner;

import java.util.ArrayList;
import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.layers.Conv2DSpec;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.RecurrentSpec;
import org.partita.models.layers.UnitRange;

/**
 * Cuts a whole layer's parameter tensor — weights, bias, or an optimizer state tensor of the same
 * shape — into the tensors its slices hold, and joins them back, exactly: merge(split(p)) == p.
 * Dense and Conv2D slices own whole rows (one per output unit); a recurrent slice owns, for each
 * gate g, rows g·H + [a, b) of the whole layer, stored gate-major as rows g·u + [0, u).
 */
public final class ParameterSharding {
  private ParameterSharding() {}

  /** Whole-layer row of each of the slice's rows, in the slice's order. */
  public static int[] wholeRows(LayerSpec spec, UnitRange range) {
    int u = range.size();
    if (spec instanceof RecurrentSpec recurrent) {
      int gates = recurrent.cell().gates();
      int[] rows = new int[gates * u];
      for (int g = 0; g < gates; g++) {
        for (int j = 0; j < u; j++) {
          rows[g * u + j] = g * recurrent.hidden() + range.begin() + j;
        }
      }
      return rows;
    }
    if (spec instanceof DenseSpec || spec instanceof Conv2DSpec) {
      int[] rows = new int[u];
      for (int j = 0; j < u; j++) {
        rows[j] = range.begin() + j;
      }
      return rows;
    }
    throw new IllegalArgumentException(spec.describe() + " has no parameters to split");
  }

  public static List<FloatMatrix> split(LayerSpec spec, FloatMatrix whole, List<UnitRange> ranges) {
    List<FloatMatrix> parts = new ArrayList<>();
    for (UnitRange range : ranges) {
      int[] rows = wholeRows(spec, range);
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
    int totalRows = 0;
    for (int i = 0; i < parts.size(); i++) {
      int expected = wholeRows(spec, ranges.get(i)).length;
      if (parts.get(i).rows != expected || parts.get(i).columns != parts.get(0).columns) {
        throw new IllegalArgumentException(spec.describe() + ": part " + i + " is " + parts.get(i).rows + "×"
            + parts.get(i).columns + ", slice " + ranges.get(i) + " holds " + expected + " rows");
      }
      totalRows += expected;
    }
    FloatMatrix whole = new FloatMatrix(totalRows, parts.get(0).columns);
    boolean[] filled = new boolean[totalRows];
    for (int i = 0; i < parts.size(); i++) {
      int[] rows = wholeRows(spec, ranges.get(i));
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
}
