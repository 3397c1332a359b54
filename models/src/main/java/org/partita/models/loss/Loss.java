package org.partita.models.loss;

import org.jblas.FloatMatrix;

/**
 * Losses over a batch of outputs (K × B) against targets (K × B; one-hot rows for classification).
 * Values are returned as sums over the batch; gradients are scaled by the caller's {@code scale}
 * (1 / global batch size) so micro-batches and replicas add up to the full batch's gradient.
 */
public enum Loss {
  /** Softmax over the K rows, then cross-entropy with the target distribution. */
  SOFTMAX_CROSS_ENTROPY,
  /** Mean over the K outputs of the squared error, per sample. */
  MEAN_SQUARED_ERROR;

  /** Σ over samples of the per-sample loss. */
  public double value(FloatMatrix output, FloatMatrix targets) {
    return compute(output, targets, 0f, null);
  }

  /** Returns Σ of per-sample losses and writes scale · ∂loss/∂output into {@code gradient} (K × B). */
  public double valueAndGradient(FloatMatrix output, FloatMatrix targets, float scale, FloatMatrix gradient) {
    if (gradient.rows != output.rows || gradient.columns != output.columns) {
      throw new IllegalArgumentException("loss gradient buffer is " + gradient.rows + "×" + gradient.columns
          + " but the output is " + output.rows + "×" + output.columns);
    }
    return compute(output, targets, scale, gradient.data);
  }

  private double compute(FloatMatrix output, FloatMatrix targets, float scale, float[] gradient) {
    if (targets.rows != output.rows || targets.columns != output.columns) {
      throw new IllegalArgumentException(this + ": targets are " + targets.rows + "×" + targets.columns
          + " but the output is " + output.rows + "×" + output.columns);
    }
    int k = output.rows;
    double total = 0;
    for (int s = 0; s < output.columns; s++) {
      int base = s * k;
      total += switch (this) {
        case SOFTMAX_CROSS_ENTROPY -> softmaxCrossEntropy(output.data, targets.data, base, k, scale, gradient);
        case MEAN_SQUARED_ERROR -> meanSquaredError(output.data, targets.data, base, k, scale, gradient);
      };
    }
    return total;
  }

  private static double softmaxCrossEntropy(float[] z, float[] t, int base, int k, float scale, float[] gradient) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < k; i++) {
      max = Math.max(max, z[base + i]);
    }
    double sum = 0;
    for (int i = 0; i < k; i++) {
      sum += Math.exp(z[base + i] - max);
    }
    double logSum = max + Math.log(sum);
    double loss = 0;
    for (int i = 0; i < k; i++) {
      float target = t[base + i];
      if (target != 0f) {
        loss -= target * (z[base + i] - logSum);
      }
      if (gradient != null) {
        gradient[base + i] = scale * (float) (Math.exp(z[base + i] - logSum) - target);
      }
    }
    return loss;
  }

  private static double meanSquaredError(float[] o, float[] t, int base, int k, float scale, float[] gradient) {
    double loss = 0;
    for (int i = 0; i < k; i++) {
      float error = o[base + i] - t[base + i];
      loss += (double) error * error;
      if (gradient != null) {
        gradient[base + i] = scale * 2f * error / k;
      }
    }
    return loss / k;
  }

  /** Samples whose largest output is at the position of their largest target (first on ties). */
  /** Class probabilities of column {@code column} of logits (K × B): softmax, computed stably in double. */
  public static double[] softmax(FloatMatrix logits, int column) {
    int classes = logits.rows;
    int base = column * classes;
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < classes; c++) {
      max = Math.max(max, logits.data[base + c]);
    }
    double[] p = new double[classes];
    double sum = 0;
    for (int c = 0; c < classes; c++) {
      p[c] = Math.exp(logits.data[base + c] - max);
      sum += p[c];
    }
    for (int c = 0; c < classes; c++) {
      p[c] /= sum;
    }
    return p;
  }

  public static int countCorrect(FloatMatrix output, FloatMatrix targets) {
    int correct = 0;
    for (int s = 0; s < output.columns; s++) {
      if (argmax(output.data, s * output.rows, output.rows) == argmax(targets.data, s * targets.rows, targets.rows)) {
        correct++;
      }
    }
    return correct;
  }

  public static int argmax(float[] values, int base, int count) {
    int best = 0;
    for (int i = 1; i < count; i++) {
      if (values[base + i] > values[base + best]) {
        best = i;
      }
    }
    return best;
  }
}
