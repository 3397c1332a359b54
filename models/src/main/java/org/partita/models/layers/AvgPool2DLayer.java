package org.partita.models.layers;

import java.util.List;
import org.jblas.FloatMatrix;
import org.partita.models.blas.Parallel;

/**
 * Channels [a, b) of average pooling: each output is the mean of its window, and backward spreads
 * an output's gradient evenly over its window (1/(h·w) to each input; inputs no window covers get
 * nothing). Windows are unpadded, so every one holds h·w inputs.
 */
final class AvgPool2DLayer extends BoundLayer {
  private final AvgPool2DSpec spec;
  private final int inH;
  private final int inW;
  private final int outH;
  private final int outW;
  private final int windowH;
  private final int windowW;
  private final int stride;
  private final float scale;

  AvgPool2DLayer(AvgPool2DSpec spec, LayerBinding binding) {
    super(spec, binding);
    this.spec = spec;
    Shape out = spec.outputShape();
    this.inH = spec.input().height();
    this.inW = spec.input().width();
    this.outH = out.height();
    this.outW = out.width();
    this.windowH = spec.window().height();
    this.windowW = spec.window().width();
    this.stride = spec.window().stride();
    this.scale = 1f / (windowH * windowW);
  }

  @Override
  public AvgPool2DSpec spec() {
    return spec;
  }

  @Override
  public List<Parameter> parameters() {
    return List.of();
  }

  // input (C·H·W × B), output (u·outH·outW × B) for channels [a, b)
  @Override
  public void forward(FloatMatrix input, FloatMatrix output, BatchContext context) {
    checkForward(input, output);
    Parallel.forRange(input.columns, (long) outputRows() * windowH * windowW, (first, end) -> {
      for (int s = first; s < end; s++) {
        for (int c = units().begin(); c < units().end(); c++) {
          forwardChannel(input.data, inputBase(s, c), output.data, outputBase(s, c));
        }
      }
    });
  }

  private void forwardChannel(float[] x, int inBase, float[] y, int outBase) {
    for (int oh = 0; oh < outH; oh++) {
      for (int ow = 0; ow < outW; ow++) {
        float sum = 0f;
        for (int ih = oh * stride; ih < oh * stride + windowH; ih++) {
          int row = inBase + ih * inW;
          for (int iw = ow * stride; iw < ow * stride + windowW; iw++) {
            sum += x[row + iw];
          }
        }
        y[outBase + oh * outW + ow] = sum * scale;
      }
    }
  }

  // input (C·H·W × B); output and outputGradient (u·outH·outW × B); inputGradient (C·H·W × B) or null
  @Override
  public void backward(FloatMatrix input, FloatMatrix output, FloatMatrix outputGradient, FloatMatrix inputGradient,
      BatchContext context) {
    checkBackward(input, output, outputGradient, inputGradient);
    if (inputGradient == null) {
      return;
    }
    Parallel.forRange(input.columns, (long) outputRows() * windowH * windowW, (first, end) -> {
      for (int s = first; s < end; s++) {
        for (int c = units().begin(); c < units().end(); c++) {
          backwardChannel(outputGradient.data, outputBase(s, c), inputGradient.data, inputBase(s, c));
        }
      }
    });
  }

  private void backwardChannel(float[] dy, int outBase, float[] dx, int inBase) {
    for (int oh = 0; oh < outH; oh++) {
      for (int ow = 0; ow < outW; ow++) {
        float share = dy[outBase + oh * outW + ow] * scale;
        for (int ih = oh * stride; ih < oh * stride + windowH; ih++) {
          int row = inBase + ih * inW;
          for (int iw = ow * stride; iw < ow * stride + windowW; iw++) {
            dx[row + iw] += share;
          }
        }
      }
    }
  }

  private int inputBase(int sample, int channel) {
    return sample * inputRows() + channel * inH * inW;
  }

  private int outputBase(int sample, int channel) {
    return sample * outputRows() + (channel - units().begin()) * outH * outW;
  }
}
