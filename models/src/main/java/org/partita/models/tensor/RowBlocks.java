package org.partita.models.tensor;

import org.jblas.FloatMatrix;

/**
 * Moving a block of rows between a small matrix and a tall one whose columns hold several such
 * blocks (time-major sequences: step t of a T·F × B matrix is rows [t·F, (t+1)·F) of every
 * column). Matrices are column-major, so each column is one bulk copy or one short loop.
 */
public final class RowBlocks {
  private RowBlocks() {}

  /** target (rows × B) = rows [from, from + rows) of every column of source (column length ld). */
  public static void copy(FloatMatrix source, int from, int ld, FloatMatrix target) {
    int rows = target.rows;
    for (int b = 0; b < target.columns; b++) {
      System.arraycopy(source.data, b * ld + from, target.data, b * rows, rows);
    }
  }

  /** rows [from, from + source.rows) of every column of target (column length ld) = source. */
  public static void place(FloatMatrix source, FloatMatrix target, int from, int ld) {
    int rows = source.rows;
    for (int b = 0; b < source.columns; b++) {
      System.arraycopy(source.data, b * rows, target.data, b * ld + from, rows);
    }
  }

  /** target (rows × B) += rows [from, from + rows) of every column of source (column length ld). */
  public static void add(FloatMatrix source, int from, int ld, FloatMatrix target) {
    int rows = target.rows;
    for (int b = 0; b < target.columns; b++) {
      for (int r = 0; r < rows; r++) {
        target.data[b * rows + r] += source.data[b * ld + from + r];
      }
    }
  }

  /** rows [from, from + source.rows) of every column of target (column length ld) += source. */
  public static void addInto(FloatMatrix source, FloatMatrix target, int from, int ld) {
    int rows = source.rows;
    for (int b = 0; b < source.columns; b++) {
      for (int r = 0; r < rows; r++) {
        target.data[b * ld + from + r] += source.data[b * rows + r];
      }
    }
  }
}
