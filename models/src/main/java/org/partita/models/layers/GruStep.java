package org.partita.models.layers;

import org.partita.models.blas.Blas;
import org.partita.models.blas.Parallel;
import org.partita.models.blas.Transpose;
import org.partita.models.layers.RecurrentLayer.StepGradient;
import org.partita.models.layers.RecurrentLayer.StepInput;
import org.partita.models.layers.RecurrentLayer.StepState;

/**
 * A GRU step for units [a, b) ({@link GruSpec}'s equations and layout). The reset gate scales the
 * recurrent part of the candidate only, so the candidate cannot come from one GEMM over the
 * stacked [x_t; h_{t-1}] as the other cells' gates do: forward makes one GEMM over x_t and one over
 * the full h_{t-1}, each for all 3u gate rows (together the multiply-adds of the stacked one), and
 * combines them per element. The candidate's recurrent part W_hn·h_{t-1} + b_hn is kept in the step
 * state for backward. A unit's own h_{t-1} is read from the full h_{t-1} the step is given.
 */
final class GruStep implements CellStep {
  private final Parameter weights;
  private final Parameter bias;
  private final Blas blas;
  private final int units;
  private final int gateRows;
  private final int firstUnit;
  private final int inputs;
  private final int hidden;
  /** W_h·h_{t-1} (3u × B). */
  private final BoundLayer.Scratch recurrentPart = new BoundLayer.Scratch();
  /** Gradients of the gates' input parts (3u × B): da_r, da_z, da_n. */
  private final BoundLayer.Scratch inputPartGradient = new BoundLayer.Scratch();
  /** Gradients of the gates' recurrent parts (3u × B): da_r, da_z, r ⊙ da_n. */
  private final BoundLayer.Scratch recurrentPartGradient = new BoundLayer.Scratch();

  GruStep(GruSpec spec, UnitRange units, Parameter weights, Parameter bias, Blas blas) {
    this.weights = weights;
    this.bias = bias;
    this.blas = blas;
    this.units = units.size();
    this.gateRows = 3 * units.size();
    this.firstUnit = units.begin();
    this.inputs = spec.inputs();
    this.hidden = spec.hidden();
  }

  // next.gates ← r, z, n (3u × B); next.saved ← W_hn·h_{t-1} + b_hn (u × B); next.hidden ← h_t (u × B)
  @Override
  public void forward(StepInput input, StepState previous, StepState next) {
    int batch = input.x().columns;
    float[] w = weights.value().data;
    float[] a = next.gates.data;
    float[] r = recurrentPart.atLeast(gateRows * batch);
    float[] hBefore = input.hiddenBefore().data;
    // A (3u × B) = W_i · x_t;  R (3u × B) = W_h · h_{t-1}
    blas.gemm(Transpose.NO, Transpose.NO, gateRows, batch, inputs, 1f,
        w, 0, gateRows, input.x().data, 0, inputs, 0f, a, 0, gateRows);
    blas.gemm(Transpose.NO, Transpose.NO, gateRows, batch, hidden, 1f,
        w, inputs * gateRows, gateRows, hBefore, 0, hidden, 0f, r, 0, gateRows);
    float[] b = bias.value().data;
    float[] kept = next.saved.data;
    float[] h = next.hidden.data;
    Parallel.forRange(batch, 40L * gateRows, (from, to) -> {
      for (int s = from; s < to; s++) {
        int g = s * gateRows;
        int base = s * units;
        int before = s * hidden + firstUnit;
        for (int j = 0; j < 2 * units; j++) {
          a[g + j] += r[g + j] + b[j];
        }
        Activation.SIGMOID.apply(a, g, g + 2 * units);
        for (int j = 0; j < units; j++) {
          float recurrent = r[g + 2 * units + j] + b[3 * units + j];
          kept[base + j] = recurrent;
          a[g + 2 * units + j] += b[2 * units + j] + a[g + j] * recurrent;
        }
        Activation.TANH.apply(a, g + 2 * units, g + 3 * units);
        for (int j = 0; j < units; j++) {
          float z = a[g + units + j];
          h[base + j] = (1f - z) * a[g + 2 * units + j] + z * hBefore[before + j];
        }
      }
    });
  }

  // Adds dW, db; adds W_iᵀ·dA into inputGradient.x() (F × B), and W_hᵀ·dR plus dh ⊙ z (the path
  // straight to this slice's own units of h_{t-1}) into inputGradient.hiddenBefore() (H × B),
  // each unless null. The cell gradient is not touched: a GRU has no cell.
  @Override
  public void backward(StepInput input, StepState previous, StepState current, StepGradient gradient,
      StepInput inputGradient) {
    int batch = input.x().columns;
    float[] da = inputPartGradient.atLeast(gateRows * batch);
    float[] dr = recurrentPartGradient.atLeast(gateRows * batch);
    float[] gates = current.gates.data;
    float[] kept = current.saved.data;
    float[] dh = gradient.hidden().data;
    float[] hBefore = input.hiddenBefore().data;
    float[] dhBefore = inputGradient.hiddenBefore() == null ? null : inputGradient.hiddenBefore().data;
    Parallel.forRange(batch, 20L * gateRows, (from, to) -> {
      for (int s = from; s < to; s++) {
        int g = s * gateRows;
        int base = s * units;
        int before = s * hidden + firstUnit;
        for (int j = 0; j < units; j++) {
          float reset = gates[g + j];
          float update = gates[g + units + j];
          float candidate = gates[g + 2 * units + j];
          float d = dh[base + j];
          float dCandidate = d * (1f - update) * (1f - candidate * candidate);
          float dUpdate = d * (hBefore[before + j] - candidate) * update * (1f - update);
          float dReset = dCandidate * kept[base + j] * reset * (1f - reset);
          da[g + j] = dReset;
          da[g + units + j] = dUpdate;
          da[g + 2 * units + j] = dCandidate;
          dr[g + j] = dReset;
          dr[g + units + j] = dUpdate;
          dr[g + 2 * units + j] = dCandidate * reset;
          if (dhBefore != null) {
            dhBefore[before + j] += d * update;
          }
        }
      }
    });
    float[] dw = weights.gradient().data;
    // dW_i += dA · x_tᵀ;  dW_h += dR · h_{t-1}ᵀ
    blas.gemm(Transpose.NO, Transpose.YES, gateRows, inputs, batch, 1f,
        da, 0, gateRows, input.x().data, 0, inputs, 1f, dw, 0, gateRows);
    blas.gemm(Transpose.NO, Transpose.YES, gateRows, hidden, batch, 1f,
        dr, 0, gateRows, hBefore, 0, hidden, 1f, dw, inputs * gateRows, gateRows);
    addBiasGradients(da, dr, batch);
    float[] w = weights.value().data;
    if (inputGradient.x() != null) {
      // dx_t += W_iᵀ · dA
      blas.gemm(Transpose.YES, Transpose.NO, inputs, batch, gateRows, 1f,
          w, 0, gateRows, da, 0, gateRows, 1f, inputGradient.x().data, 0, inputs);
    }
    if (dhBefore != null) {
      // dh_{t-1} += W_hᵀ · dR (this slice's share; the caller sums over slices)
      blas.gemm(Transpose.YES, Transpose.NO, hidden, batch, gateRows, 1f,
          w, inputs * gateRows, gateRows, dr, 0, gateRows, 1f, dhBefore, 0, hidden);
    }
  }

  /** b_r, b_z, b_in += row sums of dA; b_hn += row sums of dR's candidate rows. */
  private void addBiasGradients(float[] da, float[] dr, int batch) {
    float[] db = bias.gradient().data;
    DenseLayer.addRowSums(da, db, gateRows, batch);
    for (int s = 0; s < batch; s++) {
      int candidate = s * gateRows + 2 * units;
      for (int j = 0; j < units; j++) {
        db[gateRows + j] += dr[candidate + j];
      }
    }
  }
}
