package org.partita.models.network;

/** How far a convolution's window reaches past each border of its input. */
public sealed interface Padding {
  /** Keeps H×W at stride 1 (⌈H/stride⌉ in general); needs an odd, square kernel here. */
  Padding SAME = new Same();
  /** No padding. */
  Padding VALID = new Pixels(0);

  static Padding pixels(int count) {
    return new Pixels(count);
  }

  /** Zero rows and columns added on every side for a kernel of this size. */
  int pixels(int kernelHeight, int kernelWidth);

  record Same() implements Padding {
    @Override
    public int pixels(int kernelHeight, int kernelWidth) {
      if (kernelHeight != kernelWidth || kernelHeight % 2 == 0) {
        throw ModelDefinitionException.of(LayerRecipe.Conv2D.TYPE, "padding", "same needs an odd square kernel here, since "
            + "Partita pads every side alike; the kernel is " + kernelHeight + "×" + kernelWidth
            + ": give padding = N or valid");
      }
      return (kernelHeight - 1) / 2;
    }

    @Override
    public String toString() {
      return "same";
    }
  }

  record Pixels(int count) implements Padding {
    public Pixels {
      if (count < 0) {
        throw ModelDefinitionException.of(LayerRecipe.Conv2D.TYPE, "padding", "must be same, valid or a count ≥ 0, got " + count);
      }
    }

    @Override
    public int pixels(int kernelHeight, int kernelWidth) {
      return count;
    }

    @Override
    public String toString() {
      return count == 0 ? "valid" : Integer.toString(count);
    }
  }
}
