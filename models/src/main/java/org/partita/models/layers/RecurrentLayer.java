package org.partita.models.layers;

import java.util.Arrays;
import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.tensor.RowBlocks;

/**
 * A SimpleRNN, LSTM or GRU bound to hidden units [a, b) (u of them, G gates each, H hidden in all,
 * F inputs, T steps).
 *
 * <p>The per-time-step API is the primitive: {@link #stepForward} computes this slice's gates,
 * cell and hidden state from x_t, the <em>full</em> h_{t-1} and its own c_{t-1};
 * {@link #stepBackward} adds parameter gradients and this slice's partial gradients with respect
 * to x_t and the full h_{t-1} (summed over slices by the caller — the runtime's reduce-scatter),
 * and carries the cell gradient to c_{t-1}. The cell's arithmetic is a {@link CellStep}: one GEMM
 * over the stacked [x_t; h_{t-1}] for SimpleRNN and LSTM ({@link StackedGatesStep}), one over each
 * for GRU ({@link GruStep}). Row layout of the weights: gate-major within the slice, row
 * g·u + (unit − a); columns [0, F) input weights, [F, F + H) recurrent weights; the bias likewise
 * with {@link RecurrentCell#biases()} rows per unit.
 *
 * <p>{@link #forward}/{@link #backward} run the whole sequence on top of the step API. They need
 * the full h_{t-1} at every step, so they exist for the whole layer only; a slice runs step by step
 * with the other slices, which is what the runtime does. The sequence's step states are kept from
 * forward for backward (recomputed on a cache miss, like Conv2D's patches). The initial state is
 * zero unless {@link #carryState()} made the last forward's final state the next one's initial
 * state (truncated backpropagation through time over consecutive windows).
 *
 * <p>Threading: one thread at a time.
 */
public final class RecurrentLayer extends BoundLayer {
  private final RecurrentSpec spec;
  private final RecurrentCell cell;
  private final Parameter weights;
  private final Parameter bias;
  private final int units;
  private final int gateRows;
  private final int inputs;
  private final int hidden;
  private final CellStep step;

  private SequenceCache cache;
  private StepState initialState;

  RecurrentLayer(RecurrentSpec spec, LayerBinding binding) {
    super(spec, binding);
    this.spec = spec;
    this.cell = spec.cell();
    this.units = binding.units().size();
    this.gateRows = cell.gates() * units;
    this.inputs = spec.inputs();
    this.hidden = spec.hidden();
    this.weights = Parameter.zeros(binding.layerIndex(), ParameterKind.WEIGHTS, binding.units(), gateRows,
        inputs + hidden);
    this.bias = Parameter.zeros(binding.layerIndex(), ParameterKind.BIAS, binding.units(), cell.biases() * units, 1);
    initialize();
    this.step = spec instanceof GruSpec gru ? new GruStep(gru, binding.units(), weights, bias, blas)
        : new StackedGatesStep(spec, binding.units(), weights, bias, blas);
  }

  /** Weight (gate g, unit h, column c) is drawn at (unit h, index g·(F+H) + c): the same whole or split. */
  private void initialize() {
    Initializer initializer = Initializer.XAVIER_UNIFORM;
    float limit = initializer.limit(inputs + hidden, hidden);
    float[] w = weights.value().data;
    int columns = inputs + hidden;
    for (int g = 0; g < cell.gates(); g++) {
      for (int j = 0; j < units; j++) {
        int unit = units().begin() + j;
        for (int c = 0; c < columns; c++) {
          w[g * units + j + c * gateRows] = initializer.weight(binding.seed(), binding.layerIndex(), unit,
              g * columns + c, limit);
        }
      }
    }
    if (cell == RecurrentCell.LSTM) {
      Arrays.fill(bias.value().data, units, 2 * units, spec.forgetBias());
    }
  }

  @Override
  public RecurrentSpec spec() {
    return spec;
  }

  @Override
  public List<Parameter> parameters() {
    return List.of(weights, bias);
  }

  /** One time step's inputs: x_t (F × B) and the full h_{t-1} (H × B); either may be null in gradients. */
  public record StepInput(FloatMatrix x, FloatMatrix hiddenBefore) {}

  /** Gradient with respect to this slice's h_t (u × B) and c_t (u × B; replaced by that of c_{t-1}). */
  public record StepGradient(FloatMatrix hidden, FloatMatrix cell) {}

  /**
   * What one step of this slice produced: gates after their nonlinearity (G·u × B), c_t, a value
   * per unit its backward reads (u × B) and h_t (u × B).
   */
  public static final class StepState {
    final FloatMatrix gates;
    final FloatMatrix cell;
    /** LSTM: tanh(c_t), kept because tanh is dear; GRU: the candidate's recurrent part W_hn·h_{t-1} + b_hn. */
    final FloatMatrix saved;
    final FloatMatrix hidden;

    StepState(int gateRows, int units, int batch) {
      gates = new FloatMatrix(gateRows, batch);
      cell = new FloatMatrix(units, batch);
      saved = new FloatMatrix(units, batch);
      hidden = new FloatMatrix(units, batch);
    }

    /** h_t of this slice's units (u × B). */
    public FloatMatrix hidden() {
      return hidden;
    }

    /** c_t of this slice's units (u × B); zero for SimpleRNN and GRU. */
    public FloatMatrix cell() {
      return cell;
    }

    int batch() {
      return hidden.columns;
    }

    /** c_t and h_t of {@code other} (same units and batch): all a following step reads of its predecessor. */
    public void copyFrom(StepState other) {
      if (other.hidden.rows != hidden.rows || other.hidden.columns != hidden.columns) {
        throw new IllegalArgumentException("a step state of " + other.hidden.rows + " units × " + other.batch()
            + " streams cannot be copied into one of " + hidden.rows + " × " + batch());
      }
      System.arraycopy(other.cell.data, 0, cell.data, 0, cell.data.length);
      System.arraycopy(other.hidden.data, 0, hidden.data, 0, hidden.data.length);
    }
  }

  public StepState newStepState(int batch) {
    return new StepState(gateRows, units, batch);
  }

  // input.x (F × B), input.hiddenBefore (H × B, all units); previous: this slice's state at t−1
  // or null at t = 0 (zero cell); next receives the state at t.
  public void stepForward(StepInput input, StepState previous, StepState next) {
    checkStep(input, input.x().columns);
    step.forward(input, previous, next);
  }

  // Adds dW, db; adds this slice's partial gradients into inputGradient.x() (F × B) and
  // inputGradient.hiddenBefore() (H × B) when they are not null; gradient.cell() becomes dc_{t-1}.
  public void stepBackward(StepInput input, StepState previous, StepState current, StepGradient gradient,
      StepInput inputGradient) {
    checkStep(input, input.x().columns);
    step.backward(input, previous, current, gradient, inputGradient);
  }

  private void checkStep(StepInput input, int batch) {
    if (input.x().rows != inputs || input.hiddenBefore().rows != hidden || input.hiddenBefore().columns != batch) {
      throw new IllegalArgumentException(name() + ": step input is x " + input.x().rows + "×" + input.x().columns
          + " and h " + input.hiddenBefore().rows + "×" + input.hiddenBefore().columns + "; expected " + inputs
          + "×B and " + hidden + "×B");
    }
  }

  // input (T·F × B, time-major), output (T·H × B with returnSequences, else H × B)
  @Override
  public void forward(FloatMatrix input, FloatMatrix output, BatchContext context) {
    checkForward(input, output);
    requireWhole();
    int batch = input.columns;
    SequenceCache sequence = runSequence(input, context);
    int steps = spec.timeSteps();
    if (spec.returnSequences()) {
      for (int t = 0; t < steps; t++) {
        RowBlocks.place(sequence.states[t].hidden, output, t * hidden, steps * hidden);
      }
    } else {
      System.arraycopy(sequence.states[steps - 1].hidden.data, 0, output.data, 0, hidden * batch);
    }
  }

  // outputGradient as output; inputGradient (T·F × B) or null
  @Override
  public void backward(FloatMatrix input, FloatMatrix output, FloatMatrix outputGradient, FloatMatrix inputGradient,
      BatchContext context) {
    checkBackward(input, output, outputGradient, inputGradient);
    requireWhole();
    int batch = input.columns;
    int steps = spec.timeSteps();
    SequenceCache sequence = cache != null && cache.matches(input, context) ? cache : runSequence(input, context);
    FloatMatrix dh = sequence.gradientHidden;
    FloatMatrix dhBefore = sequence.gradientHiddenBefore;
    FloatMatrix dc = sequence.gradientCell;
    Arrays.fill(dhBefore.data, 0f);
    Arrays.fill(dc.data, 0f);
    for (int t = steps - 1; t >= 0; t--) {
      // dh_t = gradient from the output at t + gradient through h_t into step t+1
      System.arraycopy(dhBefore.data, 0, dh.data, 0, hidden * batch);
      Arrays.fill(dhBefore.data, 0f);
      if (spec.returnSequences()) {
        RowBlocks.add(outputGradient, t * hidden, steps * hidden, dh);
      } else if (t == steps - 1) {
        RowBlocks.add(outputGradient, 0, hidden, dh);
      }
      RowBlocks.copy(input, t * inputs, steps * inputs, sequence.x);
      FloatMatrix dx = inputGradient == null ? null : sequence.gradientX;
      if (dx != null) {
        Arrays.fill(dx.data, 0f);
      }
      StepState previous = t == 0 ? initialState : sequence.states[t - 1];
      FloatMatrix hiddenBefore = previous == null ? sequence.zeros : previous.hidden;
      stepBackward(new StepInput(sequence.x, hiddenBefore), previous, sequence.states[t],
          new StepGradient(dh, dc), new StepInput(dx, dhBefore));
      if (dx != null) {
        RowBlocks.addInto(dx, inputGradient, t * inputs, steps * inputs);
      }
    }
  }

  /**
   * Makes the final state of the last forward the initial state of the next (truncated BPTT over
   * consecutive windows of the same streams). The gradient does not flow back across windows.
   */
  public void carryState() {
    StepState last = finalState();
    if (initialState == null || initialState.batch() != last.batch()) {
      initialState = newStepState(last.batch());
    }
    initialState.copyFrom(last);
  }

  /** Back to a zero initial state (new streams, evaluation). */
  public void resetState() {
    startFrom(null);
  }

  /**
   * The state after the last forward's final step; the next forward overwrites it, so a caller
   * that keeps it copies it ({@link StepState#copyFrom}).
   */
  public StepState finalState() {
    if (cache == null) {
      throw new IllegalStateException(name() + ": no forward to take the final state of");
    }
    return cache.states[spec.timeSteps() - 1];
  }

  /**
   * The next forward starts from {@code initial} (this layer's c and h for the same streams; null:
   * zeros), and so does a backward that has to run the sequence again. For a caller that runs
   * several groups of streams in turn and keeps each group's state itself, such as the runtime's
   * micro-batches; the state is read, not copied, so it must stay unchanged until backward.
   */
  public void startFrom(StepState initial) {
    if (initial != initialState && cache != null) {
      cache.input = null; // a sequence run from another initial state must not serve a backward
    }
    initialState = initial;
  }

  private SequenceCache runSequence(FloatMatrix input, BatchContext context) {
    int batch = input.columns;
    if (initialState != null && initialState.batch() != batch) {
      throw new IllegalStateException(name() + ": carried state is for a batch of " + initialState.batch()
          + " streams but the input has " + batch + "; call resetState() first");
    }
    if (cache == null || cache.batch != batch) {
      cache = new SequenceCache(batch);
    }
    int steps = spec.timeSteps();
    for (int t = 0; t < steps; t++) {
      RowBlocks.copy(input, t * inputs, steps * inputs, cache.x);
      StepState previous = t == 0 ? initialState : cache.states[t - 1];
      FloatMatrix hiddenBefore = previous == null ? cache.zeros : previous.hidden;
      stepForward(new StepInput(cache.x, hiddenBefore), previous, cache.states[t]);
    }
    cache.input = input;
    cache.context = context;
    return cache;
  }

  private void requireWhole() {
    if (units != hidden) {
      throw new IllegalStateException(name() + ": a slice of a recurrent layer needs the other slices' h_{t-1} at "
          + "every step; run it step by step (stepForward/stepBackward) with them");
    }
  }


  /** The states of every step of the last forward, and buffers for its backward. */
  private final class SequenceCache {
    final int batch;
    final StepState[] states;
    final FloatMatrix x;
    final FloatMatrix zeros;
    final FloatMatrix gradientX;
    final FloatMatrix gradientHidden;
    final FloatMatrix gradientHiddenBefore;
    final FloatMatrix gradientCell;
    FloatMatrix input;
    BatchContext context;

    SequenceCache(int batch) {
      this.batch = batch;
      states = new StepState[spec.timeSteps()];
      for (int t = 0; t < states.length; t++) {
        states[t] = newStepState(batch);
      }
      x = new FloatMatrix(inputs, batch);
      zeros = new FloatMatrix(hidden, batch);
      gradientX = new FloatMatrix(inputs, batch);
      gradientHidden = new FloatMatrix(hidden, batch);
      gradientHiddenBefore = new FloatMatrix(hidden, batch);
      gradientCell = new FloatMatrix(units, batch);
    }

    boolean matches(FloatMatrix candidate, BatchContext candidateContext) {
      return candidate == input && candidateContext.equals(context);
    }
  }
}
