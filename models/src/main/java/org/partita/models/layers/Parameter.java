package org.partita.models.layers;

import org.jblas.FloatMatrix;

/**
 * One parameter tensor of a bound layer and its gradient, restricted to the units the layer owns
 * (rows of {@code value} correspond to units [units.begin, units.end)). Backward adds into
 * {@code gradient}; {@link #zeroGradient()} is the one place it is cleared.
 */
public record Parameter(int layer, ParameterKind kind, UnitRange units, FloatMatrix value, FloatMatrix gradient) {
  public Parameter {
    if (value.rows != gradient.rows || value.columns != gradient.columns) {
      throw new IllegalArgumentException("layer " + layer + " " + kind + ": gradient " + gradient.rows + "×"
          + gradient.columns + " does not match value " + value.rows + "×" + value.columns);
    }
  }

  public static Parameter zeros(int layer, ParameterKind kind, UnitRange units, int rows, int columns) {
    return new Parameter(layer, kind, units, new FloatMatrix(rows, columns), new FloatMatrix(rows, columns));
  }

  public void zeroGradient() {
    java.util.Arrays.fill(gradient.data, 0f);
  }

  public int length() {
    return value.data.length;
  }

  @Override
  public String toString() {
    return "layer " + layer + " " + kind + " units " + units + " (" + value.rows + "×" + value.columns + ")";
  }
}
