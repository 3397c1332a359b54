package org.partita.runtime;

/**
 * A worker holding shards of the session left the cluster or became unreachable; the step in
 * progress was aborted on the others, so no shard applied a partial update.
 */
public final class NodeLostException extends ClusterException {
  private final String node;

  public NodeLostException(String node, String message) {
    super(message);
    this.node = node;
  }

  public String node() {
    return node;
  }
}
