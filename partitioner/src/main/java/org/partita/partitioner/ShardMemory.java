package org.partita.partitioner;

import java.util.Locale;

/** Bytes a shard needs, by what holds them. */
public record ShardMemory(long parameters, long gradients, long optimizerState, long activations, long scratch,
    long messageBuffers) {

  public long total() {
    return parameters + gradients + optimizerState + activations + scratch + messageBuffers;
  }

  public static String mebibytes(long bytes) {
    return String.format(Locale.ROOT, "%,.0f MiB", bytes / 1048576.0);
  }

  public String describe() {
    return mebibytes(total()) + " (parameters " + mebibytes(parameters) + ", gradients " + mebibytes(gradients)
        + ", optimizer " + mebibytes(optimizerState) + ", activations " + mebibytes(activations) + ", scratch "
        + mebibytes(scratch) + ", buffers " + mebibytes(messageBuffers) + ")";
  }
}
