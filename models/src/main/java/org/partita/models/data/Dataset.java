package org.partita.models.data;

import org.jblas.FloatMatrix;
import org.partita.models.layers.Shape;

/**
 * Labelled samples a trainer draws batches from. A sample has {@link #labelsPerSample()} labels
 * (one for classification; one per time step for sequence prediction), each a class in
 * [0, classes); targets are one-hot, time-major like sequence outputs.
 */
public interface Dataset {
  String name();

  Shape sampleShape();

  int classes();

  /** Labels per sample: 1, or the number of time steps predicted. */
  default int labelsPerSample() {
    return 1;
  }

  int size();

  /**
   * Copies samples order[from .. from+count) (or from .. from+count when order is null) into
   * inputs (features × count) and their one-hot targets into targets (classes·labelsPerSample × count).
   */
  void copyBatch(int[] order, int from, int count, FloatMatrix inputs, FloatMatrix targets);

  default void checkBatchBuffers(int count, FloatMatrix inputs, FloatMatrix targets) {
    int width = sampleShape().size();
    int targetRows = classes() * labelsPerSample();
    if (inputs.rows != width || inputs.columns != count || targets.rows != targetRows || targets.columns != count) {
      throw new IllegalArgumentException(name() + ": batch buffers " + inputs.rows + "×" + inputs.columns + " and "
          + targets.rows + "×" + targets.columns + " do not fit " + count + " samples of " + width + " features and "
          + targetRows + " target rows");
    }
  }
}
