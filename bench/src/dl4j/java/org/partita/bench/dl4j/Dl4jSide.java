package org.partita.bench.dl4j;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.jblas.FloatMatrix;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.partita.models.layers.LstmSpec;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;
import org.partita.bench.peers.SharedBatches;
import org.partita.bench.peers.TrainingSide;

/**
 * Deeplearning4j's MultiLayerNetwork on the shared batches, copied once into the arrays DL4J
 * expects: batch × features for dense and image models (DL4J reshapes a flat image to 1×28×28
 * itself), and batch × features × time (DL4J's default NCW layout) for the LSTM, whose sample is
 * stored time-major as 28 rows of 28 pixels.
 */
final class Dl4jSide implements TrainingSide {
  private final MultiLayerNetwork network;
  private final List<DataSet> batches = new ArrayList<>();

  Dl4jSide(ModelSpec spec, OptimizerSpec optimizer, SharedBatches shared) {
    this.network = Dl4jNetworks.build(spec, optimizer);
    LstmSpec sequence = spec.layers().get(0) instanceof LstmSpec lstm ? lstm : null;
    for (int k = 0; k < shared.count(); k++) {
      INDArray features = rowMajor(shared.inputs().get(k));
      if (sequence != null) {
        features = features.reshape('c', shared.batchSize(), sequence.timeSteps(), sequence.inputs())
            .permute(0, 2, 1).dup('c');
      }
      batches.add(new DataSet(features, rowMajor(shared.targets().get(k))));
    }
  }

  /** A features × batch column-major matrix as the batch × features row-major array it already is. */
  private static INDArray rowMajor(FloatMatrix matrix) {
    return Nd4j.create(matrix.data.clone(), new long[] {matrix.columns, matrix.rows}, 'c');
  }

  @Override
  public long parameterCount() {
    return network.numParams();
  }

  /** DL4J's score is the mean loss of the batch just fitted (no L1/L2 terms are configured). */
  @Override
  public double trainStep(int batch) {
    network.fit(batches.get(batch));
    return network.score();
  }
}
