package org.partita.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.partita.models.data.Dataset;
import org.partita.models.network.ModelSpec;
import org.partita.models.train.CheckpointSchedule;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.models.train.TrainingReport;
import org.partita.partitioner.LoadedCheckpoint;
import org.partita.partitioner.PartitionPlan;

/**
 * Training that survives losing workers. When a worker holding shards leaves or becomes
 * unreachable, the step in progress is aborted everywhere (no shard applies a partial update);
 * then this waits up to {@code replacementWait} for a replacement to join, chooses a plan for the
 * workers there are, restores the newest checkpoint of {@code schedule} (or the state training
 * started from) re-sharded for that plan, and goes on from the batch after it. The batches, and so
 * the result, are those of a run that never failed: bit for bit when the new plan has the old
 * plan's shape, within float rounding otherwise. What happened and how many steps were redone is
 * reported through {@code log} and in the outcome.
 */
public final class RecoveringTraining {
  private RecoveringTraining() {}

  /** The last attempt's report and model; {@code recoveries} says what was lost and redone. */
  public record Outcome(TrainingReport report, TrainedModel model, StepTimings timings, PartitionPlan plan,
      List<String> recoveries) {}

  /**
   * {@code plans} maps the live workers to a plan; {@code start} is the checkpoint training begins
   * from (null: the initial weights); at most {@code maxRecoveries} losses are survived.
   */
  public static Outcome fit(TrainingCluster cluster, ModelSpec model, TrainingConfig config,
      Function<List<WorkerInfo>, PartitionPlan> plans, Dataset train, Dataset test, TrainingListener listener,
      CheckpointSchedule schedule, LoadedCheckpoint start, int maxRecoveries, Duration replacementWait,
      Consumer<String> log) {
    int wanted = cluster.workers().size();
    LoadedCheckpoint from = start;
    List<String> recoveries = new ArrayList<>();
    while (true) {
      PartitionPlan plan = plans.apply(cluster.workers());
      DistributedTrainer trainer = from == null ? cluster.trainer(model, config, plan)
          : cluster.trainer(model, config, plan, from.whole());
      try {
        TrainingReport report = trainer.fit(train, test, listener, from == null ? null : from.position(), schedule);
        TrainedModel trained = trainer.collect();
        return new Outcome(report, trained, trainer.timings(), plan, List.copyOf(recoveries));
      } catch (NodeLostException lost) {
        long failedAt = trainer.step();
        if (recoveries.size() >= maxRecoveries) {
          throw new ClusterException(lost.getMessage() + "; giving up after " + recoveries.size() + " recoveries", lost);
        }
        List<String> skipped = new ArrayList<>();
        from = newest(schedule, start, skipped::add);
        long restartAt = from == null ? 0 : from.position().step();
        boolean replaced = replacementWait.isZero() || cluster.awaitWorkers(wanted, replacementWait);
        if (cluster.workers().isEmpty()) {
          throw new ClusterException(lost.getMessage() + "; no worker is left to go on with", lost);
        }
        // "after step N": N steps were complete; the one under way, if any, is redone too.
        String what = "lost worker " + lost.node() + " after step " + failedAt + "; " + (replaced && !replacementWait
            .isZero() ? "a replacement joined" : "going on with " + cluster.workers().size() + " workers")
            + ", restarting from " + (from == null ? "the initial weights" : "checkpoint " + from.directory())
            + " (step " + restartAt + "): " + (failedAt - restartAt) + " steps redone"
            + (skipped.isEmpty() ? "" : " (" + String.join("; ", skipped) + ")");
        log.accept(what);
        recoveries.add(what);
      } finally {
        trainer.close();
      }
    }
  }

  /**
   * The newest checkpoint the schedule has written that reads back whole (a damaged newer one is
   * passed over and {@code skipped} told why), else where training started.
   */
  private static LoadedCheckpoint newest(CheckpointSchedule schedule, LoadedCheckpoint start,
      Consumer<String> skipped) {
    if (schedule == null) {
      return start;
    }
    try {
      return LoadedCheckpoint.newestReadable(schedule.root(), skipped).orElse(start);
    } catch (IOException e) {
      throw new UncheckedIOException("reading the newest checkpoint in " + schedule.root() + ": " + e.getMessage(), e);
    }
  }
}
