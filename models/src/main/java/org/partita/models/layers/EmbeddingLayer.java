package org.partita.models.layers;

import java.util.List;
import org.jblas.FloatMatrix;

/**
 * Embedding dimensions [a, b) (u of them): the table W (u × V), column v this slice's part of token
 * v's vector. Forward copies each step's token column; backward adds each step's output gradient
 * into its token's column, so a token that occurs several times in a batch gets the sum of its
 * gradients, added in sample and step order (the same order in every slice, so slices agree with
 * the whole bit for bit). Ids have no gradient: an input gradient buffer, if any, is left as it is.
 */
final class EmbeddingLayer extends BoundLayer {
  private final EmbeddingSpec spec;
  private final Parameter table;

  EmbeddingLayer(EmbeddingSpec spec, LayerBinding binding) {
    super(spec, binding);
    this.spec = spec;
    UnitRange units = binding.units();
    this.table = Parameter.zeros(binding.layerIndex(), ParameterKind.WEIGHTS, units, units.size(), spec.vocabulary());
    Initializer initializer = Initializer.EMBEDDING_UNIFORM;
    float limit = initializer.limit(spec.vocabulary(), spec.dim());
    float[] w = table.value().data;
    for (int v = 0; v < spec.vocabulary(); v++) {
      for (int j = 0; j < units.size(); j++) {
        w[v * units.size() + j] = initializer.weight(binding.seed(), binding.layerIndex(), units.begin() + j, v, limit);
      }
    }
  }

  @Override
  public EmbeddingSpec spec() {
    return spec;
  }

  @Override
  public List<Parameter> parameters() {
    return List.of(table);
  }

  // input (T × B, token ids), output (T·u × B, time-major)
  @Override
  public void forward(FloatMatrix input, FloatMatrix output, BatchContext context) {
    checkForward(input, output);
    int u = units().size();
    int steps = spec.timeSteps();
    float[] w = table.value().data;
    for (int s = 0; s < input.columns; s++) {
      for (int t = 0; t < steps; t++) {
        System.arraycopy(w, token(input, s, t, context) * u, output.data, (s * steps + t) * u, u);
      }
    }
  }

  // input (T × B), output and outputGradient (T·u × B); inputGradient untouched
  @Override
  public void backward(FloatMatrix input, FloatMatrix output, FloatMatrix outputGradient, FloatMatrix inputGradient,
      BatchContext context) {
    checkBackward(input, output, outputGradient, inputGradient);
    int u = units().size();
    int steps = spec.timeSteps();
    float[] dw = table.gradient().data;
    float[] dy = outputGradient.data;
    for (int s = 0; s < input.columns; s++) {
      for (int t = 0; t < steps; t++) {
        int column = token(input, s, t, context) * u;
        int from = (s * steps + t) * u;
        for (int j = 0; j < u; j++) {
          dw[column + j] += dy[from + j];
        }
      }
    }
  }

  /** The token id at step t of sample s, refused unless it is an integer in [0, vocabulary). */
  private int token(FloatMatrix input, int s, int t, BatchContext context) {
    float value = input.data[s * spec.timeSteps() + t];
    int id = (int) value;
    if (id != value || id < 0 || id >= spec.vocabulary()) {
      throw new IllegalArgumentException(name() + ": sample " + (context.firstSample() + s) + " of the batch, time "
          + "step " + t + " holds " + value + "; token ids must be integers in [0, " + spec.vocabulary() + ")");
    }
    return id;
  }
}
