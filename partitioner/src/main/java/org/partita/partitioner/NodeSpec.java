package org.partita.partitioner;

/** A machine offered to the cluster: its name, cores and the memory (JVM heap) a node may use. */
public record NodeSpec(String name, int cores, long memoryBytes) {
  public NodeSpec {
    if (name == null || name.isBlank() || cores < 1 || memoryBytes < 1) {
      throw new IllegalArgumentException("a node needs a name, ≥ 1 core and positive memory; got '" + name + "', "
          + cores + ", " + memoryBytes);
    }
  }
}
