package org.partita.partitioner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class GradientBucketingTest {
  /** From the last layer, a bucket closes at a quarter of the parameters (and at least 65,536 floats). */
  @Test
  void bucketsCloseFromTheLastLayerAtAQuarterOfTheParameters() {
    // A CNN-like shard: two small convolutions, a pooling layer, a large dense layer, the output layer.
    long[] cnnLike = {320, 18_496, 0, 401_536, 1_290};
    assertEquals(List.of(3, 0), GradientBucketing.firstLayers(cnnLike));
    // Four equal layers of 100,000: each reaches a quarter; the first layer's bucket is whatever is left.
    assertEquals(List.of(3, 2, 1, 0), GradientBucketing.firstLayers(new long[] {100_000, 100_000, 100_000, 100_000}));
    // Small models are one bucket: no layer reaches 65,536 floats before the first.
    assertEquals(List.of(0), GradientBucketing.firstLayers(new long[] {20_000, 30_000, 1_000}));
  }

  /** A first layer without parameters joins no bucket; a shard without any still has one (empty) bucket. */
  @Test
  void layersWithoutParametersBelowTheLastCutJoinNoBucket() {
    assertEquals(List.of(1), GradientBucketing.firstLayers(new long[] {0, 300_000}));
    assertEquals(List.of(0), GradientBucketing.firstLayers(new long[] {0, 0}));
  }
}
