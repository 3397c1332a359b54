package org.partita.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.partita.bench.report.Stats;
import org.partita.runtime.EmbeddedCluster;
import org.partita.runtime.LinkMeasurement;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.TlsCertificates;
import org.partita.runtime.TlsSettings;

/**
 * Loopback links through the runtime's own paths, side by side: Artery over plain TCP and over
 * mutual TLS (driver → node-1 of an embedded cluster: protobuf tensor, wire serializer,
 * large-message lane, decode on arrival), shard links (mutual TLS sockets between workers), and
 * nodes of one JVM handing messages over in-process. Every probe is encoded as it is sent.
 * Throughput of large tensors with several in flight, and the time of small ones one at a time.
 * CPU time is the whole process's (sender, receiver and transport threads) per message. The tensor
 * codec alone is measured in the same run as the ceiling.
 */
public final class LinkBench {
  private LinkBench() {}

  public static void main(String[] args) throws Exception {
    int repetitions = 5;
    int[] sizes = {64, 4 << 10, 256 << 10, 4 << 20, 16 << 20};
    List<String> transports = List.of("tcp", "tls", "links", "in-process");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--repetitions" -> repetitions = Integer.parseInt(args[i + 1]);
        case "--sizes" -> sizes = java.util.Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--transports" -> transports = List.of(args[i + 1].split(","));
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; use --repetitions N --sizes BYTES,BYTES,... --transports tcp,tls,links,in-process");
      }
    }
    int[] windows = {1, 8};
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    System.out.println("link bench: " + String.join(", ", transports) + " on loopback, " + MachineInfo.summary() + ", " + repetitions
        + " repetitions");
    Map<String, Link> links = new LinkedHashMap<>();
    Path certs = Files.createTempDirectory("partita-link-bench-certs");
    try {
      TlsCertificates.generate(certs, List.of("node"));
      TlsSettings tls = TlsSettings.fromDirectory(certs, "node");
      for (String transport : transports) {
        links.put(transport, link(transport, tls));
      }
      for (Link link : links.values()) {
        for (int size : sizes) {
          link.measure(size, messages(size), 8); // warm-up: JIT, connections, buffer pools
        }
      }
      System.out.println();
      System.out.println("| transport | payload | in flight | messages | MB/s | µs per message | CPU µs per message |");
      System.out.println("|---|---|---|---|---|---|---|");
      for (int size : sizes) {
        for (int window : windows) {
          // Transports alternate repetition by repetition, so a noisy moment hits both alike.
          Map<String, double[][]> samples = new LinkedHashMap<>();
          for (String transport : transports) {
            samples.put(transport, new double[3][repetitions]);
          }
          for (int r = 0; r < repetitions; r++) {
            for (String transport : transports) {
              long cpuBefore = os.getProcessCpuTime();
              LinkMeasurement m = links.get(transport).measure(size, messages(size), window);
              double[][] s = samples.get(transport);
              s[2][r] = (os.getProcessCpuTime() - cpuBefore) / 1e3 / m.messages();
              s[0][r] = m.bytesPerSecond() / 1e6;
              s[1][r] = m.secondsPerMessage() * 1e6;
            }
          }
          for (String transport : transports) {
            double[][] s = samples.get(transport);
            System.out.printf(Locale.ROOT, "| %s | %s | %d | %d | %s | %s | %s |%n", transport, bytes(size), window,
                messages(size), Stats.of(s[0]).format("%.0f"), Stats.of(s[1]).format("%.0f"),
                Stats.of(s[2]).format("%.0f"));
          }
        }
      }
    } finally {
      for (Link link : links.values()) {
        link.close();
      }
      try (var files = Files.walk(certs)) {
        for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(file);
        }
      }
    }
    CodecSpeed.measure(repetitions).print();
  }

  /** One way of moving tensors between two nodes. */
  private interface Link extends AutoCloseable {
    LinkMeasurement measure(int payloadBytes, int messages, int inFlight) throws Exception;

    @Override
    void close();
  }

  /**
   * "tcp" and "tls": driver → node-1 of an embedded cluster through Artery (plain TCP, or mutual TLS
   * with a throw-away CA whose one key store every node shares), as the driver and shards of a
   * cluster without shard links talk; "links": two {@link ShardLinkPair} nodes, as TLS workers' shards talk;
   * "in-process": driver → node-1 in one JVM handed over directly (SameProcessRefs), as the shards of
   * an embedded cluster or of one Spark executor talk.
   */
  private static Link link(String transport, TlsSettings tls) {
    if (transport.equals("links")) {
      ShardLinkPair pair = new ShardLinkPair(tls);
      return new Link() {
        @Override
        public LinkMeasurement measure(int payloadBytes, int messages, int inFlight) throws InterruptedException {
          return pair.measure(payloadBytes, messages, inFlight);
        }

        @Override
        public void close() {
          pair.close();
        }
      };
    }
    RuntimeSettings settings = switch (transport) {
      case "tcp" -> RuntimeSettings.defaults().withSameProcessDelivery(false);
      case "tls" -> RuntimeSettings.defaults().withTls(tls).withSameProcessDelivery(false);
      case "in-process" -> RuntimeSettings.defaults();
      default -> throw new IllegalArgumentException("transport '" + transport + "': use tcp, tls, links or in-process");
    };
    EmbeddedCluster cluster = EmbeddedCluster.start(1, settings);
    return new Link() {
      @Override
      public LinkMeasurement measure(int payloadBytes, int messages, int inFlight) {
        return cluster.measureLink("node-1", payloadBytes, messages, inFlight);
      }

      @Override
      public void close() {
        cluster.close();
      }
    };
  }

  /** About 64 MiB per measurement, between 50 and 2000 messages. */
  private static int messages(int size) {
    return (int) Math.max(50, Math.min(2000, (64L << 20) / Math.max(size, 1)));
  }

  private static String bytes(int size) {
    return size >= 1 << 20 ? (size >> 20) + " MiB" : size >= 1 << 10 ? (size >> 10) + " KiB" : size + " B";
  }
}
