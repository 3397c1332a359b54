package org.partita.partitioner;

import java.util.ArrayList;
import java.util.List;

/**
 * How a shard's gradients are cut into buckets that replicas all-reduce one by one while the
 * backward still runs: the runtime all-reduces them so, and the {@link CostModel} prices the
 * overlap from the same cuts. The backward runs from the last layer to the first, so buckets are
 * cut greedily from the last layer: a bucket closes once it holds at least {@link #MIN_SHARE} of
 * the shard's parameters and {@link #MIN_FLOATS} (a shard has at most a few, and small exchanges
 * are not split into many latency-bound ones); the first layer's bucket takes what is left.
 */
public final class GradientBucketing {
  public static final double MIN_SHARE = 0.25;
  public static final int MIN_FLOATS = 1 << 16;

  private GradientBucketing() {}

  /**
   * The lowest layer of each bucket, bucket 0 first (it holds the last layers): bucket b holds the
   * layers from its first up to the previous bucket's first, exclusive. A layer of no parameters
   * below the lowest cut belongs to no bucket.
   *
   * @param floatsByLayer gradient floats of each of the shard's layers, in layer order
   */
  public static List<Integer> firstLayers(long[] floatsByLayer) {
    long total = 0;
    for (long floats : floatsByLayer) {
      total += floats;
    }
    long threshold = Math.max(MIN_FLOATS, (long) Math.ceil(total * MIN_SHARE));
    List<Integer> firsts = new ArrayList<>();
    long open = 0;
    for (int layer = floatsByLayer.length - 1; layer >= 0; layer--) {
      open += floatsByLayer[layer];
      boolean lastNeeded = layer == 0 && (open > 0 || firsts.isEmpty());
      if ((open >= threshold && layer > 0) || lastNeeded) {
        firsts.add(layer);
        open = 0;
      }
    }
    return firsts;
  }
}
