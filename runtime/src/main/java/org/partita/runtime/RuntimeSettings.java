package org.partita.runtime;

import java.time.Duration;

/**
 * Limits of a training session. {@code stepTimeout}: longest wait for any shard's answer within a
 * round before the round fails with the shard, node and phase named. {@code startTimeout}: for
 * nodes to join and shards to be created. {@code maxMessageBytes}: the largest activation or
 * gradient message a plan may need; nodes are configured with it, and a plan needing more is
 * refused before it starts (Artery would otherwise drop the message without a word). {@code tls}:
 * mutual TLS between nodes, or null for plain TCP — which nodes accept on loopback only.
 * {@code sameProcessDelivery}: nodes that share a JVM (an embedded cluster, the tasks of one Spark
 * executor) hand shard and driver messages to each other's actors directly instead of through
 * Artery ({@link org.partita.runtime.node.SameProcessRefs}); off makes every message take the
 * network path, as between machines.
 */
public record RuntimeSettings(Duration stepTimeout, Duration startTimeout, long maxMessageBytes, TlsSettings tls,
    boolean sameProcessDelivery) {
  public static final long DEFAULT_MAX_MESSAGE_BYTES = 64L << 20;

  public RuntimeSettings {
    if (stepTimeout.isNegative() || stepTimeout.isZero() || startTimeout.isNegative() || startTimeout.isZero()) {
      throw new IllegalArgumentException("timeouts must be positive, got " + stepTimeout + " and " + startTimeout);
    }
    if (maxMessageBytes < (1 << 20)) {
      throw new IllegalArgumentException("maximum message size must be at least 1 MiB, got " + maxMessageBytes);
    }
  }

  /**
   * Plain TCP (loopback only), 120 s step timeout, 60 s start timeout, 64 MiB messages, same-process
   * delivery on.
   */
  public static RuntimeSettings defaults() {
    return new RuntimeSettings(Duration.ofSeconds(120), Duration.ofSeconds(60), DEFAULT_MAX_MESSAGE_BYTES, null,
        true);
  }

  public RuntimeSettings withStepTimeout(Duration timeout) {
    return new RuntimeSettings(timeout, startTimeout, maxMessageBytes, tls, sameProcessDelivery);
  }

  public RuntimeSettings withMaxMessageBytes(long bytes) {
    return new RuntimeSettings(stepTimeout, startTimeout, bytes, tls, sameProcessDelivery);
  }

  public RuntimeSettings withTls(TlsSettings settings) {
    return new RuntimeSettings(stepTimeout, startTimeout, maxMessageBytes, settings, sameProcessDelivery);
  }

  public RuntimeSettings withSameProcessDelivery(boolean on) {
    return new RuntimeSettings(stepTimeout, startTimeout, maxMessageBytes, tls, on);
  }
}
