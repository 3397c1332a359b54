package org.partita.models.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jblas.FloatMatrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.partita.models.blas.Blas;

/**
 * Finite-difference checks of SimpleRNN, LSTM and GRU through 6 time steps, sequence-to-one and
 * sequence-to-sequence, from a zero initial state and from a state carried over from a previous
 * window (truncated BPTT: the carried state is a constant of this window).
 */
class RecurrentGradientTest {
  static List<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (boolean sequences : new boolean[] {false, true}) {
      for (boolean carried : new boolean[] {false, true}) {
        cases.add(Arguments.of(new SimpleRnnSpec(3, 4, 6, sequences), carried));
        cases.add(Arguments.of(new LstmSpec(3, 4, 6, sequences, 1f), carried));
        cases.add(Arguments.of(new GruSpec(3, 4, 6, sequences), carried));
      }
    }
    return cases;
  }

  @ParameterizedTest(name = "{0} carried state {1}")
  @MethodSource("cases")
  void gradientsThroughTimeMatchFiniteDifferences(RecurrentSpec spec, boolean carried) {
    RecurrentLayer layer = (RecurrentLayer) spec.bind(LayerBinding.whole(1, 8, spec, Blas.get()));
    if (carried) {
      SplittableRandom random = new SplittableRandom(4);
      FloatMatrix previousWindow = GradientCheckTest.randomMatrix(layer.inputRows(), 3, random);
      layer.forward(previousWindow, new FloatMatrix(layer.outputRows(), 3), BatchContext.training(1));
      layer.carryState();
    }
    GradientCheckTest.check(layer, spec.describe().hashCode() + (carried ? 1 : 0));
  }
}
