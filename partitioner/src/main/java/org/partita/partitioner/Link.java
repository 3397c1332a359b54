package org.partita.partitioner;

import java.util.Locale;

/**
 * The network between nodes: bandwidth per direction (full duplex) and one-way latency per message,
 * and of those per-byte and per-message times, what the nodes' own cores spend. A wire between
 * machines leaves the cores free to compute while bytes travel; between nodes that share a
 * machine's cores, the encoding, copying, encrypting and waking a message costs is done by the
 * cores that would otherwise compute, so it does not overlap with computing.
 */
public record Link(double bytesPerSecond, double latencySeconds, double coreSecondsPerByte,
    double coreSecondsPerMessage) {
  /**
   * Nodes in separate processes on one machine, sharing its cores and loopback: measured on 2
   * cores, the CNN's 2-slice all-gathers moved ~30 MB per step at an effective ~150–200 MB/s
   * while both nodes computed (docs/BENCHMARKS.md), far below raw loopback. All of it is work of
   * the shared cores.
   */
  public static final Link SHARED_MACHINE = onSharedCores(2e8, 200e-6);
  /**
   * Nodes in one JVM (an embedded cluster, Spark on a local master), which hand messages to each
   * other's actors (the runtime's SameProcessRefs): what is left is encoding and decoding the
   * tensor and waking the receiver, on the cores that compute. {@code bench/bin/bench link} on 2
   * cores: 28 µs per 64-byte round trip, one message at a time; 4 MiB at 8.5 GB/s, 16 MiB at 4.8 GB/s.
   */
  public static final Link SAME_PROCESS = onSharedCores(5e9, 14e-6);

  public Link {
    if (!(bytesPerSecond > 0) || !(latencySeconds >= 0)) {
      throw new IllegalArgumentException("a link needs positive bandwidth and non-negative latency; got "
          + bytesPerSecond + " B/s, " + latencySeconds + " s");
    }
    double rounding = 1 + 1e-9; // then() sums the parts and inverts the sum
    if (!(coreSecondsPerByte >= 0 && coreSecondsPerByte <= rounding / bytesPerSecond)
        || !(coreSecondsPerMessage >= 0 && coreSecondsPerMessage <= rounding * latencySeconds)) {
      throw new IllegalArgumentException("a link's core time is part of its time: per byte " + coreSecondsPerByte
          + " s of " + 1 / bytesPerSecond + ", per message " + coreSecondsPerMessage + " s of " + latencySeconds);
    }
  }

  /** A network between machines: its time is the wire's, the nodes' cores stay free. */
  public Link(double bytesPerSecond, double latencySeconds) {
    this(bytesPerSecond, latencySeconds, 0, 0);
  }

  /** A link whose whole time is work of the cores the nodes compute on. */
  public static Link onSharedCores(double bytesPerSecond, double latencySeconds) {
    return new Link(bytesPerSecond, latencySeconds, 1 / bytesPerSecond, latencySeconds);
  }

  /** Parses "1gbit", "10gbit", "100mbit", "2.5gbit" (bits per second), latency as given. */
  public static Link parse(String bandwidth, double latencySeconds) {
    String text = bandwidth.trim().toLowerCase(Locale.ROOT);
    double scale;
    if (text.endsWith("gbit")) {
      scale = 1e9;
    } else if (text.endsWith("mbit")) {
      scale = 1e6;
    } else {
      throw new IllegalArgumentException("link speed '" + bandwidth + "' must end in gbit or mbit, e.g. 1gbit");
    }
    try {
      double bits = Double.parseDouble(text.substring(0, text.length() - 4)) * scale;
      return new Link(bits / 8, latencySeconds);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("link speed '" + bandwidth + "' is not a number followed by gbit or mbit", e);
    }
  }

  /**
   * This link followed by {@code next}: each message crosses both, one after the other, so their
   * per-byte times and latencies add, and so do the parts of them the cores spend. Shaped links
   * between processes on one host ({@code bench/bin/netsim}) are such a series with
   * {@link #SHARED_MACHINE}: besides the wire, every byte costs the host's cores encoding, copying
   * and decoding while they also compute.
   */
  public Link then(Link next) {
    return new Link(1 / (1 / bytesPerSecond + 1 / next.bytesPerSecond), latencySeconds + next.latencySeconds,
        coreSecondsPerByte + next.coreSecondsPerByte, coreSecondsPerMessage + next.coreSecondsPerMessage);
  }

  /**
   * This link for nodes that each get {@code share} of a core: below one core (more nodes than
   * cores, taking turns), the cores' part of every message takes 1/share as long, as computing
   * does; the wire's part is unchanged.
   */
  public Link onCoreShare(double share) {
    if (!(share > 0)) {
      throw new IllegalArgumentException("a node's share of the cores must be positive, got " + share);
    }
    if (share >= 1) {
      return this;
    }
    double slower = 1 / share - 1;
    return new Link(1 / (1 / bytesPerSecond + coreSecondsPerByte * slower), latencySeconds
        + coreSecondsPerMessage * slower, coreSecondsPerByte / share, coreSecondsPerMessage / share);
  }

  /** Seconds to send {@code messages} messages carrying {@code bytes} in all, one after another. */
  public double seconds(long messages, double bytes) {
    return messages * latencySeconds + bytes / bytesPerSecond;
  }

  /**
   * Of {@link #seconds}, the time the sending and receiving nodes' cores are busy: with nodes that
   * share cores, this delays their computing even where the message itself overlaps with it.
   */
  public double coreSeconds(long messages, double bytes) {
    return messages * coreSecondsPerMessage + bytes * coreSecondsPerByte;
  }

  /** Of {@link #seconds}, what is not {@link #coreSeconds}: the time on the wire, while the cores are free. */
  public double wireSeconds(long messages, double bytes) {
    return seconds(messages, bytes) - coreSeconds(messages, bytes);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%.3g Gbit/s, %.0f µs", bytesPerSecond * 8 / 1e9, latencySeconds * 1e6);
  }
}
