package org.partita.models.train;

import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.jblas.FloatMatrix;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.DataPreparation;
import org.partita.models.data.Targets;
import org.partita.models.layers.BatchContext;
import org.partita.models.network.Network;

/**
 * How well a regression model predicts a dataset, per target, in the targets' own units: root
 * mean squared error, mean absolute error and R² (1 − squared errors / squared deviations from
 * the dataset's mean). The means over targets are the plain averages of the per-target values.
 */
public record RegressionMetrics(List<String> targets, double[] rmse, double[] mae, double[] r2, int samples) {
  private static final int BATCH = 500;

  public double meanRmse() {
    return mean(rmse);
  }

  public double meanMae() {
    return mean(mae);
  }

  public double meanR2() {
    return mean(r2);
  }

  private static double mean(double[] values) {
    double sum = 0;
    for (double value : values) {
      sum += value;
    }
    return sum / values.length;
  }

  /**
   * {@code network}'s predictions for {@code data} (targets standardised as {@code preparation}
   * says), both taken back to the targets' units before they are compared.
   */
  public static RegressionMetrics of(Network network, ArrayDataset data, DataPreparation preparation) {
    Targets.Values values = (Targets.Values) data.targets();
    int k = values.rows();
    int n = data.size();
    int width = data.sampleShape().size();
    float[] truth = values.values().clone();
    preparation.targetsInUnits(truth, k);
    double[] squares = new double[k];
    double[] absolute = new double[k];
    double[] sum = new double[k];
    double[] sumOfSquares = new double[k];
    for (int from = 0; from < n; from += BATCH) {
      int count = Math.min(BATCH, n - from);
      FloatMatrix inputs = new FloatMatrix(width, count);
      System.arraycopy(data.features(), from * width, inputs.data, 0, count * width);
      float[] predicted = network.forward(inputs, BatchContext.inference()).data.clone();
      preparation.targetsInUnits(predicted, k);
      for (int i = 0; i < count * k; i++) {
        int target = i % k;
        double y = truth[from * k + i];
        double error = predicted[i] - y;
        squares[target] += error * error;
        absolute[target] += Math.abs(error);
        sum[target] += y;
        sumOfSquares[target] += y * y;
      }
    }
    double[] rmse = new double[k];
    double[] mae = new double[k];
    double[] r2 = new double[k];
    for (int t = 0; t < k; t++) {
      rmse[t] = Math.sqrt(squares[t] / n);
      mae[t] = absolute[t] / n;
      double deviations = sumOfSquares[t] - sum[t] * sum[t] / n;
      r2[t] = deviations > 0 ? 1 - squares[t] / deviations : Double.NaN;
    }
    return new RegressionMetrics(values.names(), rmse, mae, r2, n);
  }

  /**
   * R² from a mean squared error {@code loss} over {@code data}'s standardised targets — what the
   * trainers report every epoch, on one node or many: 1 − loss·N·K / Σ (z − z̄)², pooled over the K
   * standardised targets (for one target, exactly its R²).
   */
  public static DoubleUnaryOperator r2OfLoss(ArrayDataset data) {
    Targets.Values values = (Targets.Values) data.targets();
    int k = values.rows();
    int n = data.size();
    double deviations = 0;
    for (int t = 0; t < k; t++) {
      double sum = 0;
      double squares = 0;
      for (int i = 0; i < n; i++) {
        double z = values.values()[i * k + t];
        sum += z;
        squares += z * z;
      }
      deviations += squares - sum * sum / n;
    }
    double total = deviations;
    return loss -> total > 0 ? 1 - loss * n * k / total : Double.NaN;
  }
}
