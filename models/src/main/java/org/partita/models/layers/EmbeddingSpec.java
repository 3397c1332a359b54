package org.partita.models.layers;

/**
 * A lookup table from integer token ids to vectors: input one id per time step (T, carried as
 * float values), output one {@code dim}-vector per step, time-major (row t·dim + d) like the
 * sequences recurrent layers read, so an RNN, LSTM or GRU over {@code dim} inputs can follow.
 * Units are embedding dimensions: a slice of dimensions [a, b) owns those rows of the table,
 * (b − a) × vocabulary, column v holding its part of token v's vector. An id that is not an integer
 * in [0, vocabulary) is refused, naming the sample, the time step and the value. Only a model's
 * first layer reads ids ({@link org.partita.models.network.ModelSpec} enforces it).
 *
 * <p>For ONNX (Gather over a vocabulary × dim table) the table is this weight transposed.
 */
public record EmbeddingSpec(int vocabulary, int dim, int timeSteps) implements LayerSpec {
  public EmbeddingSpec {
    if (vocabulary < 1 || dim < 1 || timeSteps < 1) {
      throw new IllegalArgumentException("Embedding needs a vocabulary, a dimension and time steps ≥ 1; got "
          + vocabulary + ", " + dim + ", " + timeSteps);
    }
  }

  @Override
  public Shape inputShape() {
    return Shape.vector(timeSteps);
  }

  @Override
  public Shape outputShape() {
    return new Shape(timeSteps, dim, 1);
  }

  /** Per-step outputs are time-major, so a slice's rows interleave with the others' across time. */
  @Override
  public int wholeOutputRow(UnitRange range, int row) {
    return range.timeMajorRow(row, dim);
  }

  @Override
  public int units() {
    return dim;
  }

  @Override
  public long parameterCount(UnitRange range) {
    return (long) range.size() * vocabulary;
  }

  /** A lookup multiplies nothing. */
  @Override
  public long forwardFlops(UnitRange range, int batch) {
    return 0;
  }

  /** One addition per output gradient value, into its token's column. */
  @Override
  public long backwardFlops(UnitRange range, int batch) {
    return (long) batch * timeSteps * range.size();
  }

  @Override
  public Layer bind(LayerBinding binding) {
    return new EmbeddingLayer(this, binding);
  }

  @Override
  public String describe() {
    return "Embedding " + vocabulary + "→" + dim + " ×" + timeSteps;
  }
}
