package org.partita.bench;

import org.partita.bench.report.BenchResult;

/** The facts a benchmark table needs next to it: date, CPU, cores, JVM. */
final class MachineInfo {
  private MachineInfo() {}

  static String summary() {
    return BenchResult.Machine.current().describe();
  }
}
