package org.partita.partitioner;

import java.util.Locale;

/** The network between nodes: bandwidth per direction (full duplex) and one-way latency per message. */
public record Link(double bytesPerSecond, double latencySeconds) {
  /**
   * Nodes in separate processes on one machine, sharing its cores and loopback: measured on 2
   * cores, the CNN's 2-slice all-gathers moved ~30 MB per step at an effective ~150–200 MB/s
   * while both nodes computed (docs/BENCHMARKS.md), far below raw loopback.
   */
  public static final Link SHARED_MACHINE = new Link(2e8, 200e-6);
  /**
   * Nodes in one JVM (an embedded cluster, Spark on a local master), which hand messages to each
   * other's actors (the runtime's SameProcessRefs): what is left is encoding and decoding the
   * tensor and waking the receiver. {@code bench/bin/bench link} on 2 cores: 28 µs per 64-byte
   * round trip, one message at a time; 4 MiB at 8.5 GB/s, 16 MiB at 4.8 GB/s.
   */
  public static final Link SAME_PROCESS = new Link(5e9, 14e-6);
  public Link {
    if (!(bytesPerSecond > 0) || !(latencySeconds >= 0)) {
      throw new IllegalArgumentException("a link needs positive bandwidth and non-negative latency; got "
          + bytesPerSecond + " B/s, " + latencySeconds + " s");
    }
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
   * per-byte times and latencies add. Shaped links between processes on one host ({@code
   * bench/bin/netsim}) are such a series with {@link #SHARED_MACHINE}: besides the wire, every byte
   * costs the host's cores encoding, copying and decoding while they also compute.
   */
  public Link then(Link next) {
    return new Link(1 / (1 / bytesPerSecond + 1 / next.bytesPerSecond), latencySeconds + next.latencySeconds);
  }

  /** Seconds to send {@code messages} messages carrying {@code bytes} in all, one after another. */
  public double seconds(long messages, double bytes) {
    return messages * latencySeconds + bytes / bytesPerSecond;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%.3g Gbit/s, %.0f µs", bytesPerSecond * 8 / 1e9, latencySeconds * 1e6);
  }
}
