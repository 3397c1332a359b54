package org.partita.models.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jblas.FloatMatrix;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Every layer kind with the variants that matter (activations, stride, padding, slices); the
 * ONNX export test (org.partita.models.onnx) exports each of them too.
 */
public final class LayerCases {
  private LayerCases() {}

  public static List<LayerSpec> specs() {
    List<LayerSpec> specs = new ArrayList<>();
    for (Activation activation : Activation.values()) {
      specs.add(new DenseSpec(5, 4, activation));
    }
    specs.add(new DenseSpec(3, 4, Activation.TANH, 3));
    Shape image = new Shape(2, 5, 6);
    specs.add(new Conv2DSpec(image, 3, Window.square(3, 1, 0), Activation.IDENTITY));
    specs.add(new Conv2DSpec(image, 3, Window.square(3, 1, 1), Activation.RELU));
    specs.add(new Conv2DSpec(image, 4, Window.square(3, 2, 1), Activation.TANH));
    specs.add(new Conv2DSpec(image, 2, new Window(2, 3, 2, 0), Activation.SIGMOID));
    specs.add(new Conv2DSpec(new Shape(1, 4, 4), 2, Window.square(1, 1, 0), Activation.IDENTITY));
    specs.add(new MaxPool2DSpec(image, Window.square(2, 2, 0)));
    specs.add(new MaxPool2DSpec(image, Window.square(3, 2, 1)));
    specs.add(new MaxPool2DSpec(image, Window.square(2, 1, 0)));
    specs.add(new AvgPool2DSpec(image, Window.square(2, 2, 0)));
    specs.add(new AvgPool2DSpec(image, new Window(3, 2, 1, 0)));
    specs.add(AvgPool2DSpec.global(image));
    specs.add(new FlattenSpec(image));
    specs.add(new DropoutSpec(Shape.vector(12), 0.4f));
    specs.add(new DropoutSpec(image, 0.25f));
    specs.add(new SimpleRnnSpec(3, 4, 5, false));
    specs.add(new SimpleRnnSpec(3, 4, 6, true));
    specs.add(new LstmSpec(3, 4, 5, false));
    specs.add(new LstmSpec(2, 5, 6, true));
    specs.add(new GruSpec(3, 4, 5, false));
    specs.add(new GruSpec(2, 5, 6, true));
    specs.add(new EmbeddingSpec(7, 4, 5));
    specs.add(new EmbeddingSpec(3, 2, 1));
    return specs;
  }

  /** Inputs for {@code spec}: token ids (repeating within a batch) for an embedding, else uniform in [−1, 1). */
  public static FloatMatrix input(LayerSpec spec, int batch, SplittableRandom random) {
    if (spec instanceof EmbeddingSpec embedding) {
      FloatMatrix tokens = new FloatMatrix(embedding.timeSteps(), batch);
      for (int i = 0; i < tokens.data.length; i++) {
        tokens.data[i] = random.nextInt(embedding.vocabulary());
      }
      return tokens;
    }
    return GradientCheckTest.randomMatrix(spec.inputShape().size(), batch, random);
  }

  /**
   * (spec, units) pairs: the whole layer and, where it has ≥ 3 units, two different slices.
   * Recurrent slices run step by step with their siblings (RecurrentSliceTest), not alone.
   */
  static List<Arguments> wholeAndSliced() {
    List<Arguments> cases = new ArrayList<>();
    for (LayerSpec spec : specs()) {
      cases.add(Arguments.of(spec, UnitRange.all(spec.units())));
      if (spec.units() >= 3 && !(spec instanceof RecurrentSpec)) {
        cases.add(Arguments.of(spec, new UnitRange(1, spec.units() - 1)));
        cases.add(Arguments.of(spec, new UnitRange(0, 1)));
      }
    }
    return cases;
  }
}
