package org.partita.models.layers;

import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.blas.Parallel;

/**
 * Channels [a, b) of max pooling. The gradient of a window goes to its winner: the first input
 * equal to the maximum, in row-major window order. Backward finds the winners again from the input
 * and the output; for the common 2×2, stride 2, unpadded windows forward also records them (a byte
 * per output), and backward called with forward's input buffer and context reads those instead of
 * each window's four inputs and its output (20 bytes).
 */
final class MaxPool2DLayer extends BoundLayer {
  private final MaxPool2DSpec spec;
  private final Geometry geometry;
  /** 2×2 windows tiling the input, and every channel bound: backward sets all of the input gradient. */
  private final boolean assigns;
  private byte[] winners = new byte[0];
  private FloatMatrix winnersInput;
  private BatchContext winnersContext;
  private int winnersColumns;

  MaxPool2DLayer(MaxPool2DSpec spec, LayerBinding binding) {
    super(spec, binding);
    this.spec = spec;
    Shape in = spec.input();
    Shape out = spec.outputShape();
    Window w = spec.window();
    this.geometry = new Geometry(in.height(), in.width(), in.positions(), in.size(), out.height(), out.width(),
        out.positions(), outputRows(), w.height(), w.width(), w.stride(), w.padding());
    this.assigns = geometry.isPlainTwoByTwo() && in.height() % 2 == 0 && in.width() % 2 == 0
        && units().begin() == 0 && units().end() == in.channels();
  }

  @Override
  public boolean assignsInputGradient() {
    return assigns;
  }

  @Override
  public MaxPool2DSpec spec() {
    return spec;
  }

  @Override
  public List<Parameter> parameters() {
    return List.of();
  }

  // input (C·H·W × B), output (F·outH·outW × B) for channels [a, b)
  @Override
  public void forward(FloatMatrix input, FloatMatrix output, BatchContext context) {
    checkForward(input, output);
    Geometry g = geometry;
    winnersInput = null;
    if (g.isPlainTwoByTwo() && winners.length < output.data.length) {
      winners = new byte[output.data.length];
    }
    Parallel.forRange(input.columns, (long) outputRows() * g.windowH * g.windowW,
        (first, end) -> forwardSamples(input.data, output.data, first, end));
    if (g.isPlainTwoByTwo()) {
      winnersInput = input;
      winnersContext = context;
      winnersColumns = input.columns;
    }
  }

  private void forwardSamples(float[] x, float[] y, int first, int end) {
    Geometry g = geometry;
    for (int s = first; s < end; s++) {
      for (int c = units().begin(); c < units().end(); c++) {
        int inBase = s * g.inputSize + c * g.inPositions;
        int outBase = s * g.outputSize + (c - units().begin()) * g.outPositions;
        if (g.isPlainTwoByTwo()) {
          forwardTwoByTwo(x, inBase, y, outBase, winners);
          continue;
        }
        for (int oh = 0; oh < g.outH; oh++) {
          int rowFrom = Math.max(0, oh * g.stride - g.padding);
          int rowTo = Math.min(g.inH, oh * g.stride - g.padding + g.windowH);
          for (int ow = 0; ow < g.outW; ow++) {
            int columnFrom = Math.max(0, ow * g.stride - g.padding);
            int columnTo = Math.min(g.inW, ow * g.stride - g.padding + g.windowW);
            // Math.max is branch-free and propagates NaN, so the loss check downstream sees it.
            float max = Float.NEGATIVE_INFINITY;
            for (int ih = rowFrom; ih < rowTo; ih++) {
              int row = inBase + ih * g.inW;
              for (int iw = columnFrom; iw < columnTo; iw++) {
                max = Math.max(max, x[row + iw]);
              }
            }
            y[outBase + oh * g.outW + ow] = max;
          }
        }
      }
    }
  }

  // input (C·H·W × B); output and outputGradient (F·outH·outW × B); inputGradient (C·H·W × B) or null
  // The gradient goes to the first input of each window (row-major) equal to the window's output.
  @Override
  public void backward(FloatMatrix input, FloatMatrix output, FloatMatrix outputGradient, FloatMatrix inputGradient,
      BatchContext context) {
    checkBackward(input, output, outputGradient, inputGradient);
    if (inputGradient == null) {
      return;
    }
    Geometry g = geometry;
    boolean recorded = input == winnersInput && context.equals(winnersContext) && input.columns == winnersColumns;
    Parallel.forRange(input.columns, (long) outputRows() * g.windowH * g.windowW,
        (first, end) -> backwardSamples(input.data, output.data, outputGradient.data, inputGradient.data, recorded,
            first, end));
  }

  private void backwardSamples(float[] x, float[] y, float[] dy, float[] dx, boolean recorded, int first, int end) {
    Geometry g = geometry;
    for (int s = first; s < end; s++) {
      for (int c = units().begin(); c < units().end(); c++) {
        int inBase = s * g.inputSize + c * g.inPositions;
        int outBase = s * g.outputSize + (c - units().begin()) * g.outPositions;
        if (recorded) {
          backwardFromWinners(inBase, dy, outBase, dx);
          continue;
        }
        if (g.isPlainTwoByTwo()) {
          backwardTwoByTwo(x, inBase, y, dy, outBase, dx);
          continue;
        }
        for (int oh = 0; oh < g.outH; oh++) {
          int rowFrom = Math.max(0, oh * g.stride - g.padding);
          int rowTo = Math.min(g.inH, oh * g.stride - g.padding + g.windowH);
          for (int ow = 0; ow < g.outW; ow++) {
            int columnFrom = Math.max(0, ow * g.stride - g.padding);
            int columnTo = Math.min(g.inW, ow * g.stride - g.padding + g.windowW);
            int o = outBase + oh * g.outW + ow;
            int winner = firstEqual(x, inBase, y[o], rowFrom, rowTo, columnFrom, columnTo);
            dx[winner] += dy[o];
          }
        }
      }
    }
  }

  /**
   * The common 2×2, stride 2, unpadded pooling of one channel, unrolled: generic loops with trip
   * count 2 cost several times more than the comparisons themselves. Records each window's winner,
   * 0 to 3 in row-major order, in {@code won}.
   */
  private void forwardTwoByTwo(float[] x, int inBase, float[] y, int outBase, byte[] won) {
    Geometry g = geometry;
    for (int oh = 0; oh < g.outH; oh++) {
      int top = inBase + 2 * oh * g.inW;
      int bottom = top + g.inW;
      int out = outBase + oh * g.outW;
      for (int ow = 0; ow < g.outW; ow++) {
        int a = top + 2 * ow;
        int c = bottom + 2 * ow;
        float max = Math.max(Math.max(x[a], x[a + 1]), Math.max(x[c], x[c + 1]));
        y[out + ow] = max;
        // Masks instead of branches: which of the four wins is unpredictable on real data.
        int isA = sameMask(x[a], max);
        int isB = sameMask(x[a + 1], max) & ~isA;
        int isC = sameMask(x[c], max) & ~isA & ~isB;
        int isD = ~(isA | isB | isC);
        won[out + ow] = (byte) ((1 & isB) | (2 & isC) | (3 & isD));
      }
    }
  }

  /** Backward of one channel from the winners {@link #forwardTwoByTwo} recorded. */
  private void backwardFromWinners(int inBase, float[] dy, int outBase, float[] dx) {
    Geometry g = geometry;
    byte[] won = winners;
    for (int oh = 0; oh < g.outH; oh++) {
      int top = inBase + 2 * oh * g.inW;
      int bottom = top + g.inW;
      int out = outBase + oh * g.outW;
      for (int ow = 0; ow < g.outW; ow++) {
        int winner = won[out + ow];
        int a = top + 2 * ow;
        int c = bottom + 2 * ow;
        if (assigns) {
          int bits = Float.floatToRawIntBits(dy[out + ow]);
          dx[a] = Float.intBitsToFloat(bits & isWinner(winner, 0));
          dx[a + 1] = Float.intBitsToFloat(bits & isWinner(winner, 1));
          dx[c] = Float.intBitsToFloat(bits & isWinner(winner, 2));
          dx[c + 1] = Float.intBitsToFloat(bits & isWinner(winner, 3));
        } else {
          dx[(winner < 2 ? a : c) + (winner & 1)] += dy[out + ow];
        }
      }
    }
  }

  /** All ones when {@code winner} is {@code k}, else zero, without a branch. */
  private static int isWinner(int winner, int k) {
    return ((winner ^ k) - 1) >> 31;
  }

  /** Backward of {@link #forwardTwoByTwo} without its record: each window's winner found again. */
  private void backwardTwoByTwo(float[] x, int inBase, float[] y, float[] dy, int outBase, float[] dx) {
    Geometry g = geometry;
    for (int oh = 0; oh < g.outH; oh++) {
      int top = inBase + 2 * oh * g.inW;
      int bottom = top + g.inW;
      int out = outBase + oh * g.outW;
      for (int ow = 0; ow < g.outW; ow++) {
        int left = 2 * ow;
        float max = y[out + ow];
        // Masks instead of branches: which of the four wins is unpredictable on real data, and
        // the JIT turns only this form into selects (B = 128 of the CNN's first pooling: 12.7 → 3.7 ms).
        int a = top + left;
        int b = a + 1;
        int c = bottom + left;
        int isA = sameMask(x[a], max);
        int isB = sameMask(x[b], max) & ~isA;
        int isC = sameMask(x[c], max) & ~isA & ~isB;
        int isD = ~(isA | isB | isC);
        if (assigns) {
          int bits = Float.floatToRawIntBits(dy[out + ow]);
          dx[a] = Float.intBitsToFloat(bits & isA);
          dx[b] = Float.intBitsToFloat(bits & isB);
          dx[c] = Float.intBitsToFloat(bits & isC);
          dx[c + 1] = Float.intBitsToFloat(bits & isD);
        } else {
          int winner = (a & isA) | (b & isB) | (c & isC) | ((c + 1) & isD);
          dx[winner] += dy[out + ow];
        }
      }
    }
  }

  /** Equal, or both NaN (a NaN maximum came from a NaN input). */
  private static boolean same(float value, float max) {
    return value == max || (value != value && max != max);
  }

  /** {@link #same} as all ones or zero, computed without a branch. */
  private static int sameMask(float value, float max) {
    return (value == max) | (value != value & max != max) ? -1 : 0;
  }

  private int firstEqual(float[] x, int base, float max, int rowFrom, int rowTo, int columnFrom, int columnTo) {
    int width = geometry.inW;
    for (int ih = rowFrom; ih < rowTo; ih++) {
      int row = base + ih * width;
      for (int iw = columnFrom; iw < columnTo; iw++) {
        float value = x[row + iw];
        if (same(value, max)) {
          return row + iw;
        }
      }
    }
    throw new IllegalStateException(name() + ": output " + max + " is not in its window; backward was given an "
        + "output that forward did not compute from this input");
  }

  /** Sizes, computed once: the hot loops read plain fields instead of rebuilding shapes. */
  private record Geometry(int inH, int inW, int inPositions, int inputSize, int outH, int outW, int outPositions,
      int outputSize, int windowH, int windowW, int stride, int padding) {
    boolean isPlainTwoByTwo() {
      return windowH == 2 && windowW == 2 && stride == 2 && padding == 0;
    }
  }
}
