package org.partita.models.layers;

import java.util.List;
import org.jblas.FloatMatrix;

/**
 * A layer bound to parameters: the units {@link #units()} of its spec. Stateless across calls
 * with respect to the data — everything backward needs is passed in again (the input and the
 * output forward produced), so a pipeline may run several forwards before their backwards.
 * A layer may keep a cache of forward work keyed by the input buffer and context; a miss only
 * recomputes.
 *
 * <p>Threading: a bound layer is used by one thread at a time.
 */
public interface Layer {
  LayerSpec spec();

  UnitRange units();

  /** Rows of the input matrix: the whole input of the layer, whatever units are bound. */
  default int inputRows() {
    return spec().inputShape().size();
  }

  /** Rows of the output matrix: this binding's units only. */
  default int outputRows() {
    return units().size() * spec().rowsPerUnit();
  }

  /** Parameters with their gradients; empty for layers without any. */
  List<Parameter> parameters();

  // input (inputRows × B), output (outputRows × B), overwritten.
  void forward(FloatMatrix input, FloatMatrix output, BatchContext context);

  // input, output as given to/produced by forward; outputGradient (outputRows × B) is read-only.
  // Adds parameter gradients, and adds this binding's partial input gradient into inputGradient
  // (inputRows × B) unless it is null (first layer: nobody needs it). Summing the partial input
  // gradients of all slices of a layer gives the whole layer's input gradient.
  void backward(FloatMatrix input, FloatMatrix output, FloatMatrix outputGradient, FloatMatrix inputGradient,
      BatchContext context);

  /**
   * {@link #backward} that runs {@code inputGradientReady} as soon as {@code inputGradient} is
   * complete. Layers that can compute it before their parameter gradients do so, which lets a
   * model-parallel shard send its partial input gradient while the parameter gradients are still
   * being computed. The results are the same as {@link #backward}'s.
   */
  default void backward(FloatMatrix input, FloatMatrix output, FloatMatrix outputGradient, FloatMatrix inputGradient,
      BatchContext context, Runnable inputGradientReady) {
    backward(input, output, outputGradient, inputGradient, context);
    inputGradientReady.run();
  }

  /**
   * True when {@link #backward} assigns every element of {@code inputGradient} instead of adding
   * into it, so a caller that would clear the buffer first need not: for the CNN's first pooling
   * that clearing is a 6.4 MB pass per batch of 64. Only a binding that is its layer's sole
   * contributor to the input gradient may say so.
   */
  default boolean assignsInputGradient() {
    return false;
  }

  default void zeroGradients() {
    for (Parameter parameter : parameters()) {
      parameter.zeroGradient();
    }
  }
}
