package org.partita.models.layers;

/**
 * The shape of one sample as a layer sees it: channels × height × width, stored channel-major
 * (width fastest) as one column of a minibatch matrix. A plain feature vector is (n, 1, 1).
 */
public record Shape(int channels, int height, int width) {
  public Shape {
    if (channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException("shape dimensions must be ≥ 1, got " + channels + "×" + height + "×" + width);
    }
  }

  public static Shape vector(int features) {
    return new Shape(features, 1, 1);
  }

  /** Number of floats per sample. */
  public int size() {
    return Math.multiplyExact(Math.multiplyExact(channels, height), width);
  }

  /** Positions per channel (height × width). */
  public int positions() {
    return height * width;
  }

  public boolean isVector() {
    return height == 1 && width == 1;
  }

  @Override
  public String toString() {
    return isVector() ? Integer.toString(channels) : channels + "×" + height + "×" + width;
  }
}
