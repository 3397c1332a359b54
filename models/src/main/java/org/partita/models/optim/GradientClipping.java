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

  public static double sumOfSquares(List<Parameter> parameters) {
    double sum = 0;
    for (Parameter parameter : parameters) {
      for (float g : parameter.gradient().data) {
        sum += (double) g * g;
      }
    }
    return sum;
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
