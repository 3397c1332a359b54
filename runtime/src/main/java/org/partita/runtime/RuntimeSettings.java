package org.partita.runtime;

import java.time.Duration;

/**
 * Limits of a training session. {@code stepTimeout}: longest wait for any shard's answer within a
 * round before the round fails with the shard, node and phase named. {@code startTimeout}: for
 * nodes to join and shards to be created. {@code maxMessageBytes}: the largest activation or
 * gradient message a plan may need; nodes are configured with it, and a plan needing more is
 * refused before it starts (Artery would otherwise drop the message without a word).
 */
public record RuntimeSettings(Duration stepTimeout, Duration startTimeout, long maxMessageBytes) {
  public static final long DEFAULT_MAX_MESSAGE_BYTES = 64L << 20;

  public RuntimeSettings {
    if (stepTimeout.isNegative() || stepTimeout.isZero() || startTimeout.isNegative() || startTimeout.isZero()) {
      throw new IllegalArgumentException("timeouts must be positive, got " + stepTimeout + " and " + startTimeout);
    }
    if (maxMessageBytes < (1 << 20)) {
      throw new IllegalArgumentException("maximum message size must be at least 1 MiB, got " + maxMessageBytes);
    }
  }

  public static RuntimeSettings defaults() {
    return new RuntimeSettings(Duration.ofSeconds(120), Duration.ofSeconds(60), DEFAULT_MAX_MESSAGE_BYTES);
  }

  public RuntimeSettings withStepTimeout(Duration timeout) {
    return new RuntimeSettings(timeout, startTimeout, maxMessageBytes);
  }

  public RuntimeSettings withMaxMessageBytes(long bytes) {
    return new RuntimeSettings(stepTimeout, startTimeout, bytes);
  }
}
