package org.partita.partitioner;

import java.util.List;
import org.partita.models.layers.UnitRange;

/**
 * Consecutive layers [firstLayer, endLayer) run side by side by {@code sliceCount} shards; shard
 * s owns units {@code layerSlices.get(l − firstLayer).get(s)} of every layer l of the stage.
 */
public record StagePlan(int firstLayer, int endLayer, List<List<UnitRange>> layerSlices) {
  public StagePlan {
    if (firstLayer < 0 || endLayer <= firstLayer) {
      throw new IllegalArgumentException("a stage needs layers [first, end) with first ≥ 0 and end > first; got ["
          + firstLayer + ", " + endLayer + ")");
    }
    if (layerSlices.size() != endLayer - firstLayer) {
      throw new IllegalArgumentException("stage [" + firstLayer + ", " + endLayer + ") lists slices for "
          + layerSlices.size() + " layers");
    }
    layerSlices = layerSlices.stream().map(List::copyOf).toList();
  }

  public int sliceCount() {
    return layerSlices.get(0).size();
  }

  public int layerCount() {
    return endLayer - firstLayer;
  }

  public boolean contains(int layer) {
    return layer >= firstLayer && layer < endLayer;
  }

  /** Units of {@code layer} owned by slice {@code slice}. */
  public UnitRange units(int layer, int slice) {
    return layerSlices.get(layer - firstLayer).get(slice);
  }
}
