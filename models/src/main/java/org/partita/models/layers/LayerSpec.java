package org.partita.models.layers;

/**
 * What a layer is, without any numbers in it: shapes, parameter counts and how it splits. The
 * partitioner, the cost model and the wire format see only specs; {@link #bind} makes the layer
 * that holds parameters and computes.
 *
 * <p>Every layer kind splits by output <em>units</em> (Dense rows, Conv2D output channels, pooled
 * channels, features of Flatten and Dropout, RNN/LSTM/GRU hidden units, embedding dimensions). A
 * binding of units [a, b) produces (b − a)·rowsPerUnit output rows; {@link #wholeOutputRow} says
 * where each lands in the whole layer's output (contiguous for unit-major layers, interleaved over
 * time for sequences).
 */
public sealed interface LayerSpec
    permits DenseSpec, Conv2DSpec, Pool2DSpec, FlattenSpec, DropoutSpec, RecurrentSpec, EmbeddingSpec {

  Shape inputShape();

  Shape outputShape();

  /** Number of units slices split (see class comment). */
  int units();

  /** Output rows each unit owns per sample. */
  default int rowsPerUnit() {
    return outputShape().size() / units();
  }

  /** The row of the whole layer's output that row {@code row} of units {@code range}'s output is. */
  default int wholeOutputRow(UnitRange range, int row) {
    return range.begin() * rowsPerUnit() + row;
  }

  /** Trainable parameters of units [range.begin, range.end). */
  long parameterCount(UnitRange range);

  default long parameterCount() {
    return parameterCount(UnitRange.all(units()));
  }

  /** Multiply-adds ×2 of forward for units {@code range} over {@code batch} samples. */
  long forwardFlops(UnitRange range, int batch);

  /** Floating-point operations of backward (parameter and input gradients). */
  long backwardFlops(UnitRange range, int batch);

  /** The layer's parameters for {@code binding.units()}, initialised from the binding's seed. */
  Layer bind(LayerBinding binding);

  /** Short human description, e.g. "Dense 784→256 relu". */
  String describe();
}
