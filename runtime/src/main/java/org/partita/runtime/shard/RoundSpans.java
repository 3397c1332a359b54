package org.partita.runtime.shard;

import org.partita.proto.GradientsReadyProto;
import org.partita.proto.SpanKindProto;
import org.partita.proto.TimeSpanProto;

/**
 * Where one training round's time goes on a shard, for the driver's timeline: the spans it spends
 * handling the round's messages, from its RunStep (time 0) to its gradient report, each computing
 * or exchanging all-reduce pieces; the gaps between them are waiting. Bounded whatever the round:
 * a span that starts within {@link #JOIN_NANOS} of the last one's end, of the same kind, extends
 * it (a recurrent layer exchanges every time step, thousands of messages a round), and once
 * {@link #MAX_SPANS} are held the last one grows to cover the rest.
 *
 * <p>Reused from round to round; the engine's thread only. Costs two array stores per message.
 */
final class RoundSpans {
  static final int MAX_SPANS = 64;
  private static final long JOIN_NANOS = 50_000;

  private final long[] begins = new long[MAX_SPANS];
  private final long[] ends = new long[MAX_SPANS];
  private final SpanKindProto[] kinds = new SpanKindProto[MAX_SPANS];
  private long origin;
  private int count;

  /** A new round whose RunStep began to be handled at {@code origin} (System.nanoTime). */
  void start(long origin) {
    this.origin = origin;
    count = 0;
  }

  /** The shard spent [begin, end) (System.nanoTime) on the round's work of {@code kind}. */
  void add(long begin, long end, SpanKindProto kind) {
    if (count > 0 && (count == MAX_SPANS || kinds[count - 1] == kind && begin - ends[count - 1] < JOIN_NANOS)) {
      ends[count - 1] = end;
      return;
    }
    begins[count] = begin;
    ends[count] = end;
    kinds[count] = kind;
    count++;
  }

  /** The spans so far, relative to the round's start, into {@code report}. */
  void addTo(GradientsReadyProto.Builder report) {
    for (int i = 0; i < count; i++) {
      report.addSpans(TimeSpanProto.newBuilder().setBeginNanos(begins[i] - origin).setEndNanos(ends[i] - origin)
          .setKind(kinds[i]));
    }
  }
}
