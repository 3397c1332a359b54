package org.partita.models.layers;

import java.util.Arrays;
import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.blas.Parallel;
import org.partita.models.blas.Transpose;

/**
 * Output channels [a, b) of a convolution, via im2col and GEMMs over chunks of samples.
 *
 * <p>Layouts (P = outH·outW positions, K = C·kh·kw, F = this slice's channels, n = a chunk's
 * samples): a chunk's patch matrix A is (P·n) × K column-major, row p + s·P holding the chunk's
 * sample s's patch at position p; Z = A·Wᵀ is (P·n) × F; the output column of a sample is
 * channel-major F×P, i.e. Z's rows of the sample transposed into place. Rearranging costs one
 * pass over the output, against 2·K flops per output element for the GEMM.
 *
 * <p>Chunks ({@link Conv2DSpec#samplesPerChunk}) keep A, Z and their gradients in the cache on
 * one thread; whole batches streamed them through memory. Backward builds each chunk's patches
 * again, unless the whole batch was one chunk and forward's are still there. The loops around
 * the GEMMs run on {@link Parallel} over a chunk's samples (or channels), each element written by
 * one thread, so results do not depend on the thread count.
 */
final class Conv2DLayer extends BoundLayer {
  private final Conv2DSpec spec;
  private final Parameter weights;
  private final Parameter bias;
  private final Geometry g;
  private final Scratch patches = new Scratch();
  private final Scratch product = new Scratch();
  private final Scratch patchGradient = new Scratch();
  /** Tests: scratch per chunk whatever the thread count; 0 for {@link Conv2DSpec#samplesPerChunk}'s rule. */
  private int scratchFloats;
  private FloatMatrix patchesInput;
  private BatchContext patchesContext;

  Conv2DLayer(Conv2DSpec spec, LayerBinding binding) {
    super(spec, binding);
    this.spec = spec;
    this.g = new Geometry(spec);
    UnitRange units = binding.units();
    this.weights = Parameter.zeros(binding.layerIndex(), ParameterKind.WEIGHTS, units, units.size(), g.patch);
    this.bias = Parameter.zeros(binding.layerIndex(), ParameterKind.BIAS, units, units.size(), 1);
    initializeWeights(weights, spec.activation(), g.patch,
        spec.filters() * spec.window().height() * spec.window().width());
  }

  @Override
  public Conv2DSpec spec() {
    return spec;
  }

  @Override
  public List<Parameter> parameters() {
    return List.of(weights, bias);
  }

  /** Tests: a smaller chunk budget, so that small batches run in several chunks. */
  void scratchFloats(int floats) {
    scratchFloats = floats;
  }

  private int samplesPerChunk(int batch) {
    int units = units().size();
    return scratchFloats > 0 ? spec.samplesPerChunk(units, batch, scratchFloats) : spec.samplesPerChunk(units, batch);
  }

  // input (C·H·W × B), output (F·P × B)
  @Override
  public void forward(FloatMatrix input, FloatMatrix output, BatchContext context) {
    checkForward(input, output);
    int batch = input.columns;
    int channels = units().size();
    int chunk = samplesPerChunk(batch);
    float[] a = patches.atLeast(g.positions * chunk * g.patch);
    float[] z = product.atLeast(g.positions * chunk * channels);
    float[] y = output.data;
    float[] b = bias.value().data;
    int sampleRows = channels * g.positions;
    for (int first = 0; first < batch; first += chunk) {
      int origin = first;
      int count = Math.min(chunk, batch - first);
      int rows = g.positions * count;
      gatherChunk(input, context, a, origin, count);
      // Z (P·n × F) = A (P·n × K) · W_sᵀ (K × F)
      blas.gemm(Transpose.NO, Transpose.YES, rows, channels, g.patch, 1f,
          a, 0, rows, weights.value().data, 0, channels, 0f, z, 0, rows);
      Parallel.forRange(count, 2L * sampleRows, (from, to) -> {
        for (int s = from; s < to; s++) {
          int outputBase = (origin + s) * sampleRows;
          for (int f = 0; f < channels; f++) {
            int source = s * g.positions + f * rows;
            int target = outputBase + f * g.positions;
            float bf = b[f];
            for (int p = 0; p < g.positions; p++) {
              y[target + p] = z[source + p] + bf;
            }
          }
          spec.activation().apply(y, outputBase, outputBase + sampleRows);
        }
      });
    }
  }

  // input (C·H·W × B); output, outputGradient (F·P × B); inputGradient (C·H·W × B) or null
  @Override
  public void backward(FloatMatrix input, FloatMatrix output, FloatMatrix outputGradient, FloatMatrix inputGradient,
      BatchContext context) {
    backward(input, output, outputGradient, inputGradient, context, () -> { });
  }

  /**
   * dX first, so that a shard can send it while dW is computed: with an input gradient, a first
   * pass over the chunks computes each one's pre-activation gradient D (kept for the whole batch),
   * bias gradient and dX, and a second pass rebuilds the patches for dW. Without one (a model's
   * first layer), one pass does all of a chunk while it is in the cache.
   */
  @Override
  public void backward(FloatMatrix input, FloatMatrix output, FloatMatrix outputGradient, FloatMatrix inputGradient,
      BatchContext context, Runnable inputGradientReady) {
    checkBackward(input, output, outputGradient, inputGradient);
    int batch = input.columns;
    int channels = units().size();
    int chunk = samplesPerChunk(batch);
    boolean twoPasses = inputGradient != null;
    float[] d = product.atLeast(g.positions * (twoPasses ? batch : chunk) * channels);
    float[] a = patches.atLeast(g.positions * chunk * g.patch);
    for (int first = 0; first < batch; first += chunk) {
      int count = Math.min(chunk, batch - first);
      int rows = g.positions * count;
      int dOffset = twoPasses ? first * g.positions * channels : 0;
      preActivationGradient(output, outputGradient, d, dOffset, first, count);
      if (twoPasses) {
        float[] da = patchGradient.atLeast(rows * g.patch);
        // dA (P·n × K) = D (P·n × F) · W_s (F × K)
        blas.gemm(Transpose.NO, Transpose.NO, rows, g.patch, channels, 1f,
            d, dOffset, rows, weights.value().data, 0, channels, 0f, da, 0, rows);
        int origin = first;
        Parallel.forRange(count, g.patch * (long) g.positions,
            (from, to) -> scatterPatches(da, inputGradient.data, rows, origin, origin + from, origin + to));
      } else {
        addWeightGradient(input, context, a, d, dOffset, first, count);
      }
    }
    inputGradientReady.run();
    for (int first = 0; twoPasses && first < batch; first += chunk) {
      addWeightGradient(input, context, a, d, first * g.positions * channels, first, Math.min(chunk, batch - first));
    }
  }

  /**
   * D (P·n × F) of samples [first, first + count), written straight in the GEMM layout at
   * {@code offset} (through a temporary in the output's layout, the CNN's first layer moved
   * 12.8 MB more per batch of 64), and its column sums added to the bias gradient.
   */
  private void preActivationGradient(FloatMatrix output, FloatMatrix outputGradient, float[] d, int offset, int first,
      int count) {
    int channels = units().size();
    int sampleRows = channels * g.positions;
    int rows = g.positions * count;
    Parallel.forRange(count, 2L * sampleRows, (from, to) -> {
      for (int s = from; s < to; s++) {
        for (int f = 0; f < channels; f++) {
          spec.activation().backward(output.data, outputGradient.data, (first + s) * sampleRows + f * g.positions, d,
              offset + s * g.positions + f * rows, g.positions);
        }
      }
    });
    float[] db = bias.gradient().data;
    Parallel.forRange(channels, rows, (from, to) -> {
      for (int f = from; f < to; f++) {
        db[f] += sum(d, offset + f * rows, offset + (f + 1) * rows);
      }
    });
  }

  /**
   * dW_s (F × K) += Dᵀ (F × P·n) · A (P·n × K) for the chunk of samples [first, first + count).
   * When forward built the whole batch's patches from this very buffer for this very batch
   * (training steps differ in their context, so a reused buffer cannot hit stale patches), they
   * are still in {@code a}.
   */
  private void addWeightGradient(FloatMatrix input, BatchContext context, float[] a, float[] d, int dOffset, int first,
      int count) {
    int rows = g.positions * count;
    if (!(count == input.columns && input == patchesInput && context.equals(patchesContext))) {
      gatherChunk(input, context, a, first, count);
    }
    blas.gemm(Transpose.YES, Transpose.NO, units().size(), g.patch, rows, 1f,
        d, dOffset, rows, a, 0, rows, 1f, weights.gradient().data, 0, units().size());
  }

  /**
   * im2col of samples [first, first + count) into {@code a}, (P·count) × K, noting whether it now
   * holds the whole batch's patches: a shard interleaves micro-batches (forward of one, backward
   * of another), so every build must say what the buffer holds.
   */
  private void gatherChunk(FloatMatrix input, BatchContext context, float[] a, int first, int count) {
    int rows = g.positions * count;
    patchesInput = count == input.columns ? input : null;
    patchesContext = context;
    Parallel.forRange(count, g.patch * (long) g.positions,
        (from, to) -> gatherPatches(input.data, a, rows, first, first + from, first + to));
  }

  /**
   * Rows of samples [from, to) of a chunk's patch matrix: {@code rows} rows, the first of sample
   * {@code origin}.
   */
  private void gatherPatches(float[] x, float[] a, int rows, int origin, int from, int to) {
    for (int c = 0; c < g.inChannels; c++) {
      for (int ki = 0; ki < g.kernelH; ki++) {
        for (int kj = 0; kj < g.kernelW; kj++) {
          int column = ((c * g.kernelH + ki) * g.kernelW + kj) * rows;
          if (g.shiftedRuns != null) {
            gatherShifted(x, a, column, c, g.shiftedRuns[ki * g.kernelW + kj], origin, from, to);
            continue;
          }
          // Output columns ow whose input column iw = ow·stride − padding + kj lies inside the image.
          int firstW = Math.max(0, ceilDiv(g.padding - kj, g.stride));
          int endW = Math.min(g.outW, ceilDiv(g.inW + g.padding - kj, g.stride));
          for (int s = from; s < to; s++) {
            int channelBase = s * g.inputSize + c * g.inPositions;
            int rowBase = column + (s - origin) * g.positions;
            for (int oh = 0; oh < g.outH; oh++) {
              int ih = oh * g.stride - g.padding + ki;
              int target = rowBase + oh * g.outW;
              if (ih < 0 || ih >= g.inH || endW <= firstW) {
                Arrays.fill(a, target, target + g.outW, 0f);
                continue;
              }
              int source = channelBase + ih * g.inW - g.padding + kj;
              Arrays.fill(a, target, target + firstW, 0f);
              if (g.stride == 1) {
                System.arraycopy(x, source + firstW, a, target + firstW, endW - firstW);
              } else {
                for (int ow = firstW; ow < endW; ow++) {
                  a[target + ow] = x[source + ow * g.stride];
                }
              }
              Arrays.fill(a, target + endW, target + g.outW, 0f);
            }
          }
        }
      }
    }
  }

  /**
   * col2im for samples [from, to) of a chunk's patch gradient ({@code rows} rows, the first of
   * sample {@code origin}): inputGradient += patch gradients summed onto their input positions.
   */
  private void scatterPatches(float[] da, float[] dx, int rows, int origin, int from, int to) {
    for (int c = 0; c < g.inChannels; c++) {
      for (int ki = 0; ki < g.kernelH; ki++) {
        for (int kj = 0; kj < g.kernelW; kj++) {
          int column = ((c * g.kernelH + ki) * g.kernelW + kj) * rows;
          if (g.shiftedRuns != null) {
            scatterShifted(da, dx, column, c, g.shiftedRuns[ki * g.kernelW + kj], origin, from, to);
            continue;
          }
          int firstW = Math.max(0, ceilDiv(g.padding - kj, g.stride));
          int endW = Math.min(g.outW, ceilDiv(g.inW + g.padding - kj, g.stride));
          for (int s = from; s < to; s++) {
            int channelBase = s * g.inputSize + c * g.inPositions;
            int rowBase = column + (s - origin) * g.positions;
            for (int oh = 0; oh < g.outH; oh++) {
              int ih = oh * g.stride - g.padding + ki;
              if (ih < 0 || ih >= g.inH) {
                continue;
              }
              int target = channelBase + ih * g.inW - g.padding + kj;
              int source = rowBase + oh * g.outW;
              if (g.stride == 1) {
                // unit stride spelled out: the JIT vectorises this loop, not the general one
                for (int ow = firstW; ow < endW; ow++) {
                  dx[target + ow] += da[source + ow];
                }
              } else {
                for (int ow = firstW; ow < endW; ow++) {
                  dx[target + ow * g.stride] += da[source + ow];
                }
              }
            }
          }
        }
      }
    }
  }

  /**
   * im2col of one kernel offset (dh, dw) for samples [from, to) when the output has the input's size
   * at unit stride: output position q then reads input position q + dh·W + dw, so each sample's
   * column is one copy (not one per output row: 14-float copies and 1-float fills cost more in calls
   * than in floats), after which the cells whose window reaches into the padding are zeroed.
   */
  private void gatherShifted(float[] x, float[] a, int column, int c, ShiftedRun run, int origin, int from, int to) {
    for (int s = from; s < to; s++) {
      int rowBase = column + (s - origin) * g.positions;
      int inputBase = s * g.inputSize + c * g.inPositions + run.inputShift;
      Arrays.fill(a, rowBase, rowBase + run.first, 0f);
      System.arraycopy(x, inputBase + run.first, a, rowBase + run.first, run.end - run.first);
      Arrays.fill(a, rowBase + run.end, rowBase + g.positions, 0f);
      // Inside the run, the padding cells read the neighbouring input row.
      run.clearPaddingCells(a, rowBase);
    }
  }

  /**
   * col2im of kernel offset (dh, dw) for samples [from, to), the inverse of {@link #gatherShifted}:
   * one run of adds per sample. The patch gradient's padding cells, which have no input to go to,
   * are cleared first, so that inside the run they add zero to the neighbouring row's edge.
   */
  private void scatterShifted(float[] da, float[] dx, int column, int c, ShiftedRun run, int origin, int from,
      int to) {
    for (int s = from; s < to; s++) {
      int rowBase = column + (s - origin) * g.positions;
      run.clearPaddingCells(da, rowBase);
      int shift = s * g.inputSize + c * g.inPositions + run.inputShift - rowBase;
      // unit stride spelled out with one offset: the JIT vectorises this form
      for (int q = rowBase + run.first; q < rowBase + run.end; q++) {
        dx[q + shift] += da[q];
      }
    }
  }

  /**
   * Where kernel offset (dh, dw) of a same-size convolution reads inside the image: output position
   * q reads input position q + inputShift; output rows [ohFrom, ohTo) read inside, and output
   * positions [first, end) of a sample make one run, inside which the first {@code leftPad} and last
   * {@code rightPad} columns of each row read padding.
   */
  private record ShiftedRun(int inputShift, int ohFrom, int ohTo, int width, int leftPad, int rightPad, int first,
      int end) {
    static ShiftedRun of(int height, int width, int dh, int dw) {
      int ohFrom = Math.max(0, -dh);
      int ohTo = Math.min(height, height - dh);
      int leftPad = Math.max(0, -dw);
      int rightPad = Math.max(0, dw);
      return new ShiftedRun(dh * width + dw, ohFrom, ohTo, width, leftPad, rightPad, ohFrom * width + leftPad,
          ohTo * width - rightPad);
    }

    void clearPaddingCells(float[] m, int rowBase) {
      for (int oh = ohFrom; oh < ohTo; oh++) {
        int row = rowBase + oh * width;
        for (int ow = 0; ow < leftPad; ow++) {
          m[row + ow] = 0f;
        }
        for (int ow = width - rightPad; ow < width; ow++) {
          m[row + ow] = 0f;
        }
      }
    }
  }

  /**
   * Σ values[from, to) in eight interleaved partial sums: one running sum waits for every add to
   * finish before the next (4 cycles each), eight keep the adder busy; the shorter chains also
   * round less than one over P·B terms.
   */
  private static float sum(float[] values, int from, int to) {
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    float s4 = 0f;
    float s5 = 0f;
    float s6 = 0f;
    float s7 = 0f;
    int i = from;
    for (; i + 8 <= to; i += 8) {
      s0 += values[i];
      s1 += values[i + 1];
      s2 += values[i + 2];
      s3 += values[i + 3];
      s4 += values[i + 4];
      s5 += values[i + 5];
      s6 += values[i + 6];
      s7 += values[i + 7];
    }
    for (; i < to; i++) {
      s0 += values[i];
    }
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  }

  private static int ceilDiv(int numerator, int denominator) {
    return -Math.floorDiv(-numerator, denominator);
  }

  /** Sizes read by the hot loops, computed once. */
  private static final class Geometry {
    final int inChannels;
    final int inH;
    final int inW;
    final int inPositions;
    final int inputSize;
    final int outH;
    final int outW;
    final int positions;
    final int kernelH;
    final int kernelW;
    final int stride;
    final int padding;
    final int patch;
    /**
     * Unit stride, output the input's size, padding inside the image: the runs of each kernel
     * offset (ki·kernelW + kj) for the shifted-run im2col and col2im; otherwise null.
     */
    final ShiftedRun[] shiftedRuns;

    Geometry(Conv2DSpec spec) {
      Shape in = spec.input();
      Shape out = spec.outputShape();
      inChannels = in.channels();
      inH = in.height();
      inW = in.width();
      inPositions = in.positions();
      inputSize = in.size();
      outH = out.height();
      outW = out.width();
      positions = out.positions();
      kernelH = spec.window().height();
      kernelW = spec.window().width();
      stride = spec.window().stride();
      padding = spec.window().padding();
      patch = spec.patchSize();
      boolean sameSize = stride == 1 && outH == inH && outW == inW && 2 * padding + 1 == kernelH
          && 2 * padding + 1 == kernelW && padding < inH && padding < inW;
      shiftedRuns = sameSize ? new ShiftedRun[kernelH * kernelW] : null;
      for (int ki = 0; sameSize && ki < kernelH; ki++) {
        for (int kj = 0; kj < kernelW; kj++) {
          shiftedRuns[ki * kernelW + kj] = ShiftedRun.of(inH, inW, ki - padding, kj - padding);
        }
      }
    }
  }
}
