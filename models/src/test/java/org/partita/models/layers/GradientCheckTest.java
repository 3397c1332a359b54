package org.partita.models.layers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.jblas.FloatMatrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.partita.models.blas.Blas;

/**
 * The one finite-difference gradient check, over every layer spec, whole and sliced. For a fixed
 * random R, L = Σ R ⊙ forward(X); backward with output gradient R must give ∂L/∂X and ∂L/∂θ.
 * Central differences in float32 with a step of 2e-3 relative; coordinates where the two one-sided
 * differences disagree (a ReLU kink or a max-pool tie crossed by the step) are not comparable and
 * are skipped, but no more than a few may be.
 */
class GradientCheckTest {
  private static final int BATCH = 3;
  private static final long STEP = 7;

  static Stream<Arguments> cases() {
    return LayerCases.wholeAndSliced().stream();
  }

  @ParameterizedTest(name = "{0} units {1}")
  @MethodSource("cases")
  void analyticGradientsMatchFiniteDifferences(LayerSpec spec, UnitRange units) {
    check(spec.bind(new LayerBinding(2, 42, units, Blas.get())), spec.describe().hashCode() * 31L + units.begin());
  }

  /** Finite differences against backward for every input and parameter entry of a bound layer. */
  static void check(Layer layer, long seed) {
    LayerSpec spec = layer.spec();
    UnitRange units = layer.units();
    SplittableRandom random = new SplittableRandom(seed);
    FloatMatrix input = LayerCases.input(spec, BATCH, random);
    FloatMatrix upstream = randomMatrix(layer.outputRows(), BATCH, random);
    for (Parameter parameter : layer.parameters()) {
      if (parameter.kind() == ParameterKind.BIAS) {
        // Non-zero biases, so the bias gradient path is exercised away from the initial zeros.
        fill(parameter.value(), random);
      }
    }
    BatchContext context = new BatchContext(STEP, 5, Phase.TRAIN);

    FloatMatrix output = new FloatMatrix(layer.outputRows(), BATCH);
    layer.forward(input, output, context);
    FloatMatrix inputGradient = new FloatMatrix(layer.inputRows(), BATCH);
    layer.zeroGradients();
    layer.backward(input, output, upstream, inputGradient, context);

    List<String> failures = new ArrayList<>();
    int[] skipped = new int[1];
    int checked = 0;
    if (spec instanceof EmbeddingSpec) {
      // Token ids have no gradient (and a nudged id is refused): the input gradient stays as it was.
      assertTrue(java.util.Arrays.equals(new float[inputGradient.data.length], inputGradient.data),
          spec.describe() + " wrote an input gradient");
    } else {
      checked += compare("input", input.data, inputGradient.data, layer, input, upstream, context, failures, skipped);
    }
    for (Parameter parameter : layer.parameters()) {
      checked += compare(parameter.kind().name(), parameter.value().data, parameter.gradient().data, layer, input,
          upstream, context, failures, skipped);
    }
    assertTrue(failures.isEmpty(), spec.describe() + " units " + units + ": " + failures);
    assertTrue(skipped[0] <= Math.max(2, checked / 20),
        "too many non-differentiable coordinates skipped: " + skipped[0] + " of " + checked);
  }

  static int compare(String what, float[] values, float[] analytic, Layer layer, FloatMatrix input,
      FloatMatrix upstream, BatchContext context, List<String> failures, int[] skipped) {
    for (int i = 0; i < values.length; i++) {
      float original = values[i];
      float h = 2e-3f * Math.max(1f, Math.abs(original));
      values[i] = original + h;
      double plus = objective(layer, input, upstream, context);
      values[i] = original - h;
      double minus = objective(layer, input, upstream, context);
      values[i] = original;
      double center = objective(layer, input, upstream, context);
      double forwardSlope = (plus - center) / h;
      double backwardSlope = (center - minus) / h;
      double numeric = (plus - minus) / (2 * h);
      double scale = Math.max(1.0, Math.abs(numeric));
      if (Math.abs(forwardSlope - backwardSlope) > 0.01 * scale) {
        skipped[0]++;
        continue;
      }
      if (Math.abs(numeric - analytic[i]) > 2e-2 * scale) {
        failures.add(what + "[" + i + "]: analytic " + analytic[i] + " vs numeric " + numeric);
      }
    }
    return values.length;
  }

  /** L = Σ upstream ⊙ forward(input), accumulated in double. */
  private static double objective(Layer layer, FloatMatrix input, FloatMatrix upstream, BatchContext context) {
    FloatMatrix output = new FloatMatrix(layer.outputRows(), input.columns);
    layer.forward(input, output, context);
    double sum = 0;
    for (int i = 0; i < output.data.length; i++) {
      sum += (double) output.data[i] * upstream.data[i];
    }
    return sum;
  }

  static FloatMatrix randomMatrix(int rows, int columns, SplittableRandom random) {
    FloatMatrix matrix = new FloatMatrix(rows, columns);
    fill(matrix, random);
    return matrix;
  }

  private static void fill(FloatMatrix matrix, SplittableRandom random) {
    for (int i = 0; i < matrix.data.length; i++) {
      matrix.data[i] = (float) (random.nextDouble() * 2 - 1);
    }
  }
}
