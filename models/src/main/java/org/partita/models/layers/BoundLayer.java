package org.partita.models.layers;

import org.jblas.FloatMatrix;
import org.partita.models.blas.Blas;

/** What every bound layer shares: its binding, and shape checks that name the layer. */
abstract class BoundLayer implements Layer {
  protected final LayerBinding binding;
  protected final Blas blas;

  BoundLayer(LayerSpec spec, LayerBinding binding) {
    if (!binding.units().isWithin(spec.units())) {
      throw new IllegalArgumentException(describeLayer(spec, binding) + ": units " + binding.units()
          + " exceed the layer's " + spec.units());
    }
    this.binding = binding;
    this.blas = binding.blas();
  }

  @Override
  public UnitRange units() {
    return binding.units();
  }

  /** "layer 3 (Dense 256→128 relu) units [0, 64)" — used in every error about this layer. */
  protected String name() {
    return describeLayer(spec(), binding);
  }

  private static String describeLayer(LayerSpec spec, LayerBinding binding) {
    String units = binding.units().size() == spec.units() ? "" : " units " + binding.units();
    return "layer " + binding.layerIndex() + " (" + spec.describe() + ")" + units;
  }

  /**
   * Fills a weight matrix (one row per owned unit, one column per input position) with the
   * activation's default initialisation: a pure function of (seed, layer, global unit, column).
   */
  protected void initializeWeights(Parameter weights, Activation activation, int fanIn, int fanOut) {
    Initializer initializer = activation.defaultInitializer();
    float limit = initializer.limit(fanIn, fanOut);
    UnitRange units = binding.units();
    float[] w = weights.value().data;
    int rows = weights.value().rows;
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < weights.value().columns; c++) {
        w[r + c * rows] = initializer.weight(binding.seed(), binding.layerIndex(), units.begin() + r, c, limit);
      }
    }
  }

  protected void checkForward(FloatMatrix input, FloatMatrix output) {
    checkRows("input", input, inputRows());
    checkRows("output", output, outputRows());
    checkColumns("output", output, input.columns);
  }

  protected void checkBackward(FloatMatrix input, FloatMatrix output, FloatMatrix outputGradient,
      FloatMatrix inputGradient) {
    checkForward(input, output);
    checkRows("output gradient", outputGradient, outputRows());
    checkColumns("output gradient", outputGradient, input.columns);
    if (inputGradient != null) {
      checkRows("input gradient", inputGradient, inputRows());
      checkColumns("input gradient", inputGradient, input.columns);
    }
  }

  private void checkRows(String what, FloatMatrix matrix, int rows) {
    if (matrix.rows != rows) {
      throw new IllegalArgumentException(name() + ": " + what + " has " + matrix.rows + " rows, expected " + rows);
    }
  }

  private void checkColumns(String what, FloatMatrix matrix, int columns) {
    if (matrix.columns != columns) {
      throw new IllegalArgumentException(name() + ": " + what + " has " + matrix.columns
          + " columns (samples) but the input has " + columns);
    }
  }

  /** A float[] that grows to the largest size asked for and is then reused (no per-step allocation). */
  static final class Scratch {
    private float[] data = new float[0];

    float[] atLeast(int size) {
      if (data.length < size) {
        data = new float[size];
      }
      return data;
    }
  }
}
