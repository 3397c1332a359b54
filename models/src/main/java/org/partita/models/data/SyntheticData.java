package org.partita.models.data;

import java.util.SplittableRandom;
import org.partita.models.layers.Shape;

/**
 * Separable-but-not-trivially classification data for tests and benchmarks: each class has a
 * random prototype, and samples are the prototype plus Gaussian noise. Deterministic from the seed.
 */
public final class SyntheticData {
  private SyntheticData() {}

  public static ArrayDataset blobs(String name, Shape shape, int classes, int samples, float noise, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int width = shape.size();
    float[][] prototypes = new float[classes][width];
    for (float[] prototype : prototypes) {
      for (int i = 0; i < width; i++) {
        prototype[i] = (float) random.nextGaussian();
      }
    }
    float[] features = new float[width * samples];
    int[] labels = new int[samples];
    for (int s = 0; s < samples; s++) {
      int label = random.nextInt(classes);
      labels[s] = label;
      for (int i = 0; i < width; i++) {
        features[s * width + i] = prototypes[label][i] + noise * (float) random.nextGaussian();
      }
    }
    return new ArrayDataset(name, shape, classes, features, labels);
  }
}
