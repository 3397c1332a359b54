package org.partita.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;

/** The facts a benchmark table needs next to it: date, CPU, cores, JVM. */
final class MachineInfo {
  private MachineInfo() {}

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      return "unknown CPU (" + e.getMessage() + ")";
    }
    return "unknown CPU";
  }

  static String summary() {
    return LocalDate.now() + " · " + cpuModel() + " · " + Runtime.getRuntime().availableProcessors()
        + " cores · Java " + System.getProperty("java.version") + " · max heap "
        + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB";
  }
}
