package org.partita.models.layers;

/**
 * What max and average pooling share: a window sliding over each channel of a C×H×W input on its
 * own, no parameters, and channels as units (like the convolution that usually feeds them).
 */
public sealed interface Pool2DSpec extends LayerSpec permits MaxPool2DSpec, AvgPool2DSpec {
  Shape input();

  Window window();

  @Override
  default Shape inputShape() {
    return input();
  }

  @Override
  default Shape outputShape() {
    return new Shape(input().channels(), window().outputHeight(input().height()), window().outputWidth(input().width()));
  }

  @Override
  default int units() {
    return input().channels();
  }

  @Override
  default long parameterCount(UnitRange range) {
    return 0;
  }

  /** Window elements visited (compares or additions). */
  @Override
  default long forwardFlops(UnitRange range, int batch) {
    return (long) batch * range.size() * outputShape().positions() * window().height() * window().width();
  }

  @Override
  default long backwardFlops(UnitRange range, int batch) {
    return forwardFlops(range, batch);
  }
}
