package org.partita.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.partita.bench.report.Stats;
import org.partita.runtime.EmbeddedCluster;
import org.partita.runtime.LinkMeasurement;
import org.partita.runtime.RuntimeSettings;

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
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--repetitions" -> repetitions = Integer.parseInt(args[i + 1]);
        case "--sizes" -> sizes = java.util.Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; use --repetitions N --sizes BYTES,BYTES,...");
      }
    }
    int[] windows = {1, 8};
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    System.out.println("link bench: driver → node-1 on loopback, " + MachineInfo.summary() + ", " + repetitions
        + " repetitions");
    try (EmbeddedCluster cluster = EmbeddedCluster.start(1, RuntimeSettings.defaults())) {
      for (int size : sizes) {
        cluster.measureLink("node-1", size, messages(size), 8); // warm-up: JIT, connections, buffer pools
      }
      System.out.println();
      System.out.println("| payload | in flight | messages | MB/s | µs per message | CPU µs per message |");
      System.out.println("|---|---|---|---|---|---|");
      for (int size : sizes) {
        for (int window : windows) {
          double[] rates = new double[repetitions];
          double[] micros = new double[repetitions];
          double[] cpu = new double[repetitions];
          for (int r = 0; r < repetitions; r++) {
            long cpuBefore = os.getProcessCpuTime();
            LinkMeasurement m = cluster.measureLink("node-1", size, messages(size), window);
            cpu[r] = (os.getProcessCpuTime() - cpuBefore) / 1e3 / m.messages();
            rates[r] = m.bytesPerSecond() / 1e6;
            micros[r] = m.secondsPerMessage() * 1e6;
          }
          System.out.printf(Locale.ROOT, "| %s | %d | %d | %s | %s | %s |%n", bytes(size), window, messages(size),
              Stats.of(rates).format("%.0f"), Stats.of(micros).format("%.0f"), Stats.of(cpu).format("%.0f"));
        }
      }
    }
    CodecSpeed.measure(repetitions).print();
  }

  /** About 64 MiB per measurement, between 50 and 2000 messages. */
  private static int messages(int size) {
    return (int) Math.max(50, Math.min(2000, (64L << 20) / Math.max(size, 1)));
  }

  private static String bytes(int size) {
    return size >= 1 << 20 ? (size >> 20) + " MiB" : size >= 1 << 10 ? (size >> 10) + " KiB" : size + " B";
  }
}
