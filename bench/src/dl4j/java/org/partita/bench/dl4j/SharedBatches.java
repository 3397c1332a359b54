package org.partita.bench.dl4j;

import java.util.ArrayList;
import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.data.ArrayDataset;

/**
 * The first {@code count} consecutive batches of a dataset, in Partita's layout — features ×
 * batch, column-major, so each sample's features are contiguous, which is also a row-major
 * batch × features array. Both systems train on exactly these batches in the same order.
 */
record SharedBatches(List<FloatMatrix> inputs, List<FloatMatrix> targets) {
  static SharedBatches first(ArrayDataset data, int batchSize, int count) {
    if ((long) batchSize * count > data.size()) {
      throw new IllegalArgumentException(count + " batches of " + batchSize + " need more than the " + data.size()
          + " samples of " + data.name());
    }
    List<FloatMatrix> inputs = new ArrayList<>();
    List<FloatMatrix> targets = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      FloatMatrix x = new FloatMatrix(data.sampleShape().size(), batchSize);
      FloatMatrix y = new FloatMatrix(data.classes(), batchSize);
      data.copyBatch(null, k * batchSize, batchSize, x, y);
      inputs.add(x);
      targets.add(y);
    }
    return new SharedBatches(List.copyOf(inputs), List.copyOf(targets));
  }

  int count() {
    return inputs.size();
  }

  int batchSize() {
    return inputs.get(0).columns;
  }
}
