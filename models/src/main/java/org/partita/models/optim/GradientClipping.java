package org.partita.models.optim;

import java.util.List;
import org.partita.models.layers.Parameter;

/**
 * Clipping by global L2 norm. The norm spans every parameter of the model, so a split model sums
 * {@link #sumOfSquares} across its shards first; {@link #scaleFor} and {@link #scale} are then
 * applied by each shard to its own gradients.
 */
public final class GradientClipping {
  private GradientClipping() {}

  /**
   * Σ g² over every gradient, in double. Four interleaved partial sums, because one running sum is
   * a chain of dependent additions (about 4 cycles each): 10 M gradients took 9 ms that way, on the
   * critical path of every distributed step, where the NaN guard needs this sum.
   */
  public static double sumOfSquares(List<Parameter> parameters) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    for (Parameter parameter : parameters) {
      float[] g = parameter.gradient().data;
      int i = 0;
      for (; i + 3 < g.length; i += 4) {
        s0 += (double) g[i] * g[i];
        s1 += (double) g[i + 1] * g[i + 1];
        s2 += (double) g[i + 2] * g[i + 2];
        s3 += (double) g[i + 3] * g[i + 3];
      }
      for (; i < g.length; i++) {
        s0 += (double) g[i] * g[i];
      }
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** The factor that brings the global norm down to maxNorm, or 1 when it is within (or clipping is off). */
  public static float scaleFor(double globalSumOfSquares, float maxNorm) {
    double norm = Math.sqrt(globalSumOfSquares);
    return maxNorm > 0f && norm > maxNorm ? (float) (maxNorm / norm) : 1f;
  }

  public static void scale(List<Parameter> parameters, float factor) {
    if (factor == 1f) {
      return;
    }
    for (Parameter parameter : parameters) {
      float[] g = parameter.gradient().data;
      for (int i = 0; i < g.length; i++) {
        g[i] *= factor;
      }
    }
  }
}
