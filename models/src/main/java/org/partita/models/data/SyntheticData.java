package org.partita.models.data;

import java.util.SplittableRandom;
import org.partita.models.layers.Shape;

/**
 * Separable-but-not-trivially classification data for tests and benchmarks: each class has a
 * random prototype, and samples are the prototype plus noise. Deterministic from the seed.
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

  /**
   * Token sequences for models that start with an embedding: T ids in [0, vocabulary) per sample
   * (input shape [T]). Each class has a random prototype sequence; a sample keeps each of its
   * class's tokens with probability {@code keep} and draws the others uniformly.
   */
  public static ArrayDataset tokens(String name, int timeSteps, int vocabulary, int classes, int samples, float keep,
      long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int[][] prototypes = new int[classes][timeSteps];
    for (int[] prototype : prototypes) {
      for (int t = 0; t < timeSteps; t++) {
        prototype[t] = random.nextInt(vocabulary);
      }
    }
    float[] ids = new float[timeSteps * samples];
    int[] labels = new int[samples];
    for (int s = 0; s < samples; s++) {
      int label = random.nextInt(classes);
      labels[s] = label;
      for (int t = 0; t < timeSteps; t++) {
        ids[s * timeSteps + t] = random.nextDouble() < keep ? prototypes[label][t] : random.nextInt(vocabulary);
      }
    }
    return new ArrayDataset(name, Shape.vector(timeSteps), classes, ids, labels);
  }
}
