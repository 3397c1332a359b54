package org.partita.models.layers;

/** A sliding window over height × width: kernel size, stride and zero padding on every side. */
public record Window(int height, int width, int stride, int padding) {
  public Window {
    if (height < 1 || width < 1 || stride < 1 || padding < 0) {
      throw new IllegalArgumentException("window needs size ≥ 1, stride ≥ 1, padding ≥ 0; got " + height + "×" + width
          + " stride " + stride + " padding " + padding);
    }
  }

  public static Window square(int size, int stride, int padding) {
    return new Window(size, size, stride, padding);
  }

  /** Output height for an input of the given height; fails if the window does not fit. */
  public int outputHeight(int inputHeight) {
    return outputSize(inputHeight, height, "height");
  }

  public int outputWidth(int inputWidth) {
    return outputSize(inputWidth, width, "width");
  }

  private int outputSize(int input, int kernel, String dimension) {
    int span = input + 2 * padding - kernel;
    if (span < 0) {
      throw new IllegalArgumentException("window " + this + " does not fit an input " + dimension + " of " + input);
    }
    return span / stride + 1;
  }

  @Override
  public String toString() {
    return height + "×" + width + "/" + stride + (padding > 0 ? " pad " + padding : "");
  }
}
