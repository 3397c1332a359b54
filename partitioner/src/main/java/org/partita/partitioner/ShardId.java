package org.partita.partitioner;

/** One shard of a plan: slice {@code slice} of stage {@code stage} in data-parallel replica {@code replica}. */
public record ShardId(int replica, int stage, int slice) {
  public ShardId {
    if (replica < 0 || stage < 0 || slice < 0) {
      throw new IllegalArgumentException("shard coordinates must be ≥ 0, got " + replica + "/" + stage + "/" + slice);
    }
  }

  @Override
  public String toString() {
    return "r" + replica + "/s" + stage + "/p" + slice;
  }
}
