package org.partita.models.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.jblas.FloatMatrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.partita.models.blas.Blas;

/**
 * The property model parallelism rests on: a layer cut into slices computes what the whole layer
 * computes. Concatenated slice outputs equal the whole output; summed partial input gradients
 * equal the whole input gradient; each slice's parameters and parameter gradients are the
 * corresponding rows of the whole layer's.
 */
class SlicedVersusWholeTest {

  /** Recurrent layers are compared step by step in RecurrentSliceTest. */
  static List<LayerSpec> specs() {
    return LayerCases.specs().stream().filter(spec -> !(spec instanceof RecurrentSpec)).toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void slicesReassembleTheWholeLayer(LayerSpec spec) {
    int batch = 4;
    Blas blas = Blas.get();
    SplittableRandom random = new SplittableRandom(11);
    Layer whole = spec.bind(LayerBinding.whole(3, 99, spec, blas));
    FloatMatrix input = LayerCases.input(spec, batch, random);
    FloatMatrix upstream = GradientCheckTest.randomMatrix(whole.outputRows(), batch, random);
    BatchContext context = new BatchContext(12, 64, Phase.TRAIN);

    FloatMatrix wholeOutput = new FloatMatrix(whole.outputRows(), batch);
    whole.forward(input, wholeOutput, context);
    FloatMatrix wholeInputGradient = new FloatMatrix(whole.inputRows(), batch);
    whole.backward(input, wholeOutput, upstream, wholeInputGradient, context);

    int parts = Math.min(3, spec.units());
    FloatMatrix summedInputGradient = new FloatMatrix(whole.inputRows(), batch);
    for (UnitRange range : UnitRange.split(spec.units(), parts)) {
      Layer slice = spec.bind(new LayerBinding(3, 99, range, blas));
      FloatMatrix sliceUpstream = outputRowsOf(spec, range, upstream, slice.outputRows());
      FloatMatrix sliceOutput = new FloatMatrix(slice.outputRows(), batch);
      slice.forward(input, sliceOutput, context);
      assertClose(outputRowsOf(spec, range, wholeOutput, slice.outputRows()), sliceOutput,
          spec.describe() + " output of units " + range);
      slice.backward(input, sliceOutput, sliceUpstream, summedInputGradient, context);
      for (int p = 0; p < slice.parameters().size(); p++) {
        Parameter part = slice.parameters().get(p);
        Parameter full = whole.parameters().get(p);
        assertEquals(full.kind(), part.kind());
        assertEquals(rows(full.value(), range.begin(), range.end()), part.value(),
            spec.describe() + " initial " + part.kind() + " of units " + range + " (must be bit-identical)");
        assertClose(rows(full.gradient(), range.begin(), range.end()), part.gradient(),
            spec.describe() + " " + part.kind() + " gradient of units " + range);
      }
    }
    assertClose(wholeInputGradient, summedInputGradient, spec.describe() + " summed partial input gradients");
  }

  /** The rows of a whole layer's output (or output gradient) that units {@code range} produce, in slice order. */
  static FloatMatrix outputRowsOf(LayerSpec spec, UnitRange range, FloatMatrix whole, int sliceRows) {
    FloatMatrix result = new FloatMatrix(sliceRows, whole.columns);
    for (int j = 0; j < whole.columns; j++) {
      for (int r = 0; r < sliceRows; r++) {
        result.data[j * sliceRows + r] = whole.data[j * whole.rows + spec.wholeOutputRow(range, r)];
      }
    }
    return result;
  }

  /** Rows [from, to) of a column-major matrix. */
  static FloatMatrix rows(FloatMatrix matrix, int from, int to) {
    FloatMatrix result = new FloatMatrix(to - from, matrix.columns);
    for (int j = 0; j < matrix.columns; j++) {
      System.arraycopy(matrix.data, j * matrix.rows + from, result.data, j * result.rows, to - from);
    }
    return result;
  }

  /** Equal up to float rounding: slices may sum in a different order than the whole GEMM. */
  static void assertClose(FloatMatrix expected, FloatMatrix actual, String what) {
    assertEquals(expected.rows, actual.rows, what + " rows");
    assertEquals(expected.columns, actual.columns, what + " columns");
    for (int i = 0; i < expected.data.length; i++) {
      float tolerance = 1e-5f * Math.max(1f, Math.abs(expected.data[i]));
      assertEquals(expected.data[i], actual.data[i], tolerance, what + " element " + i);
    }
  }
}
