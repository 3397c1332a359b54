package org.partita.runtime.driver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.partita.partitioner.ShardId;
import org.partita.proto.GradientsReadyProto;
import org.partita.proto.SpanKindProto;
import org.partita.proto.TimeSpanProto;
import org.partita.runtime.StepTimeline;

/** The shards' gradient reports of one step, read as its {@link StepTimeline}. */
final class TimelineReports {
  private TimelineReports() {}

  static StepTimeline of(long step, double seconds, Map<ShardId, GradientsReadyProto> reports,
      Function<ShardId, String> nodeOf) {
    List<StepTimeline.Shard> shards = new ArrayList<>(reports.size());
    for (Map.Entry<ShardId, GradientsReadyProto> report : reports.entrySet()) {
      GradientsReadyProto ready = report.getValue();
      List<StepTimeline.Span> spans = new ArrayList<>(ready.getSpansCount());
      for (TimeSpanProto span : ready.getSpansList()) {
        spans.add(new StepTimeline.Span(span.getBeginNanos() / 1e9, span.getEndNanos() / 1e9,
            span.getKind() == SpanKindProto.SPAN_EXCHANGE ? StepTimeline.Kind.EXCHANGE : StepTimeline.Kind.COMPUTE));
      }
      shards.add(new StepTimeline.Shard(report.getKey(), nodeOf.apply(report.getKey()), ready.getComputeNanos() / 1e9,
          ready.getAllReduceNanos() / 1e9, spans));
    }
    return new StepTimeline(step, seconds, shards);
  }
}
