package org.partita.runtime;

import java.util.List;
import org.partita.partitioner.ShardId;

/**
 * Where one training step's time went on every shard, as the shards reported it with their
 * gradients: each shard's spans of computing and of exchanging all-reduce pieces, in seconds from
 * the moment its RunStep reached it (every shard's is sent at once, so the shards' clocks line up
 * to within a message's latency), up to its report; the gaps are waiting — for the previous
 * stage's activations, the next stage's gradients, sibling slices or other replicas. With a
 * pipeline the bubbles show as a later stage's late start and an earlier stage's idle end.
 * {@code seconds}: the step's wall time at the driver, which includes the report's trip back.
 */
public record StepTimeline(long step, double seconds, List<Shard> shards) {

  /** Hears every training step's timeline, on the training thread, before the step's progress. */
  public interface Listener {
    void onStepTimeline(StepTimeline timeline);
  }

  public enum Kind { COMPUTE, EXCHANGE }

  public record Span(double begin, double end, Kind kind) {}

  /**
   * One shard's step: its spans, its own compute total (which also counts the time of spans a
   * busy round merged), and its all-reduce from the end of its backward to the report.
   */
  public record Shard(ShardId id, String node, double computeSeconds, double allReduceSeconds, List<Span> spans) {}
}
