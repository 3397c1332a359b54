package org.partita.bench;

import java.time.LocalDate;
import org.partita.partitioner.MachineProbe;

/** The facts a benchmark table needs next to it: date, CPU, cores, JVM. */
final class MachineInfo {
  private MachineInfo() {}

  static String summary() {
    return LocalDate.now() + " · " + MachineProbe.cpuModel() + " · " + Runtime.getRuntime().availableProcessors()
        + " cores · Java " + System.getProperty("java.version") + " · max heap "
        + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB";
  }
}
