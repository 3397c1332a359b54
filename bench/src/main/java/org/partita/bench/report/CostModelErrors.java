package org.partita.bench.report;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How far the cost model's predictions were from the measured medians, over every benchmark's
 * checked predictions: how many, how many distinct model × plan × setting combinations, the
 * median and the largest |relative error|, and which prediction was furthest off.
 */
record CostModelErrors(int count, int combinations, double medianAbsolute, double maxAbsolute,
    BenchResult.Prediction worst) {

  static CostModelErrors of(List<BenchResult.Prediction> predictions) {
    if (predictions.isEmpty()) {
      return new CostModelErrors(0, 0, Double.NaN, Double.NaN, null);
    }
    Set<List<String>> combinations = new HashSet<>();
    double[] errors = new double[predictions.size()];
    BenchResult.Prediction worst = predictions.get(0);
    for (int i = 0; i < errors.length; i++) {
      BenchResult.Prediction p = predictions.get(i);
      combinations.add(List.of(p.model(), p.plan(), p.setting()));
      errors[i] = Math.abs(p.relativeError());
      if (errors[i] > Math.abs(worst.relativeError())) {
        worst = p;
      }
    }
    Stats stats = Stats.of(errors);
    return new CostModelErrors(errors.length, combinations.size(), stats.median(), stats.max(), worst);
  }
}
