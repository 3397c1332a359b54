package org.partita.runtime.shard;

import java.util.Arrays;
import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.layers.RecurrentLayer;
import org.partita.models.layers.RecurrentLayer.StepGradient;
import org.partita.models.layers.RecurrentLayer.StepInput;
import org.partita.models.layers.RecurrentLayer.StepState;
import org.partita.models.layers.UnitRange;
import org.partita.models.tensor.RowBlocks;
import org.partita.models.tensor.TensorCodec;
import org.partita.proto.TensorProto;

/**
 * One slice of a recurrent layer running one micro-batch step by step together with the other
 * slices of its stage (DESIGN.md: recurrent layers exchange h_t every step forward and the dh
 * contributions every step backward).
 *
 * <p>Forward: step t needs the whole h_{t-1}, so after each step every slice sends its units' h_t
 * to the others (all-gather) and step t+1 waits until all have come. The gathered h_t of every
 * step are the layer's whole output, so the layer needs no all-gather of its own afterwards.
 * Backward: step t gives this slice's partial gradient with respect to the whole h_{t-1}; each
 * slice's units of it go to that slice (reduce-scatter), which adds the partials in slice order
 * before running step t−1. Cell states and their gradients stay in the slice.
 *
 * <p>Every step's state is kept from forward for backward. Pieces from other slices may arrive
 * before this slice reaches their step; they are kept by step. Threading: the owning engine's.
 */
final class RecurrentSteps {

  /** Where this slice's per-step pieces go: the engine sends them to the other slices. */
  interface Exchange {
    /** This slice's h_t (own units × B), for every other slice. */
    void hidden(int timeStep, FloatMatrix own);

    /** This slice's partial gradient with respect to {@code slice}'s units of h_t. */
    void hiddenGradient(int timeStep, int slice, TensorProto values);
  }

  private final RecurrentLayer layer;
  private final int slice;
  private final RowSelection[] unitRows;
  private final int steps;
  private final int inputs;
  private final int hidden;
  private final int units;
  private final boolean returnSequences;
  private final StepState[] states;
  private final FloatMatrix[] gatheredHidden;
  private final long[] hiddenFrom;
  private final FloatMatrix[][] hiddenGradientParts;
  private final long[] gradientFrom;
  private final FloatMatrix stepInput;
  private final FloatMatrix zeros;
  private final FloatMatrix stepInputGradient;
  private final FloatMatrix hiddenBeforeGradient;
  private final FloatMatrix hiddenGradient;
  private final FloatMatrix cellGradient;
  /** What step 0 follows when streams are carried: the whole final h and this slice's final c and h. */
  private final FloatMatrix initialHidden;
  private final StepState initialState;
  private boolean carrying;
  private int forwardStep;
  private int backwardStep;
  private FloatMatrix outputGradient;
  private FloatMatrix inputGradient;

  /** {@code sliceUnits}: the units of every slice of the layer, in slice order; {@code slice} is this one. */
  RecurrentSteps(RecurrentLayer layer, List<UnitRange> sliceUnits, int slice, int batch) {
    this.layer = layer;
    this.slice = slice;
    this.steps = layer.spec().timeSteps();
    this.inputs = layer.spec().inputs();
    this.hidden = layer.spec().hidden();
    this.units = layer.units().size();
    this.returnSequences = layer.spec().returnSequences();
    this.unitRows = sliceUnits.stream().map(range -> RowSelection.range(hidden, range)).toArray(RowSelection[]::new);
    this.states = new StepState[steps];
    this.gatheredHidden = new FloatMatrix[steps];
    this.hiddenGradientParts = new FloatMatrix[steps][unitRows.length];
    for (int t = 0; t < steps; t++) {
      states[t] = layer.newStepState(batch);
      gatheredHidden[t] = new FloatMatrix(hidden, batch);
      for (int q = 0; q < unitRows.length; q++) {
        hiddenGradientParts[t][q] = new FloatMatrix(units, batch);
      }
    }
    this.hiddenFrom = new long[steps];
    this.gradientFrom = new long[steps];
    this.stepInput = new FloatMatrix(inputs, batch);
    this.zeros = new FloatMatrix(hidden, batch);
    this.stepInputGradient = new FloatMatrix(inputs, batch);
    this.hiddenBeforeGradient = new FloatMatrix(hidden, batch);
    this.hiddenGradient = new FloatMatrix(units, batch);
    this.cellGradient = new FloatMatrix(units, batch);
    this.initialHidden = new FloatMatrix(hidden, batch);
    this.initialState = layer.newStepState(batch);
  }

  /**
   * Ready for a new micro-batch: nothing received, no step run. With {@code carry} it continues
   * the same streams: step 0 follows the final step of the forward these buffers ran last (the
   * caller makes sure that was the previous round's), else it starts from zeros.
   */
  void start(boolean carry) {
    if (carry) {
      System.arraycopy(gatheredHidden[steps - 1].data, 0, initialHidden.data, 0, initialHidden.data.length);
      initialState.copyFrom(states[steps - 1]);
    }
    carrying = carry;
    Arrays.fill(hiddenFrom, 0);
    Arrays.fill(gradientFrom, 0);
    forwardStep = 0;
    backwardStep = steps - 1;
    outputGradient = null;
    inputGradient = null;
  }

  /**
   * Runs every step whose h_{t-1} is complete, sending each h_t; true once all steps are done and
   * the last h_t is gathered. {@code input}: the layer's whole input (T·F × B, time-major).
   */
  boolean forward(FloatMatrix input, Exchange exchange) {
    while (forwardStep < steps && (forwardStep == 0 || complete(hiddenFrom[forwardStep - 1]))) {
      int t = forwardStep;
      RowBlocks.copy(input, t * inputs, steps * inputs, stepInput);
      layer.stepForward(new StepInput(stepInput, hiddenBefore(t)), previous(t), states[t]);
      hiddenFrom[t] = mark(hiddenFrom[t], slice, t, "h");
      unitRows[slice].scatter(states[t].hidden(), gatheredHidden[t]);
      exchange.hidden(t, states[t].hidden());
      forwardStep++;
    }
    return forwardDone();
  }

  boolean forwardDone() {
    return forwardStep == steps && complete(hiddenFrom[steps - 1]);
  }

  /** Another slice's h_t. */
  void receiveHidden(int timeStep, int sender, TensorProto values, String what) {
    checkStep(timeStep, what);
    hiddenFrom[timeStep] = mark(hiddenFrom[timeStep], sender, timeStep, what);
    unitRows[sender].decodeInto(values, gatheredHidden[timeStep], what);
  }

  /**
   * After forward: this slice's output rows ({@code own}, the binding's layout) and, unless null,
   * the layer's whole output ({@code whole}), both from the kept h_t.
   */
  void writeOutputs(FloatMatrix own, FloatMatrix whole) {
    if (!returnSequences) {
      System.arraycopy(states[steps - 1].hidden().data, 0, own.data, 0, own.data.length);
      if (whole != null) {
        System.arraycopy(gatheredHidden[steps - 1].data, 0, whole.data, 0, whole.data.length);
      }
      return;
    }
    for (int t = 0; t < steps; t++) {
      RowBlocks.place(states[t].hidden(), own, t * units, steps * units);
      if (whole != null) {
        RowBlocks.place(gatheredHidden[t], whole, t * hidden, steps * hidden);
      }
    }
  }

  boolean backwardStarted() {
    return outputGradient != null;
  }

  /**
   * Starts backward with the gradient of this slice's output rows and the layer's input gradient
   * (T·F × B, zeroed by the caller; null for a first layer), which the steps add into.
   */
  void beginBackward(FloatMatrix outputGradient, FloatMatrix inputGradient) {
    this.outputGradient = outputGradient;
    this.inputGradient = inputGradient;
  }

  /** Runs every step whose dh_t is complete, sending the partial dh_{t-1}; true once step 0 is done. */
  boolean backward(FloatMatrix input, Exchange exchange) {
    while (backwardStep >= 0 && (backwardStep == steps - 1 || complete(gradientFrom[backwardStep]))) {
      int t = backwardStep;
      if (t == steps - 1) {
        Arrays.fill(hiddenGradient.data, 0f);
        Arrays.fill(cellGradient.data, 0f);
      } else {
        sumParts(t);
      }
      if (returnSequences) {
        RowBlocks.add(outputGradient, t * units, steps * units, hiddenGradient);
      } else if (t == steps - 1) {
        RowBlocks.add(outputGradient, 0, units, hiddenGradient);
      }
      RowBlocks.copy(input, t * inputs, steps * inputs, stepInput);
      if (inputGradient != null) {
        Arrays.fill(stepInputGradient.data, 0f);
      }
      if (t > 0) {
        Arrays.fill(hiddenBeforeGradient.data, 0f);
      }
      layer.stepBackward(new StepInput(stepInput, hiddenBefore(t)), previous(t), states[t],
          new StepGradient(hiddenGradient, cellGradient),
          new StepInput(inputGradient == null ? null : stepInputGradient, t > 0 ? hiddenBeforeGradient : null));
      if (inputGradient != null) {
        RowBlocks.addInto(stepInputGradient, inputGradient, t * inputs, steps * inputs);
      }
      if (t > 0) {
        for (int q = 0; q < unitRows.length; q++) {
          if (q == slice) {
            gradientFrom[t - 1] = mark(gradientFrom[t - 1], q, t - 1, "dh");
            unitRows[q].gather(hiddenBeforeGradient, hiddenGradientParts[t - 1][q]);
          } else {
            exchange.hiddenGradient(t - 1, q, unitRows[q].encode(hiddenBeforeGradient));
          }
        }
      }
      backwardStep--;
    }
    return backwardStep < 0;
  }

  /** This slice's state before step t: step t−1's, or at t = 0 the carried one (null: zeros). */
  private StepState previous(int t) {
    return t > 0 ? states[t - 1] : carrying ? initialState : null;
  }

  /** The whole h_{t−1}. */
  private FloatMatrix hiddenBefore(int t) {
    return t > 0 ? gatheredHidden[t - 1] : carrying ? initialHidden : zeros;
  }

  /** Another slice's partial gradient with respect to this slice's units of h_t. */
  void receiveHiddenGradient(int timeStep, int sender, TensorProto values, String what) {
    checkStep(timeStep, what);
    if (timeStep == steps - 1) {
      throw new IllegalArgumentException(what + ": no step after " + timeStep + " sends a gradient for it");
    }
    gradientFrom[timeStep] = mark(gradientFrom[timeStep], sender, timeStep, what);
    TensorCodec.decodeInto(values, hiddenGradientParts[timeStep][sender], what);
  }

  /** The step forward waits at and the slices it waits for, or null when it is not waiting. */
  Waiting waitingForward() {
    if (forwardStep == 0 || forwardDone()) {
      return null;
    }
    int t = forwardStep < steps ? forwardStep - 1 : steps - 1;
    return new Waiting(t, missing(hiddenFrom[t]));
  }

  Waiting waitingBackward() {
    if (backwardStep < 0 || backwardStep == steps - 1 || complete(gradientFrom[backwardStep])) {
      return null;
    }
    return new Waiting(backwardStep, missing(gradientFrom[backwardStep]));
  }

  /** Time step t waits for pieces from these slices. */
  record Waiting(int timeStep, List<Integer> slices) {}

  private void sumParts(int t) {
    float[] sum = hiddenGradient.data;
    System.arraycopy(hiddenGradientParts[t][0].data, 0, sum, 0, sum.length);
    for (int q = 1; q < unitRows.length; q++) {
      float[] part = hiddenGradientParts[t][q].data;
      for (int k = 0; k < sum.length; k++) {
        sum[k] += part[k];
      }
    }
  }

  private boolean complete(long from) {
    return Long.bitCount(from) == unitRows.length;
  }

  private List<Integer> missing(long from) {
    List<Integer> missing = new java.util.ArrayList<>();
    for (int q = 0; q < unitRows.length; q++) {
      if ((from & (1L << q)) == 0) {
        missing.add(q);
      }
    }
    return missing;
  }

  private long mark(long from, int sender, int timeStep, String what) {
    long bit = 1L << sender;
    if ((from & bit) != 0) {
      throw new IllegalArgumentException(what + ": time step " + timeStep + " arrived twice from slice " + sender);
    }
    return from | bit;
  }

  private void checkStep(int timeStep, String what) {
    if (timeStep < 0 || timeStep >= steps) {
      throw new IllegalArgumentException(what + ": time step " + timeStep + " but the layer has " + steps);
    }
  }

}
