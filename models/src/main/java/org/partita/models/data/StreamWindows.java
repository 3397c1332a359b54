package org.partita.models.data;

import java.util.Arrays;
import org.jblas.FloatMatrix;
import org.partita.models.layers.Shape;

/**
 * A long symbol sequence cut into {@code streams} equal contiguous streams, each cut into windows
 * of T steps: sample k·B + b is window k of stream b, its input the one-hot symbols at steps
 * [kT, kT + T) and its targets the symbols one step later. Batches of B consecutive samples are
 * then window k of every stream, so carrying the recurrent state from one batch to the next
 * continues each stream (truncated BPTT). One-hot columns are built per batch, never stored.
 */
public final class StreamWindows implements Dataset {
  private final String name;
  private final int[] codes;
  private final int vocabulary;
  private final int streams;
  private final int timeSteps;
  private final int streamLength;
  private final int windowsPerStream;

  public StreamWindows(String name, int[] codes, int vocabulary, int streams, int timeSteps) {
    if (streams < 1 || timeSteps < 1) {
      throw new IllegalArgumentException(name + ": streams and time steps must be ≥ 1");
    }
    this.name = name;
    this.codes = codes;
    this.vocabulary = vocabulary;
    this.streams = streams;
    this.timeSteps = timeSteps;
    this.streamLength = codes.length / streams;
    // The last target of a window is one step beyond it, so a stream of L symbols holds ⌊(L−1)/T⌋ windows.
    this.windowsPerStream = (streamLength - 1) / timeSteps;
    if (windowsPerStream < 1) {
      throw new IllegalArgumentException(name + ": " + codes.length + " symbols are too few for " + streams
          + " streams of windows of " + timeSteps + " (+1) steps");
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Shape sampleShape() {
    return new Shape(timeSteps, vocabulary, 1);
  }

  @Override
  public int classes() {
    return vocabulary;
  }

  @Override
  public int labelsPerSample() {
    return timeSteps;
  }

  @Override
  public int size() {
    return windowsPerStream * streams;
  }

  @Override
  public void copyBatch(int[] order, int from, int count, FloatMatrix inputs, FloatMatrix targets) {
    checkBatchBuffers(count, inputs, targets);
    int rows = timeSteps * vocabulary;
    Arrays.fill(inputs.data, 0, rows * count, 0f);
    Arrays.fill(targets.data, 0, rows * count, 0f);
    for (int j = 0; j < count; j++) {
      int sample = order == null ? from + j : order[from + j];
      int window = sample / streams;
      int stream = sample % streams;
      int start = stream * streamLength + window * timeSteps;
      for (int t = 0; t < timeSteps; t++) {
        inputs.data[j * rows + t * vocabulary + codes[start + t]] = 1f;
        targets.data[j * rows + t * vocabulary + codes[start + t + 1]] = 1f;
      }
    }
  }
}
