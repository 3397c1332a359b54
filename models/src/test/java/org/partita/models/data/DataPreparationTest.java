package org.partita.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.partita.models.layers.Shape;

/** Standardisation statistics, the one function that applies them, and the held-out split. */
class DataPreparationTest {

  private static float[] randomValues(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) (random.nextDouble() * 3 + 0.5);
    }
    return values;
  }

  /** One block reproduces bit for bit the pixel standardisation Fashion-MNIST runs were trained with. */
  @Test
  void oneBlockIsTheEarlierWholeDatasetStandardisation() {
    float[] values = randomValues(7 * 12, 1);
    double sum = 0;
    double squares = 0;
    for (float value : values) {
      sum += value;
      squares += (double) value * value;
    }
    double mean = sum / values.length;
    double std = Math.sqrt(Math.max(0, squares / values.length - mean * mean));
    float[] earlier = values.clone();
    for (int i = 0; i < earlier.length; i++) {
      earlier[i] = (earlier[i] - (float) mean) * (float) (1 / std);
    }
    Standardization fitted = Standardization.fit(values, 12, 1);
    assertEquals(mean, fitted.mean()[0]);
    assertEquals(std, fitted.std()[0]);
    fitted.apply(values, 12);
    assertArrayEquals(earlier, values);
  }

  @Test
  void blocksPerFeatureAndPerChannelAndConstantFeaturesOnlyCentred() {
    // Two samples of 2 channels × 2 positions.
    float[] values = {1, 3, 10, 10, 3, 5, 10, 10};
    Standardization perChannel = Standardization.fit(values, 4, 2);
    assertArrayEquals(new double[] {3, 10}, perChannel.mean());
    assertArrayEquals(new double[] {Math.sqrt(2), 0}, perChannel.std());
    Standardization perFeature = Standardization.fit(values, 4, 4);
    assertArrayEquals(new double[] {2, 4, 10, 10}, perFeature.mean());
    float[] copy = values.clone();
    perFeature.apply(copy, 4);
    assertArrayEquals(new float[] {-1, -1, 0, 0, 1, 1, 0, 0}, copy);
    perFeature.undo(copy, 4);
    assertArrayEquals(values, copy);
    float[] untouched = values.clone();
    Standardization.NONE.apply(untouched, 4);
    assertArrayEquals(values, untouched);
    assertThrows(IllegalArgumentException.class, () -> perChannel.apply(new float[3], 3));
  }

  @Test
  void regressionTargetsAreStandardisedAndTakenBackOut() {
    float[] features = {1, 2, 3, 4, 5, 6};
    SampleData data = new SampleData("t", DataFormat.CSV, Shape.vector(2), features,
        new Targets.Values(List.of("price"), new float[] {100, 200, 300}), List.of("a", "b"), List.of("price"));
    DataPreparation preparation = DataPreparation.fit(data, DataPreparation.Normalization.AUTO, 2);
    assertEquals(2, preparation.features().groups());
    assertEquals(List.of("a", "b"), preparation.featureNames());
    assertEquals(List.of(), preparation.classNames());
    ArrayDataset dataset = preparation.prepare(data);
    float[] targets = ((Targets.Values) dataset.targets()).values();
    assertArrayEquals(new float[] {(float) -Math.sqrt(1.5), 0, (float) Math.sqrt(1.5)}, targets, 1e-6f);
    preparation.targetsInUnits(targets, 1);
    assertArrayEquals(new float[] {100, 200, 300}, targets, 1e-4f);
    assertEquals(-1.2247449f, dataset.features()[0], 1e-6f);
  }

  @Test
  void validationSplitIsDeterministicDisjointAndKeepsFileOrder() {
    int n = 50;
    float[] features = new float[n];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      features[i] = i;
      labels[i] = i % 2;
    }
    SampleData data = new SampleData("d", DataFormat.CSV, Shape.vector(1), features,
        new Targets.Classes(List.of("a", "b"), labels), List.of("x"), List.of("y"));
    SampleData[] parts = data.split(0.2, 7);
    SampleData[] again = data.split(0.2, 7);
    assertEquals(40, parts[0].size());
    assertEquals(10, parts[1].size());
    assertArrayEquals(parts[1].features(), again[1].features());
    assertNotEquals(Arrays.toString(parts[1].features()), Arrays.toString(data.split(0.2, 8)[1].features()));
    float[] all = new float[n];
    System.arraycopy(parts[0].features(), 0, all, 0, 40);
    System.arraycopy(parts[1].features(), 0, all, 40, 10);
    Arrays.sort(all);
    assertArrayEquals(features, all);
    for (SampleData part : parts) {
      float[] f = part.features();
      assertEquals(true, IntStream.range(1, f.length).allMatch(i -> f[i] > f[i - 1]));
      int[] partLabels = ((Targets.Classes) part.targets()).labels();
      for (int i = 0; i < f.length; i++) {
        assertEquals((int) f[i] % 2, partLabels[i]);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> data.split(0.001, 1));
    assertThrows(IllegalArgumentException.class, () -> data.split(1, 1));
  }
}
