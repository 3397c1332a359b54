package org.partita.models.network;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.partita.models.layers.Shape;

/**
 * What flows between two layers while {@link Model} infers shapes: a {@link Shape} plus what its
 * dimensions mean, which a Shape alone cannot say (a [T, F] sequence and a C×H×1 image are both
 * stored as (T, F, 1)). Users write these as lists: {@code [N]}, {@code [T, F]}, {@code [C, H, W]},
 * and {@code [T]} token ids when an embedding comes first.
 */
public record DataShape(Kind kind, Shape shape) {
  public enum Kind {
    VECTOR("a vector", "[N]"),
    SEQUENCE("a sequence", "[T, F]"),
    IMAGE("an image", "[C, H, W]"),
    TOKENS("token ids", "[T]");

    private final String article;
    private final String layout;

    Kind(String article, String layout) {
      this.article = article;
      this.layout = layout;
    }

    /** E.g. "an image [C, H, W]", for messages about what a layer takes. */
    public String described() {
      return article + " " + layout;
    }
  }

  public DataShape {
    if (kind == null || shape == null) {
      throw new IllegalArgumentException("a data shape needs a kind and a shape");
    }
  }

  /**
   * The input a user declares: [N] a vector, [T, F] a sequence, [C, H, W] an image; [T] is token ids
   * when {@code tokens} (an embedding reads it).
   */
  public static DataShape input(int[] dims, boolean tokens) {
    if (dims == null || dims.length < 1 || dims.length > 3) {
      throw new IllegalArgumentException("has " + (dims == null ? 0 : dims.length) + " dimensions "
          + Arrays.toString(dims) + "; give [N] (a vector), [T, F] (a sequence) or [C, H, W] (an image)");
    }
    for (int dim : dims) {
      if (dim < 1) {
        throw new IllegalArgumentException(Arrays.toString(dims) + " has a dimension below 1");
      }
    }
    return switch (dims.length) {
      case 1 -> new DataShape(tokens ? Kind.TOKENS : Kind.VECTOR, Shape.vector(dims[0]));
      case 2 -> new DataShape(Kind.SEQUENCE, new Shape(dims[0], dims[1], 1));
      default -> new DataShape(Kind.IMAGE, new Shape(dims[0], dims[1], dims[2]));
    };
  }

  /** The dimensions as the user writes them, e.g. [32, 14, 14] or [28, 128]. */
  public int[] dims() {
    return switch (kind) {
      case VECTOR, TOKENS -> new int[] {shape.channels()};
      case SEQUENCE -> new int[] {shape.channels(), shape.height()};
      case IMAGE -> new int[] {shape.channels(), shape.height(), shape.width()};
    };
  }

  /** E.g. "[32, 14, 14]". */
  public String dimsText() {
    return dimsText(dims());
  }

  public static String dimsText(int[] dims) {
    return Arrays.stream(dims).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]"));
  }

  /** E.g. "an image [32, 14, 14]". */
  @Override
  public String toString() {
    return kind.article + " " + dimsText();
  }
}
