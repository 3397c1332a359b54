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
 * Loopback link between the driver node and one worker node of an embedded cluster, through the
 * runtime's own path (protobuf tensor, wire serializer, Artery large-message lane, decode on
 * arrival): throughput of large tensors with several in flight, and the round trip of small ones
 * one at a time. CPU time is the whole process's (sender, receiver and Artery threads of both nodes)
 * per message. The tensor codec alone is measured in the same run as the ceiling.
 */
public final class LinkBench {
  private LinkBench() {}

  public static void main(String[] args) throws Exception {
    int repetitions = 5;
    int[] sizes = {64, 4 << 10, 256 << 10, 4 << 20, 16 << 20};
    List<String> transports = List.of("tcp", "tls");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--repetitions" -> repetitions = Integer.parseInt(args[i + 1]);
        case "--sizes" -> sizes = java.util.Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--transports" -> transports = List.of(args[i + 1].split(","));
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; use --repetitions N --sizes BYTES,BYTES,... --transports tcp,tls");
      }
    }
    int[] windows = {1, 8};
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    System.out.println("link bench: driver → node-1 on loopback, " + MachineInfo.summary() + ", " + repetitions
        + " repetitions");
    Map<String, EmbeddedCluster> clusters = new LinkedHashMap<>();
    Path certs = Files.createTempDirectory("partita-link-bench-certs");
    try {
      for (String transport : transports) {
        clusters.put(transport, EmbeddedCluster.start(1, settings(transport, certs)));
      }
      for (EmbeddedCluster cluster : clusters.values()) {
        for (int size : sizes) {
          cluster.measureLink("node-1", size, messages(size), 8); // warm-up: JIT, connections, buffer pools
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
              LinkMeasurement m = clusters.get(transport).measureLink("node-1", size, messages(size), window);
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
      for (EmbeddedCluster cluster : clusters.values()) {
        cluster.close();
      }
      try (var files = Files.walk(certs)) {
        for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(file);
        }
      }
    }
    CodecSpeed.measure(repetitions).print();
  }

  /** Plain TCP, or mutual TLS with a throw-away CA and one key store every node shares. */
  private static RuntimeSettings settings(String transport, Path certs) throws java.io.IOException {
    return switch (transport) {
      case "tcp" -> RuntimeSettings.defaults();
      case "tls" -> {
        TlsCertificates.generate(certs, List.of("node"));
        yield RuntimeSettings.defaults().withTls(TlsSettings.fromDirectory(certs, "node"));
      }
      default -> throw new IllegalArgumentException("transport '" + transport + "': use tcp or tls");
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
