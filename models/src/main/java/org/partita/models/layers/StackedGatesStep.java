package org.partita.models.layers;

import org.partita.models.blas.Blas;
import org.partita.models.blas.Parallel;
import org.partita.models.blas.Transpose;
import org.partita.models.layers.RecurrentLayer.StepGradient;
import org.partita.models.layers.RecurrentLayer.StepInput;
import org.partita.models.layers.RecurrentLayer.StepState;

/**
 * A SimpleRNN or LSTM step: every gate is a nonlinearity of W·[x_t; h_{t-1}] + b, so all gates of
 * the slice's u units are one GEMM over the stacked input (G·u × (F+H) times (F+H) × B), and
 * backward one GEMM for dW and one each for dx_t and dh_{t-1}.
 */
final class StackedGatesStep implements CellStep {
  private final RecurrentCell cell;
  private final Parameter weights;
  private final Parameter bias;
  private final Blas blas;
  private final int units;
  private final int gateRows;
  private final int inputs;
  private final int hidden;
  private final BoundLayer.Scratch stacked = new BoundLayer.Scratch();
  private final BoundLayer.Scratch preActivationGradient = new BoundLayer.Scratch();

  StackedGatesStep(RecurrentSpec spec, UnitRange units, Parameter weights, Parameter bias, Blas blas) {
    this.cell = spec.cell();
    this.weights = weights;
    this.bias = bias;
    this.blas = blas;
    this.units = units.size();
    this.gateRows = cell.gates() * units.size();
    this.inputs = spec.inputs();
    this.hidden = spec.hidden();
  }

  @Override
  public void forward(StepInput input, StepState previous, StepState next) {
    int batch = input.x().columns;
    float[] s = stack(input, batch);
    float[] z = next.gates.data;
    // Z (G·u × B) = W (G·u × (F+H)) · [x_t; h_{t-1}] ((F+H) × B), all gates at once
    blas.gemm(Transpose.NO, Transpose.NO, gateRows, batch, inputs + hidden, 1f,
        weights.value().data, 0, gateRows, s, 0, inputs + hidden, 0f, z, 0, gateRows);
    DenseLayer.addBias(bias.value().data, z, gateRows, batch);
    float[] c = next.cell.data;
    float[] tanhC = next.saved.data;
    float[] h = next.hidden.data;
    float[] cPrev = previous == null ? null : previous.cell.data;
    // Gate nonlinearities are exp/tanh per element: the costliest part after the GEMM, so split over cores.
    Parallel.forRange(batch, 40L * gateRows, (from, to) -> {
      for (int b = from; b < to; b++) {
        int gateBase = b * gateRows;
        int base = b * units;
        if (cell == RecurrentCell.SIMPLE_RNN) {
          Activation.TANH.apply(z, gateBase, gateBase + units);
          System.arraycopy(z, gateBase, h, base, units);
          continue;
        }
        Activation.SIGMOID.apply(z, gateBase, gateBase + 3 * units);
        Activation.TANH.apply(z, gateBase + 3 * units, gateBase + 4 * units);
        for (int j = 0; j < units; j++) {
          float i = z[gateBase + j];
          float f = z[gateBase + units + j];
          float o = z[gateBase + 2 * units + j];
          float g = z[gateBase + 3 * units + j];
          float ct = i * g + (cPrev == null ? 0f : f * cPrev[base + j]);
          float tc = (float) Math.tanh(ct);
          c[base + j] = ct;
          tanhC[base + j] = tc;
          h[base + j] = o * tc;
        }
      }
    });
  }

  @Override
  public void backward(StepInput input, StepState previous, StepState current, StepGradient gradient,
      StepInput inputGradient) {
    int batch = input.x().columns;
    float[] dz = preActivationGradient.atLeast(gateRows * batch);
    float[] dh = gradient.hidden().data;
    float[] z = current.gates.data;
    if (cell == RecurrentCell.SIMPLE_RNN) {
      for (int b = 0; b < batch; b++) {
        for (int j = 0; j < units; j++) {
          float h = z[b * gateRows + j];
          dz[b * gateRows + j] = dh[b * units + j] * (1f - h * h);
        }
      }
    } else {
      lstmGateGradients(current, previous, gradient, dz, batch);
    }
    float[] s = stack(input, batch);
    int columns = inputs + hidden;
    // dW += dZ · [x_t; h_{t-1}]ᵀ
    blas.gemm(Transpose.NO, Transpose.YES, gateRows, columns, batch, 1f,
        dz, 0, gateRows, s, 0, columns, 1f, weights.gradient().data, 0, gateRows);
    DenseLayer.addRowSums(dz, bias.gradient().data, gateRows, batch);
    if (inputGradient.x() != null) {
      // dx_t += Wxᵀ · dZ
      blas.gemm(Transpose.YES, Transpose.NO, inputs, batch, gateRows, 1f,
          weights.value().data, 0, gateRows, dz, 0, gateRows, 1f, inputGradient.x().data, 0, inputs);
    }
    if (inputGradient.hiddenBefore() != null) {
      // dh_{t-1} += Whᵀ · dZ (this slice's share; the caller sums over slices)
      blas.gemm(Transpose.YES, Transpose.NO, hidden, batch, gateRows, 1f,
          weights.value().data, inputs * gateRows, gateRows, dz, 0, gateRows, 1f,
          inputGradient.hiddenBefore().data, 0, hidden);
    }
  }

  private void lstmGateGradients(StepState current, StepState previous, StepGradient gradient, float[] dz, int batch) {
    float[] z = current.gates.data;
    float[] tanhC = current.saved.data;
    float[] cPrev = previous == null ? null : previous.cell.data;
    float[] dh = gradient.hidden().data;
    float[] dc = gradient.cell().data;
    Parallel.forRange(batch, 20L * gateRows, (from, to) -> {
      for (int b = from; b < to; b++) {
        int gateBase = b * gateRows;
        int base = b * units;
        for (int j = 0; j < units; j++) {
          float i = z[gateBase + j];
          float f = z[gateBase + units + j];
          float o = z[gateBase + 2 * units + j];
          float g = z[gateBase + 3 * units + j];
          float tc = tanhC[base + j];
          float dhj = dh[base + j];
          float dct = dc[base + j] + dhj * o * (1f - tc * tc);
          float before = cPrev == null ? 0f : cPrev[base + j];
          dz[gateBase + j] = dct * g * i * (1f - i);
          dz[gateBase + units + j] = dct * before * f * (1f - f);
          dz[gateBase + 2 * units + j] = dhj * tc * o * (1f - o);
          dz[gateBase + 3 * units + j] = dct * i * (1f - g * g);
          dc[base + j] = dct * f;
        }
      }
    });
  }

  /** [x_t; h_{t-1}] stacked column by column into the reused buffer ((F+H) × B). */
  private float[] stack(StepInput input, int batch) {
    int columns = inputs + hidden;
    float[] s = stacked.atLeast(columns * batch);
    for (int b = 0; b < batch; b++) {
      System.arraycopy(input.x().data, b * inputs, s, b * columns, inputs);
      System.arraycopy(input.hiddenBefore().data, b * hidden, s, b * columns + inputs, hidden);
    }
    return s;
  }
}
