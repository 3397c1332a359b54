package org.partita.models.layers;

import org.partita.models.blas.Blas;

/**
 * Where a bound layer sits: its index in the model (part of every random coordinate), the
 * model's seed, the units it owns, and the BLAS to compute with.
 */
public record LayerBinding(int layerIndex, long seed, UnitRange units, Blas blas) {
  public LayerBinding {
    if (layerIndex < 0) {
      throw new IllegalArgumentException("layer index must be ≥ 0, got " + layerIndex);
    }
  }

  public static LayerBinding whole(int layerIndex, long seed, LayerSpec spec, Blas blas) {
    return new LayerBinding(layerIndex, seed, UnitRange.all(spec.units()), blas);
  }
}
