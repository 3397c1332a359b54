package org.partita.models.layers;

/** Max pooling per channel. Padded positions never win. */
public record MaxPool2DSpec(Shape input, Window window) implements Pool2DSpec {
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
  public Layer bind(LayerBinding binding) {
    return new MaxPool2DLayer(this, binding);
  }

  @Override
  public String describe() {
    return "MaxPool2D " + input + "→" + outputShape() + " " + window;
  }
}
