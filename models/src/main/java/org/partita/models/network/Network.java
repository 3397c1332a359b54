package org.partita.models.network;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jblas.FloatMatrix;
import org.partita.models.blas.Blas;
import org.partita.models.layers.BatchContext;
import org.partita.models.layers.Layer;
import org.partita.models.layers.LayerBinding;
import org.partita.models.layers.Parameter;
import org.partita.models.layers.RecurrentLayer;

/**
 * A whole model bound on one machine: every layer with all its units, and the activation and
 * gradient buffers of a forward/backward pass, allocated once per batch size and reused — the
 * single-process reference every distributed mode is compared with.
 *
 * <p>Threading: one thread at a time. The matrix {@link #forward} returns belongs to the network
 * and is overwritten by the next forward with the same batch size.
 */
public final class Network {
  /** The last batch of an epoch is usually smaller; evaluation uses its own size. Keep a few. */
  private static final int MAX_BUFFER_SETS = 4;

  private final ModelSpec spec;
  private final List<Layer> layers;
  private final List<Parameter> parameters;
  private final Map<Integer, PassBuffers> buffers = new LinkedHashMap<>(8, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Integer, PassBuffers> eldest) {
      return size() > MAX_BUFFER_SETS;
    }
  };

  public Network(ModelSpec spec, Blas blas) {
    this.spec = spec;
    List<Layer> bound = new ArrayList<>();
    List<Parameter> all = new ArrayList<>();
    for (int i = 0; i < spec.layers().size(); i++) {
      Layer layer = spec.layers().get(i).bind(LayerBinding.whole(i, spec.initSeed(), spec.layers().get(i), blas));
      bound.add(layer);
      all.addAll(layer.parameters());
    }
    this.layers = List.copyOf(bound);
    this.parameters = List.copyOf(all);
  }

  public ModelSpec spec() {
    return spec;
  }

  public List<Layer> layers() {
    return layers;
  }

  /** All parameters, layer by layer, weights before biases. */
  public List<Parameter> parameters() {
    return parameters;
  }

  /**
   * Makes every recurrent layer start its next forward from the final state of its last one:
   * consecutive batches continue the same streams (truncated BPTT).
   */
  public void carryRecurrentState() {
    for (Layer layer : layers) {
      if (layer instanceof RecurrentLayer recurrent) {
        recurrent.carryState();
      }
    }
  }

  /** Every recurrent layer back to a zero initial state. */
  public void resetRecurrentState() {
    for (Layer layer : layers) {
      if (layer instanceof RecurrentLayer recurrent) {
        recurrent.resetState();
      }
    }
  }

  public void zeroGradients() {
    for (Parameter parameter : parameters) {
      parameter.zeroGradient();
    }
  }

  // input (inputShape.size × B) → output (outputShape.size × B), owned by the network
  public FloatMatrix forward(FloatMatrix input, BatchContext context) {
    if (input.rows != spec.inputShape().size()) {
      throw new IllegalArgumentException("model '" + spec.name() + "': input has " + input.rows
          + " rows per sample, expected " + spec.inputShape().size() + " (" + spec.inputShape() + ")");
    }
    PassBuffers pass = buffers.computeIfAbsent(input.columns, this::allocate);
    pass.input = input;
    FloatMatrix current = input;
    for (int i = 0; i < layers.size(); i++) {
      layers.get(i).forward(current, pass.outputs[i], context);
      current = pass.outputs[i];
    }
    return current;
  }

  /**
   * Backward through every layer after a forward with the same batch size and context; adds into
   * the parameter gradients. The input gradient of the first layer is not computed.
   */
  public void backward(FloatMatrix outputGradient, BatchContext context) {
    PassBuffers pass = buffers.get(outputGradient.columns);
    if (pass == null || pass.input == null) {
      throw new IllegalStateException("model '" + spec.name() + "': backward for a batch of " + outputGradient.columns
          + " without a forward of that batch size");
    }
    FloatMatrix upstream = outputGradient;
    for (int i = layers.size() - 1; i >= 0; i--) {
      FloatMatrix input = i == 0 ? pass.input : pass.outputs[i - 1];
      FloatMatrix inputGradient = i == 0 ? null : pass.gradients[i - 1];
      if (inputGradient != null && !layers.get(i).assignsInputGradient()) {
        java.util.Arrays.fill(inputGradient.data, 0f);
      }
      layers.get(i).backward(input, pass.outputs[i], upstream, inputGradient, context);
      upstream = inputGradient;
    }
  }

  private PassBuffers allocate(int batch) {
    PassBuffers pass = new PassBuffers(layers.size());
    for (int i = 0; i < layers.size(); i++) {
      pass.outputs[i] = new FloatMatrix(layers.get(i).outputRows(), batch);
      pass.gradients[i] = new FloatMatrix(layers.get(i).outputRows(), batch);
    }
    return pass;
  }

  /** outputs[i] and gradients[i] are layer i's output and the loss gradient with respect to it. */
  private static final class PassBuffers {
    final FloatMatrix[] outputs;
    final FloatMatrix[] gradients;
    FloatMatrix input;

    PassBuffers(int layers) {
      outputs = new FloatMatrix[layers];
      gradients = new FloatMatrix[layers];
    }
  }
}
