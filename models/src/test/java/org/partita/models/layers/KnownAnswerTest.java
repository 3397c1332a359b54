package org.partita.models.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jblas.FloatMatrix;
import org.junit.jupiter.api.Test;
import org.partita.models.blas.Blas;

/** Forwards worked out by hand, and the errors a wrong shape produces. */
class KnownAnswerTest {
  private final Blas blas = Blas.get();

  @Test
  void denseComputesWxPlusBThenActivation() {
    Layer dense = new DenseSpec(2, 2, Activation.RELU).bind(LayerBinding.whole(0, 1, new DenseSpec(2, 2, Activation.RELU), blas));
    set(dense.parameters().get(0).value(), 1, -1, 2, 0.5f);   // W = [[1, 2], [-1, 0.5]] column-major
    set(dense.parameters().get(1).value(), 0.5f, -3);
    FloatMatrix x = new FloatMatrix(new float[][] {{1, -2}, {2, 4}});   // samples (1,2) and (-2,4)
    FloatMatrix y = new FloatMatrix(2, 2);
    dense.forward(x, y, BatchContext.inference());
    // sample 1: [1+4+0.5, -1+1-3] = [5.5, -3] → relu [5.5, 0]; sample 2: [-2+8+0.5, 2+2-3] = [6.5, 1]
    assertArrayEquals(new float[] {5.5f, 0f, 6.5f, 1f}, y.data);
  }

  @Test
  void convolutionWithPaddingAndStride() {
    // One 3×3 channel 1..9, one 2×2 all-ones filter, stride 1, no padding: sums of 2×2 blocks.
    Conv2DSpec spec = new Conv2DSpec(new Shape(1, 3, 3), 1, Window.square(2, 1, 0), Activation.IDENTITY);
    Layer conv = spec.bind(LayerBinding.whole(0, 1, spec, blas));
    java.util.Arrays.fill(conv.parameters().get(0).value().data, 1f);
    FloatMatrix x = new FloatMatrix(9, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    FloatMatrix y = new FloatMatrix(4, 1);
    conv.forward(x, y, BatchContext.inference());
    assertArrayEquals(new float[] {12, 16, 24, 28}, y.data);

    // Padding 1, stride 2, 3×3 all-ones filter: each of the four outputs covers one 2×2 corner block.
    Conv2DSpec padded = new Conv2DSpec(new Shape(1, 3, 3), 1, Window.square(3, 2, 1), Activation.IDENTITY);
    Layer conv2 = padded.bind(LayerBinding.whole(0, 1, padded, blas));
    java.util.Arrays.fill(conv2.parameters().get(0).value().data, 1f);
    FloatMatrix y2 = new FloatMatrix(4, 1);
    conv2.forward(x, y2, BatchContext.inference());
    assertArrayEquals(new float[] {12, 16, 24, 28}, y2.data);
  }

  @Test
  void maxPoolPicksEachWindowsMaximum() {
    MaxPool2DSpec spec = new MaxPool2DSpec(new Shape(1, 4, 4), Window.square(2, 2, 0));
    Layer pool = spec.bind(LayerBinding.whole(0, 1, spec, blas));
    FloatMatrix x = new FloatMatrix(16, 1, 1, 2, 5, 6, 3, 4, 7, 8, -1, -2, 0, 0, -3, -4, 0, 9);
    FloatMatrix y = new FloatMatrix(4, 1);
    pool.forward(x, y, BatchContext.inference());
    assertArrayEquals(new float[] {4, 8, -1, 9}, y.data);
  }

  @Test
  void dropoutIsIdentityInInferenceAndKeepsExpectedFractionInTraining() {
    DropoutSpec spec = new DropoutSpec(Shape.vector(1000), 0.3f);
    Layer dropout = spec.bind(LayerBinding.whole(4, 5, spec, blas));
    FloatMatrix x = FloatMatrix.ones(1000, 8);
    FloatMatrix y = new FloatMatrix(1000, 8);
    dropout.forward(x, y, BatchContext.inference());
    assertEquals(x, y);
    dropout.forward(x, y, BatchContext.training(3));
    int kept = 0;
    for (float value : y.data) {
      assertTrue(value == 0f || Math.abs(value - 1f / 0.7f) < 1e-6, "value " + value);
      kept += value == 0f ? 0 : 1;
    }
    assertEquals(0.7, kept / 8000.0, 0.02);
  }

  @Test
  void wrongInputShapeNamesTheLayer() {
    DenseSpec spec = new DenseSpec(4, 3, Activation.TANH);
    Layer dense = spec.bind(LayerBinding.whole(6, 1, spec, blas));
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> dense.forward(new FloatMatrix(5, 2), new FloatMatrix(3, 2), BatchContext.inference()));
    assertEquals("layer 6 (Dense 4→3 tanh): input has 5 rows, expected 4", error.getMessage());
  }

  private static void set(FloatMatrix matrix, float... values) {
    System.arraycopy(values, 0, matrix.data, 0, values.length);
  }
}
