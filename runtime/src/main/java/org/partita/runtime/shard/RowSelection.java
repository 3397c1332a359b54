package org.partita.runtime.shard;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.UnitRange;
import org.partita.models.tensor.TensorCodec;
import org.partita.proto.TensorProto;

/**
 * The rows of a layer's whole output (or of a gradient with respect to it) that one slice owns,
 * as runs of consecutive rows: one run for unit-major layers, one per time step for sequence
 * outputs. Moves those rows between a whole matrix (wholeRows × B) and a piece (rows × B) or a
 * wire tensor, column by column with bulk copies.
 */
final class RowSelection {
  private final int wholeRows;
  private final int rows;
  private final int[] runStart;
  private final int[] runLength;

  private RowSelection(int wholeRows, List<int[]> runs) {
    this.wholeRows = wholeRows;
    this.runStart = runs.stream().mapToInt(run -> run[0]).toArray();
    this.runLength = runs.stream().mapToInt(run -> run[1]).toArray();
    this.rows = java.util.Arrays.stream(runLength).sum();
  }

  /** Rows of {@code spec}'s whole output produced by a binding of {@code units}, in the binding's order. */
  static RowSelection of(LayerSpec spec, UnitRange units) {
    int pieceRows = units.size() * spec.rowsPerUnit();
    List<int[]> runs = new ArrayList<>();
    for (int row = 0; row < pieceRows; row++) {
      int whole = spec.wholeOutputRow(units, row);
      int[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
      if (last != null && last[0] + last[1] == whole) {
        last[1]++;
      } else {
        runs.add(new int[] {whole, 1});
      }
    }
    return new RowSelection(spec.outputShape().size(), runs);
  }

  /** Rows [begin, end) of a matrix with {@code wholeRows} rows: one run. */
  static RowSelection range(int wholeRows, UnitRange rows) {
    return new RowSelection(wholeRows, List.of(new int[] {rows.begin(), rows.size()}));
  }

  int rows() {
    return rows;
  }

  /** whole's selected rows ← piece (rows × B). */
  void scatter(FloatMatrix piece, FloatMatrix whole) {
    for (int c = 0; c < piece.columns; c++) {
      int from = c * rows;
      for (int r = 0; r < runStart.length; r++) {
        System.arraycopy(piece.data, from, whole.data, c * wholeRows + runStart[r], runLength[r]);
        from += runLength[r];
      }
    }
  }

  /** piece (rows × B) ← whole's selected rows. */
  void gather(FloatMatrix whole, FloatMatrix piece) {
    for (int c = 0; c < piece.columns; c++) {
      int to = c * rows;
      for (int r = 0; r < runStart.length; r++) {
        System.arraycopy(whole.data, c * wholeRows + runStart[r], piece.data, to, runLength[r]);
        to += runLength[r];
      }
    }
  }

  /** The selected rows of whole as a (rows × B) wire tensor, written straight from the matrix. */
  TensorProto encode(FloatMatrix whole) {
    if (runStart.length == 1 && rows == wholeRows) {
      return TensorCodec.encode(whole);
    }
    byte[] bytes = new byte[Math.multiplyExact(Math.multiplyExact(rows, whole.columns), Float.BYTES)];
    FloatBuffer out = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    for (int c = 0; c < whole.columns; c++) {
      for (int r = 0; r < runStart.length; r++) {
        out.put(whole.data, c * wholeRows + runStart[r], runLength[r]);
      }
    }
    return TensorCodec.wrap(bytes, rows, whole.columns);
  }

  /** whole's selected rows ← a (rows × B) wire tensor; {@code what} names it in errors. */
  void decodeInto(TensorProto tensor, FloatMatrix whole, String what) {
    long count = TensorCodec.elementCount(tensor, what);
    if (tensor.getShapeCount() != 2 || tensor.getShape(0) != rows || tensor.getShape(1) != whole.columns) {
      throw new IllegalArgumentException(what + ": tensor of shape " + tensor.getShapeList() + " (" + count
          + " values) but " + rows + "×" + whole.columns + " was expected");
    }
    FloatBuffer in = tensor.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    for (int c = 0; c < whole.columns; c++) {
      for (int r = 0; r < runStart.length; r++) {
        in.get(whole.data, c * wholeRows + runStart[r], runLength[r]);
      }
    }
  }
}
