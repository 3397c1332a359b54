package org.partita.runtime;

/**
 * A worker node as it describes itself: name (used in plans), address, cores, heap, BLAS, and its
 * JVM as "pid@host" — embedded nodes share one JVM's heap, nodes on one host share its cores.
 */
public record WorkerInfo(String name, String address, int cores, long maxMemoryBytes, String blas, String process) {
  /** The host part of {@link #process} (the whole of it when it has no "@"). */
  public String host() {
    return process.substring(process.indexOf('@') + 1);
  }
}
