package org.partita.partitioner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jblas.FloatMatrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.partita.models.blas.Blas;
import org.partita.models.layers.Activation;
import org.partita.models.layers.Conv2DSpec;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.EmbeddingSpec;
import org.partita.models.layers.GruSpec;
import org.partita.models.layers.Layer;
import org.partita.models.layers.LayerBinding;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.LstmSpec;
import org.partita.models.layers.Parameter;
import org.partita.models.layers.Shape;
import org.partita.models.layers.SimpleRnnSpec;
import org.partita.models.layers.UnitRange;
import org.partita.models.layers.Window;
import org.partita.models.optim.Optimizer;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.optim.UpdateRule;
import org.partita.models.optim.LearningRateSchedule;

/**
 * Splitting a whole layer's tensors gives exactly what slices bound to those units hold, and
 * merging gives back the whole tensor bit for bit — for parameters and optimizer state alike.
 */
class ParameterShardingTest {
  static Stream<LayerSpec> specs() {
    return Stream.of(new DenseSpec(6, 7, Activation.RELU), new DenseSpec(3, 5, Activation.TANH, 4),
        new Conv2DSpec(new Shape(2, 5, 5), 5, Window.square(3, 1, 1), Activation.RELU),
        new SimpleRnnSpec(3, 7, 4, true), new LstmSpec(3, 7, 4, false), new GruSpec(3, 7, 4, true),
        new EmbeddingSpec(9, 5, 3));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void splitMatchesBoundSlicesAndMergeRestoresEveryTensor(LayerSpec spec) {
    Blas blas = Blas.get();
    Layer whole = spec.bind(LayerBinding.whole(1, 21, spec, blas));
    for (int parts : new int[] {1, 2, 3}) {
      List<UnitRange> ranges = List.of(UnitRange.split(spec.units(), parts));
      for (int p = 0; p < whole.parameters().size(); p++) {
        Parameter parameter = whole.parameters().get(p);
        List<FloatMatrix> split = ParameterSharding.split(spec, parameter.value(), ranges);
        for (int s = 0; s < parts; s++) {
          Layer slice = spec.bind(new LayerBinding(1, 21, ranges.get(s), blas));
          assertEquals(slice.parameters().get(p).value(), split.get(s),
              spec.describe() + " " + parameter.kind() + " slice " + ranges.get(s));
        }
        assertEquals(parameter.value(), ParameterSharding.merge(spec, split, ranges));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void optimizerStateSplitsAndMergesExactly(LayerSpec spec) {
    Layer whole = spec.bind(LayerBinding.whole(0, 5, spec, Blas.get()));
    for (UpdateRule rule : List.of(new UpdateRule.Momentum(0.9f, true), UpdateRule.Adam.defaults())) {
      Optimizer optimizer = new Optimizer(new OptimizerSpec(rule, 0.1f, new LearningRateSchedule.Constant(), 0f, 0f),
          whole.parameters());
      for (Parameter parameter : whole.parameters()) {
        java.util.Arrays.fill(parameter.gradient().data, 0.25f);
      }
      optimizer.step(0);
      optimizer.step(1);
      List<UnitRange> ranges = List.of(UnitRange.split(spec.units(), 3));
      for (int p = 0; p < whole.parameters().size(); p++) {
        FloatMatrix shape = whole.parameters().get(p).value();
        for (int slot = 0; slot < rule.slots(); slot++) {
          FloatMatrix state = new FloatMatrix(shape.rows, shape.columns, optimizer.slot(p, slot).clone());
          List<FloatMatrix> parts = new ArrayList<>(ParameterSharding.split(spec, state, ranges));
          assertArrayEquals(state.data, ParameterSharding.merge(spec, parts, ranges).data);
        }
      }
    }
  }
}
