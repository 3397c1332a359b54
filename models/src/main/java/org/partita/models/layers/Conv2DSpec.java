package org.partita.models.layers;

import java.util.Locale;

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

  /** Rows of the im2col matrix: input channels × kernel height × kernel width. */
  public int patchSize() {
    return input.channels() * window.height() * window.width();
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
