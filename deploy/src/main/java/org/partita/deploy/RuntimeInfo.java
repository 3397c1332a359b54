package org.partita.deploy;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.partita.models.blas.Blas;
import org.partita.models.blas.Parallel;
import org.partita.partitioner.ShardMemory;

/**
 * The start-up facts users of earlier systems could not see: which BLAS, how many threads, how
 * much heap and direct memory this JVM may use.
 */
public final class RuntimeInfo {
  private RuntimeInfo() {}

  public static List<String> lines(Blas blas) {
    List<String> lines = new ArrayList<>();
    Runtime runtime = Runtime.getRuntime();
    lines.add("BLAS      " + blas.describe());
    lines.add("threads   " + runtime.availableProcessors() + " cores; " + Parallel.threads()
        + " for the loops around the GEMMs (-D" + Parallel.THREADS_PROPERTY + ")");
    lines.add("memory    max heap " + ShardMemory.mebibytes(runtime.maxMemory()) + ", direct memory " + directMemoryLimit());
    lines.add("java      " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    return lines;
  }

  private static String directMemoryLimit() {
    for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (argument.startsWith("-XX:MaxDirectMemorySize=")) {
        return argument.substring("-XX:MaxDirectMemorySize=".length()) + " (-XX:MaxDirectMemorySize)";
      }
    }
    return "= max heap (JVM default; set -XX:MaxDirectMemorySize to change)";
  }
}
