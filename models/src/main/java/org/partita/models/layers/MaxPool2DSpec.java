package org.partita.models.layers;

/**
 * Max pooling per channel. Padded positions never win. Units are channels, like the convolution
 * that usually feeds it.
 */
public record MaxPool2DSpec(Shape input, Window window) implements LayerSpec {
  public MaxPool2DSpec {
    if (input == null || window == null) {
      throw new IllegalArgumentException("MaxPool2D needs an input shape and a window");
    }
    if (window.padding() >= window.height() || window.padding() >= window.width()) {
      throw new IllegalArgumentException("MaxPool2D padding " + window.padding() + " must be smaller than the window "
          + window);
    }
    window.outputHeight(input.height());
    window.outputWidth(input.width());
  }

  @Override
  public Shape inputShape() {
    return input;
  }

  @Override
  public Shape outputShape() {
    return new Shape(input.channels(), window.outputHeight(input.height()), window.outputWidth(input.width()));
  }

  @Override
  public int units() {
    return input.channels();
  }

  @Override
  public long parameterCount(UnitRange range) {
    return 0;
  }

  @Override
  public long forwardFlops(UnitRange range, int batch) {
    return (long) batch * range.size() * outputShape().positions() * window.height() * window.width();
  }

  @Override
  public long backwardFlops(UnitRange range, int batch) {
    return forwardFlops(range, batch);
  }

  @Override
  public Layer bind(LayerBinding binding) {
    return new MaxPool2DLayer(this, binding);
  }

  @Override
  public String describe() {
    return "MaxPool2D " + input + "→" + outputShape() + " " + window;
  }
}
