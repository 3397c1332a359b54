package org.partita.models.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.partita.models.layers.Parameter;
import org.partita.models.layers.ParameterKind;
import org.partita.models.layers.UnitRange;

/** Updates worked out by hand for each rule, decay and schedule. */
class OptimizerTest {
  private static Parameter parameter(ParameterKind kind, float value, float gradient) {
    Parameter p = Parameter.zeros(0, kind, new UnitRange(0, 1), 1, 1);
    p.value().data[0] = value;
    p.gradient().data[0] = gradient;
    return p;
  }

  @Test
  void sgdWithDecoupledWeightDecayOnWeightsOnly() {
    Parameter w = parameter(ParameterKind.WEIGHTS, 1f, 0.5f);
    Parameter b = parameter(ParameterKind.BIAS, 1f, 0.5f);
    new Optimizer(new OptimizerSpec(new UpdateRule.Sgd(), 0.1f, new LearningRateSchedule.Constant(), 0.5f, 0f),
        List.of(w, b)).step(0);
    assertEquals(1f * (1 - 0.05f) - 0.05f, w.value().data[0], 1e-7f);
    assertEquals(1f - 0.05f, b.value().data[0], 1e-7f);
  }

  @Test
  void momentumAndNesterov() {
    for (boolean nesterov : new boolean[] {false, true}) {
      Parameter w = parameter(ParameterKind.WEIGHTS, 0f, 1f);
      Optimizer optimizer = new Optimizer(new OptimizerSpec(new UpdateRule.Momentum(0.9f, nesterov), 0.1f,
          new LearningRateSchedule.Constant(), 0f, 0f), List.of(w));
      optimizer.step(0);   // v = 1
      optimizer.step(1);   // v = 1.9
      float expected = nesterov ? -0.1f * (1 + 0.9f) - 0.1f * (1 + 0.9f * 1.9f) : -0.1f - 0.19f;
      assertEquals(expected, w.value().data[0], 1e-6f, nesterov ? "nesterov" : "momentum");
    }
  }

  @Test
  void adamFirstStepMovesByTheLearningRate() {
    Parameter w = parameter(ParameterKind.WEIGHTS, 0f, 3f);
    Optimizer optimizer = new Optimizer(OptimizerSpec.adam(0.01f), List.of(w));
    optimizer.step(0);
    // Bias-corrected m̂ = g, v̂ = g², so the step is lr · g / (|g| + ε) ≈ lr.
    assertEquals(-0.01f, w.value().data[0], 1e-6f);
    assertEquals(1, optimizer.updates());
  }

  @Test
  void schedules() {
    assertEquals(0.1f, new LearningRateSchedule.StepDecay(10, 0.5f).rate(0.1f, 9), 1e-7f);
    assertEquals(0.05f, new LearningRateSchedule.StepDecay(10, 0.5f).rate(0.1f, 10), 1e-7f);
    LearningRateSchedule.Cosine cosine = new LearningRateSchedule.Cosine(110, 0f, 10);
    assertEquals(0.01f, cosine.rate(0.1f, 0), 1e-7f);
    assertEquals(0.1f, cosine.rate(0.1f, 10), 1e-7f);
    assertEquals(0.05f, cosine.rate(0.1f, 60), 1e-6f);
    assertEquals(0f, cosine.rate(0.1f, 110), 1e-7f);
  }

  @Test
  void clippingScalesToTheGlobalNorm() {
    Parameter a = parameter(ParameterKind.WEIGHTS, 0f, 3f);
    Parameter b = parameter(ParameterKind.BIAS, 0f, 4f);
    List<Parameter> all = List.of(a, b);
    float factor = GradientClipping.scaleFor(GradientClipping.sumOfSquares(all), 1f);
    GradientClipping.scale(all, factor);
    assertEquals(0.6f, a.gradient().data[0], 1e-6f);
    assertEquals(0.8f, b.gradient().data[0], 1e-6f);
    assertEquals(1f, GradientClipping.scaleFor(0.5, 1f));
  }

  @Test
  void zeroingVariantUpdatesIdenticallyAndClearsEveryGradient() {
    int n = 10_007; // several cache blocks and a ragged tail
    Parameter kept = Parameter.zeros(0, ParameterKind.WEIGHTS, new UnitRange(0, n), n, 1);
    Parameter cleared = Parameter.zeros(0, ParameterKind.WEIGHTS, new UnitRange(0, n), n, 1);
    for (int i = 0; i < n; i++) {
      kept.value().data[i] = cleared.value().data[i] = (float) Math.sin(i);
      kept.gradient().data[i] = cleared.gradient().data[i] = (float) Math.cos(3 * i);
    }
    OptimizerSpec spec = new OptimizerSpec(new UpdateRule.Adam(0.9f, 0.999f, 1e-8f), 0.01f,
        new LearningRateSchedule.Constant(), 0.1f, 0f);
    new Optimizer(spec, List.of(kept)).step(0);
    new Optimizer(spec, List.of(cleared)).stepAndZeroGradients(0);
    org.junit.jupiter.api.Assertions.assertArrayEquals(kept.value().data, cleared.value().data);
    for (int i = 0; i < n; i++) {
      assertEquals(0f, cleared.gradient().data[i], "gradient " + i);
    }
    assertEquals((float) Math.cos(3 * (n - 1)), kept.gradient().data[n - 1], "step() keeps gradients");
  }

  @Test
  void sumOfSquaresCoversEveryElement() {
    Parameter odd = Parameter.zeros(0, ParameterKind.WEIGHTS, new UnitRange(0, 7), 7, 1);
    for (int i = 0; i < 7; i++) {
      odd.gradient().data[i] = i + 1;
    }
    assertEquals(140.0, GradientClipping.sumOfSquares(List.of(odd, parameter(ParameterKind.BIAS, 0f, 0f))), 0.0);
  }
}
