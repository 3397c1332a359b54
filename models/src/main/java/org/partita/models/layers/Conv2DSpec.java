package org.partita.models.layers;

import java.util.Locale;
import org.partita.models.blas.Parallel;

/**
 * 2-D convolution (cross-correlation) over a C×H×W input with {@code filters} output channels.
 * Weights are filters × (C·kh·kw), input channel slowest, kernel column fastest. Units are output
 * channels; a unit owns outH·outW output rows.
 */
public record Conv2DSpec(Shape input, int filters, Window window, Activation activation) implements LayerSpec {
  public Conv2DSpec {
    if (filters < 1) {
      throw new IllegalArgumentException("Conv2D needs ≥ 1 filter, got " + filters);
    }
    if (activation == null || window == null || input == null) {
      throw new IllegalArgumentException("Conv2D needs an input shape, a window and an activation");
    }
    window.outputHeight(input.height());
    window.outputWidth(input.width());
  }

  /**
   * Floats of scratch (patch matrix, its gradient and the pre-activation product or gradient) that
   * one chunk of samples may fill when the layer computes on one thread. It then runs im2col, its
   * GEMMs and col2im chunk by chunk, so that these matrices stay in the cache instead of streaming
   * through memory (for the CNN's second convolution at batch 64 they came to 32 MB): the CNN's
   * step on one thread went from 65 to 60 ms at batch 128. 2 MB leaves room in a shared last-level
   * cache for a chunk on each core; 0.5, 1 and 4 MB were slower, 8 MB no faster.
   */
  public static final int CHUNK_SCRATCH_FLOATS = 1 << 19;

  /** Rows of the im2col matrix: input channels × kernel height × kernel width. */
  public int patchSize() {
    return input.channels() * window.height() * window.width();
  }

  /**
   * Samples per chunk for {@code units} output channels at batch {@code batch}; the last chunk
   * takes what is left. With several compute threads ({@link Parallel#threads()}) the whole batch
   * is one chunk: OpenBLAS and the loops around it then split each call across the cores, and
   * waking the other core for each of a chunk's calls cost more than the cache saved (the CNN's
   * step on 2 threads went from 47 to 73 ms in chunks).
   */
  int samplesPerChunk(int units, int batch) {
    return Parallel.threads() > 1 ? batch : samplesPerChunk(units, batch, CHUNK_SCRATCH_FLOATS);
  }

  /** Samples per chunk with {@code scratchFloats} of scratch per chunk, on one thread. */
  int samplesPerChunk(int units, int batch, int scratchFloats) {
    long perSample = (long) outputShape().positions() * (2L * patchSize() + units);
    return (int) Math.max(1, Math.min(batch, scratchFloats / perSample));
  }

  @Override
  public Shape inputShape() {
    return input;
  }

  @Override
  public Shape outputShape() {
    return new Shape(filters, window.outputHeight(input.height()), window.outputWidth(input.width()));
  }

  @Override
  public int units() {
    return filters;
  }

  @Override
  public long parameterCount(UnitRange range) {
    return (long) range.size() * (patchSize() + 1);
  }

  @Override
  public long forwardFlops(UnitRange range, int batch) {
    return 2L * batch * outputShape().positions() * patchSize() * range.size();
  }

  @Override
  public long backwardFlops(UnitRange range, int batch) {
    return 2 * forwardFlops(range, batch);
  }

  @Override
  public Layer bind(LayerBinding binding) {
    return new Conv2DLayer(this, binding);
  }

  @Override
  public String describe() {
    return "Conv2D " + input + "→" + outputShape() + " " + window + " " + activation.name().toLowerCase(Locale.ROOT);
  }
}
