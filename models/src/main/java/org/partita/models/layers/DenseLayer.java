package org.partita.models.layers;

import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.blas.Transpose;

/**
 * Dense rows [a, b): W_s (units × inputs), b_s (units × 1). Forward is one GEMM plus a fused
 * bias-and-activation pass; backward is two GEMMs (dW, dX) and a row sum (db). A per-step layer
 * over T time steps sees its time-major (T·inputs × B) input as (inputs × T·B): the same GEMMs
 * with T times the columns, no copy.
 */
final class DenseLayer extends BoundLayer {
  private final DenseSpec spec;
  private final Parameter weights;
  private final Parameter bias;
  private final Scratch preActivationGradient = new Scratch();

  DenseLayer(DenseSpec spec, LayerBinding binding) {
    super(spec, binding);
    this.spec = spec;
    UnitRange units = binding.units();
    this.weights = Parameter.zeros(binding.layerIndex(), ParameterKind.WEIGHTS, units, units.size(), spec.inputs());
    this.bias = Parameter.zeros(binding.layerIndex(), ParameterKind.BIAS, units, units.size(), 1);
    initializeWeights(weights, spec.activation(), spec.inputs(), spec.outputs());
  }

  @Override
  public DenseSpec spec() {
    return spec;
  }

  @Override
  public List<Parameter> parameters() {
    return List.of(weights, bias);
  }

  // input (T·inputs × B), output (T·units × B); T = 1 for a plain dense layer
  @Override
  public void forward(FloatMatrix input, FloatMatrix output, BatchContext context) {
    checkForward(input, output);
    int units = units().size();
    int batch = input.columns * spec.timeSteps();
    blas.gemm(Transpose.NO, Transpose.NO, units, batch, spec.inputs(), 1f,
        weights.value().data, 0, units, input.data, 0, spec.inputs(), 0f, output.data, 0, units);
    addBias(bias.value().data, output.data, units, batch);
    spec.activation().apply(output.data, 0, units * batch);
  }

  // input (T·inputs × B), output and outputGradient (T·units × B), inputGradient (T·inputs × B) or null
  @Override
  public void backward(FloatMatrix input, FloatMatrix output, FloatMatrix outputGradient, FloatMatrix inputGradient,
      BatchContext context) {
    backward(input, output, outputGradient, inputGradient, context, () -> { });
  }

  // dX first, so that a shard can send it while dW and db are computed.
  @Override
  public void backward(FloatMatrix input, FloatMatrix output, FloatMatrix outputGradient, FloatMatrix inputGradient,
      BatchContext context, Runnable inputGradientReady) {
    checkBackward(input, output, outputGradient, inputGradient);
    int units = units().size();
    int batch = input.columns * spec.timeSteps();
    float[] dz = preActivationGradient(output.data, outputGradient.data, units * batch);
    if (inputGradient != null) {
      // dX += W_sᵀ · dZ  (this slice's partial input gradient)
      blas.gemm(Transpose.YES, Transpose.NO, spec.inputs(), batch, units, 1f,
          weights.value().data, 0, units, dz, 0, units, 1f, inputGradient.data, 0, spec.inputs());
    }
    inputGradientReady.run();
    // dW += dZ · Xᵀ
    blas.gemm(Transpose.NO, Transpose.YES, units, spec.inputs(), batch, 1f,
        dz, 0, units, input.data, 0, spec.inputs(), 1f, weights.gradient().data, 0, units);
    addRowSums(dz, bias.gradient().data, units, batch);
  }

  private float[] preActivationGradient(float[] output, float[] upstream, int count) {
    if (spec.activation() == Activation.IDENTITY) {
      return upstream;
    }
    float[] dz = preActivationGradient.atLeast(count);
    spec.activation().backward(output, upstream, dz, 0, count);
    return dz;
  }

  /** values (rows × columns) += bias broadcast over columns. */
  static void addBias(float[] bias, float[] values, int rows, int columns) {
    for (int j = 0; j < columns; j++) {
      int column = j * rows;
      for (int i = 0; i < rows; i++) {
        values[column + i] += bias[i];
      }
    }
  }

  /** sums[i] += Σ_j values(i, j) over a rows × columns block. */
  static void addRowSums(float[] values, float[] sums, int rows, int columns) {
    for (int j = 0; j < columns; j++) {
      int column = j * rows;
      for (int i = 0; i < rows; i++) {
        sums[i] += values[column + i];
      }
    }
  }
}
