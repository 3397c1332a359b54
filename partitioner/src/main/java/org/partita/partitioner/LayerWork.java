package org.partita.partitioner;

import java.util.ArrayList;
import java.util.List;
import org.partita.models.layers.Conv2DSpec;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.DropoutSpec;
import org.partita.models.layers.EmbeddingSpec;
import org.partita.models.layers.FlattenSpec;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.Pool2DSpec;
import org.partita.models.layers.RecurrentCell;
import org.partita.models.layers.RecurrentSpec;
import org.partita.models.layers.UnitRange;

/**
 * What one forward + backward of units {@code units} of a layer over {@code batch} samples costs,
 * counted the way the layers in {@code models} compute it: the GEMM calls with their shapes, the
 * floats the surrounding loops move (im2col, col2im, layout changes, bias, element-wise
 * derivatives, copies), the window elements pooling visits (compares and masks rather than
 * copies, priced on their own), the transcendental functions (exp, tanh) evaluated, and the
 * parallel loops started (each a fixed cost, like each GEMM call). The cost model turns these
 * counts into seconds with a {@link MachineProfile}.
 */
public record LayerWork(List<GemmShape> gemms, long floatsMoved, long pooled, long transcendentals, int loops) {

  /** Fixed-cost events: GEMM calls plus the parallel loops around them. */
  public int calls() {
    return gemms.size() + loops;
  }

  public long gemmFlops() {
    return gemms.stream().mapToLong(GemmShape::flops).sum();
  }

  /** Forward + backward of one layer; {@code inputGradient} false for a model's first layer. */
  public static LayerWork of(LayerSpec spec, UnitRange units, int batch, boolean inputGradient) {
    int u = units.size();
    if (spec instanceof DenseSpec dense) {
      int columns = batch * dense.timeSteps();
      long outputs = (long) u * columns;
      List<GemmShape> gemms = new ArrayList<>(List.of(
          new GemmShape(u, columns, dense.inputs()),
          new GemmShape(u, dense.inputs(), columns)));
      if (inputGradient) {
        gemms.add(new GemmShape(dense.inputs(), columns, u));
      }
      boolean saturating = dense.activation() == org.partita.models.layers.Activation.TANH
          || dense.activation() == org.partita.models.layers.Activation.SIGMOID;
      // bias + activation, derivative, bias-gradient row sum
      return new LayerWork(gemms, 4 * outputs, 0, saturating ? outputs : 0, 0);
    }
    if (spec instanceof Conv2DSpec conv) {
      int rows = conv.outputShape().positions() * batch;
      long patches = (long) rows * conv.patchSize();
      long outputs = (long) u * rows;
      List<GemmShape> gemms = new ArrayList<>(List.of(
          new GemmShape(rows, u, conv.patchSize()),
          new GemmShape(u, conv.patchSize(), rows)));
      // im2col; layout in, bias + activation, derivative into the layout out, db. On one thread
      // backward builds the patches again, chunk by chunk in the cache: not priced as a pass.
      long moved = patches + 5 * outputs;
      if (inputGradient) {
        gemms.add(new GemmShape(rows, conv.patchSize(), u));
        moved += 2 * patches;               // col2im reads the patch gradient and adds into the input gradient
      }
      // im2col, output layout; gradient layout, bias sums, col2im
      return new LayerWork(gemms, moved, 0, 0, inputGradient ? 5 : 4);
    }
    if (spec instanceof Pool2DSpec pool) {
      long outputs = (long) u * pool.outputShape().positions() * batch;
      long window = (long) pool.window().height() * pool.window().width();
      // Forward visits each output's window; backward, given an input gradient, visits it again.
      return new LayerWork(List.of(), 0, outputs * window * (inputGradient ? 2 : 1), 0, inputGradient ? 2 : 1);
    }
    if (spec instanceof FlattenSpec) {
      return new LayerWork(List.of(), 2L * u * batch, 0, 0, 0);
    }
    if (spec instanceof DropoutSpec) {
      // Mask bits come from a hash per element, about as dear as an exp.
      return new LayerWork(List.of(), 2L * u * batch, 0, 2L * u * batch, 0);
    }
    if (spec instanceof RecurrentSpec recurrent) {
      return recurrentWork(recurrent, u, batch, inputGradient);
    }
    if (spec instanceof EmbeddingSpec embedding) {
      // forward copies each step's token vector, backward adds its gradient into the token's column
      return new LayerWork(List.of(), 2L * embedding.timeSteps() * u * batch, 0, 0, 0);
    }
    throw new IllegalArgumentException("no cost model for " + spec.describe());
  }

  private static LayerWork recurrentWork(RecurrentSpec spec, int u, int batch, boolean inputGradient) {
    int gates = spec.cell().gates() * u;
    int stacked = spec.inputs() + spec.hidden();
    boolean gru = spec.cell() == RecurrentCell.GRU;
    List<GemmShape> gemms = new ArrayList<>();
    for (int t = 0; t < spec.timeSteps(); t++) {
      if (gru) {
        // The candidate needs W_in·x and W_hn·h apart: one GEMM over x_t and one over h_{t-1}, each way.
        gemms.add(new GemmShape(gates, batch, spec.inputs()));   // A = W_i·x
        gemms.add(new GemmShape(gates, batch, spec.hidden()));   // R = W_h·h
        gemms.add(new GemmShape(gates, spec.inputs(), batch));   // dW_i += dA·xᵀ
        gemms.add(new GemmShape(gates, spec.hidden(), batch));   // dW_h += dR·hᵀ
      } else {
        gemms.add(new GemmShape(gates, batch, stacked));         // Z = W·[x; h]
        gemms.add(new GemmShape(gates, stacked, batch));         // dW += dZ·[x; h]ᵀ
      }
      gemms.add(new GemmShape(spec.hidden(), batch, gates));     // dh_{t-1} += Whᵀ·dZ
      if (inputGradient) {
        gemms.add(new GemmShape(spec.inputs(), batch, gates));   // dx_t += Wxᵀ·dZ
      }
    }
    long perStep = (long) batch;
    // the stacked [x; h] written and read each way, or for a GRU its recurrent parts and their gradients
    long extra = gru ? 4L * gates : 4L * stacked;
    long moved = spec.timeSteps() * perStep * (extra + 6L * gates + 6L * u);
    long transcendental = spec.timeSteps() * perStep * (gates + (spec.cell() == RecurrentCell.LSTM ? u : 0));
    // gate nonlinearities forward, gate gradients backward: one parallel loop each per step
    return new LayerWork(gemms, moved, 0, transcendental, 2 * spec.timeSteps());
  }
}
