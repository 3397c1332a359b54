package org.partita.models.layers;

import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.random.CounterRandom;

/**
 * Features [a, b) of the input passed through, with dropout applied in training when the rate is
 * positive: the bound form of both Flatten (rate 0) and Dropout, which differ only in that.
 */
final class FeatureRangeLayer extends BoundLayer {
  private final LayerSpec spec;
  private final float rate;
  private final float keepScale;

  FeatureRangeLayer(LayerSpec spec, LayerBinding binding, float rate) {
    super(spec, binding);
    this.spec = spec;
    this.rate = rate;
    this.keepScale = 1f / (1f - rate);
  }

  @Override
  public LayerSpec spec() {
    return spec;
  }

  @Override
  public List<Parameter> parameters() {
    return List.of();
  }

  // input (features × B), output (b−a × B)
  @Override
  public void forward(FloatMatrix input, FloatMatrix output, BatchContext context) {
    checkForward(input, output);
    int width = outputRows();
    for (int s = 0; s < input.columns; s++) {
      System.arraycopy(input.data, s * inputRows() + units().begin(), output.data, s * width, width);
    }
    if (dropsOut(context)) {
      applyMask(output.data, output.data, input.columns, context);
    }
  }

  // outputGradient (b−a × B); inputGradient rows [a, b) += mask ⊙ outputGradient
  @Override
  public void backward(FloatMatrix input, FloatMatrix output, FloatMatrix outputGradient, FloatMatrix inputGradient,
      BatchContext context) {
    checkBackward(input, output, outputGradient, inputGradient);
    if (inputGradient == null) {
      return;
    }
    int width = outputRows();
    long[] states = dropsOut(context) ? unitStates(context) : null;
    for (int s = 0; s < input.columns; s++) {
      int to = s * inputRows() + units().begin();
      int from = s * width;
      long sample = context.firstSample() + s;
      for (int u = 0; u < width; u++) {
        float scale = states != null ? mask(states[u], sample) : 1f;
        inputGradient.data[to + u] += scale * outputGradient.data[from + u];
      }
    }
  }

  private boolean dropsOut(BatchContext context) {
    return rate > 0f && context.phase() == Phase.TRAIN;
  }

  private void applyMask(float[] source, float[] target, int batch, BatchContext context) {
    int width = outputRows();
    long[] states = unitStates(context);
    for (int s = 0; s < batch; s++) {
      long sample = context.firstSample() + s;
      for (int u = 0; u < width; u++) {
        target[s * width + u] = source[s * width + u] * mask(states[u], sample);
      }
    }
  }

  /**
   * Each own feature's random state before the sample is mixed in: the mask is
   * {@link CounterRandom#dropoutUniform}, drawn at one mix per value instead of six.
   */
  private long[] unitStates(BatchContext context) {
    return CounterRandom.dropoutUnitStates(binding.seed(), binding.layerIndex(), units().begin(), outputRows(),
        context.step());
  }

  /** 0 for a dropped feature, 1/(1−rate) for a kept one. */
  private float mask(long unitState, long sample) {
    return CounterRandom.toUniform(CounterRandom.extend(unitState, sample)) < rate ? 0f : keepScale;
  }
}
