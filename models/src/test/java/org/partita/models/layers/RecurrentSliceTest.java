package org.partita.models.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jblas.FloatMatrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.partita.models.blas.Blas;
import org.partita.models.layers.RecurrentLayer.StepGradient;
import org.partita.models.layers.RecurrentLayer.StepInput;
import org.partita.models.layers.RecurrentLayer.StepState;

/**
 * Model parallelism for recurrent layers, simulated exactly as the runtime will run it: slices of
 * hidden units step together; after every forward step their h_t pieces are all-gathered into the
 * full h_t; after every backward step their partial gradients with respect to x_t and h_{t-1} are
 * summed (reduce-scatter). At every time step the assembled outputs and gradients must equal the
 * whole layer's (which RecurrentGradientTest checks against finite differences), and each slice's
 * initial weights and parameter gradients must be the whole layer's rows for its units.
 */
class RecurrentSliceTest {
  private static final int BATCH = 3;
  private static final int STEPS = 5;

  static List<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (int slices : new int[] {2, 3}) {
      cases.add(Arguments.of(new SimpleRnnSpec(4, 7, STEPS, true), slices));
      cases.add(Arguments.of(new LstmSpec(4, 7, STEPS, true, 1f), slices));
      cases.add(Arguments.of(new GruSpec(4, 7, STEPS, true), slices));
    }
    return cases;
  }

  @ParameterizedTest(name = "{0} in {1} slices")
  @MethodSource("cases")
  void slicesSteppingTogetherEqualTheWholeLayerAtEveryStep(RecurrentSpec spec, int parts) {
    Blas blas = Blas.get();
    int hidden = spec.hidden();
    RecurrentLayer whole = (RecurrentLayer) spec.bind(LayerBinding.whole(2, 5, spec, blas));
    UnitRange[] ranges = UnitRange.split(hidden, parts);
    RecurrentLayer[] slices = new RecurrentLayer[parts];
    for (int k = 0; k < parts; k++) {
      slices[k] = (RecurrentLayer) spec.bind(new LayerBinding(2, 5, ranges[k], blas));
    }
    SplittableRandom random = new SplittableRandom(17);
    FloatMatrix[] x = new FloatMatrix[STEPS];
    FloatMatrix[] upstream = new FloatMatrix[STEPS];
    for (int t = 0; t < STEPS; t++) {
      x[t] = GradientCheckTest.randomMatrix(spec.inputs(), BATCH, random);
      upstream[t] = GradientCheckTest.randomMatrix(hidden, BATCH, random);
    }

    // Forward, step by step.
    StepState[] wholeStates = new StepState[STEPS];
    StepState[][] sliceStates = new StepState[STEPS][parts];
    FloatMatrix[] gatheredHidden = new FloatMatrix[STEPS];
    FloatMatrix zeros = new FloatMatrix(hidden, BATCH);
    for (int t = 0; t < STEPS; t++) {
      wholeStates[t] = whole.newStepState(BATCH);
      whole.stepForward(new StepInput(x[t], t == 0 ? zeros : wholeStates[t - 1].hidden()),
          t == 0 ? null : wholeStates[t - 1], wholeStates[t]);
      gatheredHidden[t] = new FloatMatrix(hidden, BATCH);
      for (int k = 0; k < parts; k++) {
        sliceStates[t][k] = slices[k].newStepState(BATCH);
        slices[k].stepForward(new StepInput(x[t], t == 0 ? zeros : gatheredHidden[t - 1]),
            t == 0 ? null : sliceStates[t - 1][k], sliceStates[t][k]);
        placeRows(sliceStates[t][k].hidden(), gatheredHidden[t], ranges[k].begin());
      }
      SlicedVersusWholeTest.assertClose(wholeStates[t].hidden(), gatheredHidden[t], "h at step " + t);
    }

    // Backward, step by step from the last.
    FloatMatrix wholeCarry = new FloatMatrix(hidden, BATCH);
    FloatMatrix wholeCell = new FloatMatrix(hidden, BATCH);
    FloatMatrix slicedCarry = new FloatMatrix(hidden, BATCH);
    FloatMatrix[] sliceCells = new FloatMatrix[parts];
    for (int k = 0; k < parts; k++) {
      sliceCells[k] = new FloatMatrix(ranges[k].size(), BATCH);
    }
    for (int t = STEPS - 1; t >= 0; t--) {
      FloatMatrix hiddenBefore = t == 0 ? zeros : wholeStates[t - 1].hidden();
      FloatMatrix wholeDx = new FloatMatrix(spec.inputs(), BATCH);
      FloatMatrix wholeDhBefore = new FloatMatrix(hidden, BATCH);
      whole.stepBackward(new StepInput(x[t], hiddenBefore), t == 0 ? null : wholeStates[t - 1], wholeStates[t],
          new StepGradient(upstream[t].add(wholeCarry), wholeCell), new StepInput(wholeDx, wholeDhBefore));
      wholeCarry = wholeDhBefore;

      FloatMatrix slicedDx = new FloatMatrix(spec.inputs(), BATCH);
      FloatMatrix slicedDhBefore = new FloatMatrix(hidden, BATCH);
      FloatMatrix dh = upstream[t].add(slicedCarry);
      FloatMatrix gatheredBefore = t == 0 ? zeros : gatheredHidden[t - 1];
      for (int k = 0; k < parts; k++) {
        slices[k].stepBackward(new StepInput(x[t], gatheredBefore), t == 0 ? null : sliceStates[t - 1][k],
            sliceStates[t][k], new StepGradient(rows(dh, ranges[k]), sliceCells[k]),
            new StepInput(slicedDx, slicedDhBefore));
      }
      slicedCarry = slicedDhBefore;
      SlicedVersusWholeTest.assertClose(wholeDx, slicedDx, "dx at step " + t);
      SlicedVersusWholeTest.assertClose(wholeDhBefore, slicedDhBefore, "dh_{t-1} at step " + t);
    }

    for (int k = 0; k < parts; k++) {
      for (int p = 0; p < 2; p++) {
        Parameter full = whole.parameters().get(p);
        Parameter part = slices[k].parameters().get(p);
        int gates = full.value().rows / hidden;
        FloatMatrix expectedValue = gateRows(full.value(), ranges[k], gates, hidden);
        assertEquals(expectedValue, part.value(), part + " initial value (must be bit-identical)");
        SlicedVersusWholeTest.assertClose(gateRows(full.gradient(), ranges[k], gates, hidden), part.gradient(),
            part + " gradient");
      }
    }
  }

  /** The whole layer's rows g·H + unit for the slice's units, in the slice's order g·u + j (g: gate or bias row). */
  private static FloatMatrix gateRows(FloatMatrix whole, UnitRange range, int gates, int hidden) {
    int u = range.size();
    FloatMatrix result = new FloatMatrix(gates * u, whole.columns);
    for (int c = 0; c < whole.columns; c++) {
      for (int g = 0; g < gates; g++) {
        for (int j = 0; j < u; j++) {
          result.put(g * u + j, c, whole.get(g * hidden + range.begin() + j, c));
        }
      }
    }
    return result;
  }

  private static FloatMatrix rows(FloatMatrix matrix, UnitRange range) {
    return SlicedVersusWholeTest.rows(matrix, range.begin(), range.end());
  }

  private static void placeRows(FloatMatrix part, FloatMatrix target, int from) {
    for (int c = 0; c < part.columns; c++) {
      System.arraycopy(part.data, c * part.rows, target.data, c * target.rows + from, part.rows);
    }
  }
}
