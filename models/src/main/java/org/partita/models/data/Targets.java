package org.partita.models.data;

import java.util.ArrayList;
import java.util.List;

/**
 * What each sample is trained to produce: a class (its target a one-hot column of
 * {@link #rows()} values) or real values (regression, {@link #rows()} per sample). Names travel
 * with them — class names for predictions, target column names for regression output.
 */
public sealed interface Targets {
  /** Target rows per sample: the number of classes, or of values. */
  int rows();

  int samples();

  /** Writes sample {@code sample}'s target column (rows() values) into {@code into} at {@code offset}. */
  void write(int sample, float[] into, int offset);

  /** The targets of samples {@code picked} (indices into these), in that order. */
  Targets pick(int[] picked);

  /** Class indices in [0, names.size()) with one name per class. */
  record Classes(List<String> names, int[] labels) implements Targets {
    public Classes {
      names = List.copyOf(names);
      if (names.isEmpty()) {
        throw new IllegalArgumentException("a classification needs at least one class");
      }
      for (int i = 0; i < labels.length; i++) {
        if (labels[i] < 0 || labels[i] >= names.size()) {
          throw new IllegalArgumentException("label of sample " + i + " is " + labels[i] + ", outside 0.."
              + (names.size() - 1));
        }
      }
    }

    /** Classes named by their index: "0", "1", …. */
    public static List<String> numbered(int classes) {
      List<String> names = new ArrayList<>(classes);
      for (int c = 0; c < classes; c++) {
        names.add(Integer.toString(c));
      }
      return names;
    }

    @Override
    public int rows() {
      return names.size();
    }

    @Override
    public int samples() {
      return labels.length;
    }

    @Override
    public void write(int sample, float[] into, int offset) {
      java.util.Arrays.fill(into, offset, offset + names.size(), 0f);
      into[offset + labels[sample]] = 1f;
    }

    @Override
    public Classes pick(int[] picked) {
      int[] part = new int[picked.length];
      for (int i = 0; i < picked.length; i++) {
        part[i] = labels[picked[i]];
      }
      return new Classes(names, part);
    }
  }

  /** Real values, names.size() per sample, sample-major. */
  record Values(List<String> names, float[] values) implements Targets {
    public Values {
      names = List.copyOf(names);
      if (names.isEmpty() || values.length % names.size() != 0) {
        throw new IllegalArgumentException(values.length + " target values are no whole number of samples of "
            + names.size());
      }
    }

    @Override
    public int rows() {
      return names.size();
    }

    @Override
    public int samples() {
      return values.length / names.size();
    }

    @Override
    public void write(int sample, float[] into, int offset) {
      System.arraycopy(values, sample * names.size(), into, offset, names.size());
    }

    @Override
    public Values pick(int[] picked) {
      int k = names.size();
      float[] part = new float[picked.length * k];
      for (int i = 0; i < picked.length; i++) {
        System.arraycopy(values, picked[i] * k, part, i * k, k);
      }
      return new Values(names, part);
    }
  }
}
