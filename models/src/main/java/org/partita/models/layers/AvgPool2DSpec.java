package org.partita.models.layers;

/**
 * Average pooling per channel over an unpadded window (a padded window would leave open whether
 * padding counts in the divisor; no user of it needs one). A window as large as the input is
 * global average pooling (C×H×W → C, {@link #global}).
 */
public record AvgPool2DSpec(Shape input, Window window) implements Pool2DSpec {
  public AvgPool2DSpec {
    if (input == null || window == null) {
      throw new IllegalArgumentException("AvgPool2D needs an input shape and a window");
    }
    if (window.padding() != 0) {
      throw new IllegalArgumentException("AvgPool2D takes unpadded windows; got " + window);
    }
    window.outputHeight(input.height());
    window.outputWidth(input.width());
  }

  /** Global average pooling: one window covering each whole channel, C×H×W → C. */
  public static AvgPool2DSpec global(Shape input) {
    if (input == null) {
      throw new IllegalArgumentException("GlobalAvgPool needs an input shape");
    }
    return new AvgPool2DSpec(input, new Window(input.height(), input.width(),
        Math.max(input.height(), input.width()), 0));
  }

  /** True when the window covers each whole channel: the output is one value per channel. */
  public boolean isGlobal() {
    return window.height() == input.height() && window.width() == input.width();
  }

  @Override
  public Layer bind(LayerBinding binding) {
    return new AvgPool2DLayer(this, binding);
  }

  @Override
  public String describe() {
    return isGlobal() ? "GlobalAvgPool " + input + "→" + input.channels()
        : "AvgPool2D " + input + "→" + outputShape() + " " + window;
  }
}
