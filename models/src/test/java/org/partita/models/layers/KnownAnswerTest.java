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

  /**
   * Same-size convolutions (unit stride, output the input's size) take the shifted-run im2col and
   * col2im; their padding cells must read and receive nothing. A strided one takes the general
   * im2col. Forward, input, weight and bias gradients against a direct convolution, on a
   * non-square image with several samples so that a run reaching past a row, a channel or a sample
   * would show; each also in chunks of 1 and 2 samples (the last one ragged), and as a model's
   * first layer (no input gradient: backward in one pass per chunk).
   */
  @Test
  void convolutionMatchesDirectConvolutionInChunks() {
    int[][] windows = {{1, 1, 0}, {3, 1, 1}, {5, 1, 2}, {3, 2, 1}};
    for (int[] window : windows) {
      for (int chunk : new int[] {3, 2, 1}) {
        for (boolean first : new boolean[] {false, true}) {
          checkAgainstDirectConvolution(window[0], window[1], window[2], chunk, first);
        }
      }
    }
  }

  private void checkAgainstDirectConvolution(int kernel, int stride, int pad, int chunk, boolean firstLayer) {
    int channels = 2;
    int height = 5;
    int width = 6;
    int filters = 3;
    int batch = 3;
    Conv2DSpec spec = new Conv2DSpec(new Shape(channels, height, width), filters, Window.square(kernel, stride, pad),
        Activation.IDENTITY);
    int outH = spec.outputShape().height();
    int outW = spec.outputShape().width();
    Conv2DLayer conv = (Conv2DLayer) spec.bind(LayerBinding.whole(0, 2, spec, blas));
    int scratch = chunk * outH * outW * (2 * channels * kernel * kernel + filters);
    conv.scratchFloats(scratch);
    assertEquals(chunk, spec.samplesPerChunk(filters, batch, scratch));
    String what = spec.describe() + ", chunks of " + chunk + (firstLayer ? ", first layer" : "");
    FloatMatrix w = conv.parameters().get(0).value();
    java.util.SplittableRandom random = new java.util.SplittableRandom(kernel);
    for (int i = 0; i < w.data.length; i++) {
      w.data[i] = (float) random.nextDouble(-1, 1);
    }
    int inputSize = channels * height * width;
    int outputSize = filters * outH * outW;
    FloatMatrix x = new FloatMatrix(inputSize, batch);
    FloatMatrix dy = new FloatMatrix(outputSize, batch);
    for (int i = 0; i < x.data.length; i++) {
      x.data[i] = (float) random.nextDouble(-1, 1);
    }
    for (int i = 0; i < dy.data.length; i++) {
      dy.data[i] = (float) random.nextDouble(-1, 1);
    }
    FloatMatrix y = new FloatMatrix(outputSize, batch);
    FloatMatrix dx = new FloatMatrix(inputSize, batch);
    conv.forward(x, y, BatchContext.training(1));
    conv.backward(x, y, dy, firstLayer ? null : dx, BatchContext.training(1));

    double[] expectedY = new double[y.data.length];
    double[] expectedDx = new double[dx.data.length];
    double[] expectedDw = new double[w.data.length];
    double[] expectedDb = new double[filters];
    for (int s = 0; s < batch; s++) {
      for (int f = 0; f < filters; f++) {
        for (int oh = 0; oh < outH; oh++) {
          for (int ow = 0; ow < outW; ow++) {
            int out = s * outputSize + (f * outH + oh) * outW + ow;
            expectedDb[f] += dy.data[out];
            for (int c = 0; c < channels; c++) {
              for (int ki = 0; ki < kernel; ki++) {
                for (int kj = 0; kj < kernel; kj++) {
                  int ih = oh * stride + ki - pad;
                  int iw = ow * stride + kj - pad;
                  if (ih < 0 || ih >= height || iw < 0 || iw >= width) {
                    continue;
                  }
                  int in = s * inputSize + (c * height + ih) * width + iw;
                  int weight = f + filters * ((c * kernel + ki) * kernel + kj);
                  expectedY[out] += w.data[weight] * x.data[in];
                  expectedDx[in] += w.data[weight] * dy.data[out];
                  expectedDw[weight] += dy.data[out] * x.data[in];
                }
              }
            }
          }
        }
      }
    }
    assertClose(what + ": output", expectedY, y.data);
    if (!firstLayer) {
      assertClose(what + ": input gradient", expectedDx, dx.data);
    }
    assertClose(what + ": weight gradient", expectedDw, conv.parameters().get(0).gradient().data);
    assertClose(what + ": bias gradient", expectedDb, conv.parameters().get(1).gradient().data);
  }

  /**
   * A shard interleaves micro-batches: forwards of several, then their backwards in either order
   * (GPipe), or forwards and backwards alternating (1F1B). Each backward must use its own
   * micro-batch's patches, whether the layer kept them from forward or built them again.
   */
  @Test
  void convolutionBackwardAfterOtherMicroBatchesForwards() {
    Conv2DSpec spec = new Conv2DSpec(new Shape(2, 5, 6), 3, Window.square(3, 1, 1), Activation.RELU);
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    FloatMatrix[] x = new FloatMatrix[3];
    FloatMatrix[] dy = new FloatMatrix[3];
    for (int m = 0; m < 3; m++) {
      x[m] = new FloatMatrix(spec.inputShape().size(), 3);
      dy[m] = new FloatMatrix(spec.outputShape().size(), 3);
      for (int i = 0; i < x[m].data.length; i++) {
        x[m].data[i] = (float) random.nextDouble(-1, 1);
      }
      for (int i = 0; i < dy[m].data.length; i++) {
        dy[m].data[i] = (float) random.nextDouble(-1, 1);
      }
    }
    int[][] orders = {{0, 1, 2, 0, 1, 2}, {0, 1, 2, 2, 1, 0}, {0, 1, 0, 2, 1, 2}};
    for (int chunk : new int[] {0, 1}) {
      float[][] expected = null;
      for (int[] order : orders) {
        Conv2DLayer conv = (Conv2DLayer) spec.bind(LayerBinding.whole(0, 2, spec, blas));
        if (chunk > 0) {
          conv.scratchFloats(chunk * spec.outputShape().positions() * (2 * spec.patchSize() + 3));
        }
        FloatMatrix[] y = new FloatMatrix[3];
        FloatMatrix[] dx = new FloatMatrix[3];
        boolean[] forwarded = new boolean[3];
        for (int m : order) {
          BatchContext context = new BatchContext(1, 3 * m, Phase.TRAIN);
          if (!forwarded[m]) {
            y[m] = new FloatMatrix(spec.outputShape().size(), 3);
            conv.forward(x[m], y[m], context);
            forwarded[m] = true;
          } else {
            dx[m] = new FloatMatrix(spec.inputShape().size(), 3);
            conv.backward(x[m], y[m], dy[m], dx[m], context);
          }
        }
        float[][] got = {conv.parameters().get(0).gradient().data, conv.parameters().get(1).gradient().data,
            dx[0].data, dx[1].data, dx[2].data};
        if (expected == null) {
          expected = got;
        }
        // The weight gradient sums the micro-batches in backward order: equal up to rounding.
        for (int k = 0; k < got.length; k++) {
          for (int i = 0; i < got[k].length; i++) {
            assertEquals(expected[k][i], got[k][i], 1e-5 * (1 + Math.abs(expected[k][i])), "order "
                + java.util.Arrays.toString(order) + ", chunk " + chunk + ", gradient " + k + " [" + i + "]");
          }
        }
      }
    }
  }

  private static void assertClose(String what, double[] expected, float[] actual) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-5 * (1 + Math.abs(expected[i])), what + " [" + i + "]");
    }
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

  /**
   * 2×2 pooling backward, whether it reads the winners forward recorded (same input buffer and
   * context) or finds them again, gives each window's gradient to its first maximal input and
   * nothing to the rest. Ties are frequent (inputs drawn from five values). A whole binding of an
   * even-sized image assigns the whole input gradient, whatever the buffer held; a channel slice,
   * or an odd-sized image whose last row and column no window covers, adds into it.
   */
  @Test
  void maxPoolBackwardGivesEachWindowsGradientToItsFirstMaximum() {
    int batch = 3;
    for (int[] shape : new int[][] {{3, 4, 6, 0, 3}, {3, 5, 7, 0, 3}, {3, 4, 6, 1, 3}}) {
      int channels = shape[0];
      int height = shape[1];
      int width = shape[2];
      MaxPool2DSpec spec = new MaxPool2DSpec(new Shape(channels, height, width), Window.square(2, 2, 0));
      UnitRange units = new UnitRange(shape[3], shape[4]);
      Layer pool = spec.bind(new LayerBinding(0, 1, units, blas));
      boolean whole = units.size() == channels;
      assertEquals(whole && height % 2 == 0 && width % 2 == 0, pool.assignsInputGradient(), spec.describe());
      java.util.SplittableRandom random = new java.util.SplittableRandom(height * width);
      FloatMatrix x = new FloatMatrix(channels * height * width, batch);
      for (int i = 0; i < x.data.length; i++) {
        x.data[i] = random.nextInt(5);
      }
      int outH = height / 2;
      int outW = width / 2;
      FloatMatrix y = new FloatMatrix(pool.outputRows(), batch);
      FloatMatrix dy = new FloatMatrix(pool.outputRows(), batch);
      for (int i = 0; i < dy.data.length; i++) {
        dy.data[i] = (float) random.nextDouble(-1, 1);
      }
      float before = pool.assignsInputGradient() ? 7f : 0.25f;
      float[] expected = new float[x.data.length];
      java.util.Arrays.fill(expected, pool.assignsInputGradient() ? 0f : before);
      for (int s = 0; s < batch; s++) {
        for (int c = units.begin(); c < units.end(); c++) {
          for (int oh = 0; oh < outH; oh++) {
            for (int ow = 0; ow < outW; ow++) {
              int out = s * pool.outputRows() + ((c - units.begin()) * outH + oh) * outW + ow;
              int winner = -1;
              for (int k = 0; k < 4; k++) {
                int in = s * x.rows + (c * height + 2 * oh + k / 2) * width + 2 * ow + k % 2;
                if (winner < 0 || x.data[in] > x.data[winner]) {
                  winner = in;
                }
              }
              expected[winner] += dy.data[out];
            }
          }
        }
      }
      for (boolean recorded : new boolean[] {true, false}) {
        pool.forward(x, y, BatchContext.training(4));
        FloatMatrix dx = new FloatMatrix(x.rows, batch);
        java.util.Arrays.fill(dx.data, before);
        pool.backward(x, y, dy, dx, recorded ? BatchContext.training(4) : BatchContext.training(5));
        assertArrayEquals(expected, dx.data, spec.describe() + " channels " + units + (recorded ? ", recorded" : ""));
      }
    }
  }

  /**
   * 2×2/2 windows over a 3×5 channel (the last row and column in no window) and global pooling:
   * means forward, and backward a quarter (a fifteenth) of each output's gradient to each input of
   * its window, nothing to the uncovered ones, added to what the buffer held.
   */
  @Test
  void averagePoolTakesEachWindowsMeanAndSpreadsItsGradient() {
    Shape channel = new Shape(1, 3, 5);
    FloatMatrix x = new FloatMatrix(15, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    AvgPool2DSpec windowed = new AvgPool2DSpec(channel, Window.square(2, 2, 0));
    assertEquals("AvgPool2D 1×3×5→1×1×2 2×2/2", windowed.describe());
    Layer pool = windowed.bind(LayerBinding.whole(0, 1, windowed, blas));
    FloatMatrix y = new FloatMatrix(2, 1);
    pool.forward(x, y, BatchContext.inference());
    assertArrayEquals(new float[] {(1 + 2 + 6 + 7) / 4f, (3 + 4 + 8 + 9) / 4f}, y.data);
    FloatMatrix dx = FloatMatrix.ones(15, 1);
    pool.backward(x, y, new FloatMatrix(2, 1, 4, -8), dx, BatchContext.inference());
    assertArrayEquals(new float[] {2, 2, -1, -1, 1, 2, 2, -1, -1, 1, 1, 1, 1, 1, 1}, dx.data);

    AvgPool2DSpec global = AvgPool2DSpec.global(channel);
    assertEquals("GlobalAvgPool 1×3×5→1", global.describe());
    assertEquals(Shape.vector(1), global.outputShape());
    Layer globalPool = global.bind(LayerBinding.whole(0, 1, global, blas));
    FloatMatrix mean = new FloatMatrix(1, 1);
    globalPool.forward(x, mean, BatchContext.inference());
    assertArrayEquals(new float[] {8}, mean.data);
    FloatMatrix spread = new FloatMatrix(15, 1);
    globalPool.backward(x, mean, new FloatMatrix(1, 1, 3), spread, BatchContext.inference());
    for (float value : spread.data) {
      assertEquals(0.2f, value, 1e-7f);
    }
    assertThrows(IllegalArgumentException.class, () -> new AvgPool2DSpec(channel, Window.square(2, 2, 1)));
  }

  /**
   * One input, one unit, two steps, every weight and bias distinct so that a swapped gate or bias
   * shows. Step 0 from h = 0: r = σ(1·1) = 0.7311, z = σ(−1·1 + 0.5) = 0.3775,
   * n = tanh(2·1 − 0.5 + r·(−1·0 + 1)) = 0.9772, h = (1 − z)·n = 0.6083. PyTorch's nn.GRU with
   * these weights (b_ih = [0, 0.5, −0.5], b_hh = [0, 0, 1]) gives 0.608259, 0.509613.
   */
  @Test
  void gruFollowsPyTorchsEquations() {
    GruSpec spec = new GruSpec(1, 1, 2, true);
    assertEquals("GRU 1→1 ×2 seq", spec.describe());
    Layer gru = spec.bind(LayerBinding.whole(0, 1, spec, blas));
    // weights 3×2, column-major: input column (r, z, n), then recurrent column
    set(gru.parameters().get(0).value(), 1, -1, 2, 0.5f, 2, -1);
    set(gru.parameters().get(1).value(), 0, 0.5f, -0.5f, 1);   // b_r, b_z, b_in, b_hn
    FloatMatrix y = new FloatMatrix(2, 1);
    gru.forward(new FloatMatrix(2, 1, 1, -1), y, BatchContext.inference());
    double r = 1 / (1 + Math.exp(-1));
    double z = 1 / (1 + Math.exp(0.5));
    double n = Math.tanh(1.5 + r);
    assertEquals((1 - z) * n, y.data[0], 1e-6);
    assertEquals(0.608259409, y.data[0], 1e-6);
    assertEquals(0.509613311, y.data[1], 1e-6);
  }

  /**
   * A 3-token table of 2-vectors over 3 steps: forward looks each step's token up, time-major;
   * backward adds each step's gradient into its token's column, so token 2, seen twice, gets the
   * sum and the unseen token 1 nothing. Ids outside the vocabulary or between integers are refused
   * with the sample, the step and the value; only a model's first layer may be an embedding.
   */
  @Test
  void embeddingLooksTokensUpAndSumsTheirGradients() {
    EmbeddingSpec spec = new EmbeddingSpec(3, 2, 3);
    assertEquals("Embedding 3→2 ×3", spec.describe());
    assertEquals(new Shape(3, 2, 1), spec.outputShape());
    Layer embedding = spec.bind(LayerBinding.whole(0, 1, spec, blas));
    set(embedding.parameters().get(0).value(), 1, 10, 2, 20, 3, 30);   // column v = (v + 1, 10·(v + 1))
    FloatMatrix tokens = new FloatMatrix(3, 1, 2, 0, 2);
    FloatMatrix y = new FloatMatrix(6, 1);
    embedding.forward(tokens, y, BatchContext.training(1));
    assertArrayEquals(new float[] {3, 30, 1, 10, 3, 30}, y.data);
    embedding.backward(tokens, y, new FloatMatrix(6, 1, 1, 2, 3, 4, 5, 6), null, BatchContext.training(1));
    assertArrayEquals(new float[] {3, 4, 0, 0, 6, 8}, embedding.parameters().get(0).gradient().data);

    for (float bad : new float[] {3, -1, 1.5f, Float.NaN}) {
      FloatMatrix twoSamples = new FloatMatrix(3, 2, 0, 1, 2, 1, 0, bad);
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
          () -> embedding.forward(twoSamples, new FloatMatrix(6, 2), new BatchContext(1, 4, Phase.TRAIN)));
      assertEquals("layer 0 (Embedding 3→2 ×3): sample 5 of the batch, time step 2 holds " + bad
          + "; token ids must be integers in [0, 3)", refused.getMessage());
    }
    IllegalArgumentException notFirst = assertThrows(IllegalArgumentException.class,
        () -> new org.partita.models.network.ModelSpec("late", Shape.vector(3), java.util.List.of(
            new DenseSpec(3, 3, Activation.RELU), spec), org.partita.models.loss.Loss.MEAN_SQUARED_ERROR, 1));
    assertTrue(notFirst.getMessage().contains("layer 1 (Embedding 3→2 ×3) must be the first layer"),
        notFirst.getMessage());
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
