package org.partita.bench.report;

/**
 * Where a cost-model prediction was checked: the error is reported per category, because each
 * adds something the others do not (messages in one JVM, between processes, over a shaped link).
 */
public enum PredictionCategory {
  /** The reference trainer, one process. */
  SINGLE_NODE("single node"),
  /** Embedded nodes: several Akka nodes in one JVM. */
  EMBEDDED_NODES("embedded nodes"),
  /** Worker JVMs on this machine's loopback. */
  SEPARATE_JVMS("separate JVMs"),
  /** Worker JVMs in network namespaces behind rate-shaped links (bench/bin/netsim). */
  SIMULATED_LINKS("simulated links");

  private final String label;

  PredictionCategory(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
