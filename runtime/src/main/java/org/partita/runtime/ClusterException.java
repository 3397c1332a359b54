package org.partita.runtime;

/**
 * The cluster could not do what was asked: a node did not join, a shard could not be created,
 * failed or did not answer in time. The message names the shard, node and phase.
 */
public class ClusterException extends RuntimeException {
  public ClusterException(String message) {
    super(message);
  }

  public ClusterException(String message, Throwable cause) {
    super(message, cause);
  }
}
