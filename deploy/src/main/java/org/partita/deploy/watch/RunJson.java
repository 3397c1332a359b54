package org.partita.deploy.watch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.partita.models.train.EpochMetrics;
import org.partita.models.train.StepMetrics;
import org.partita.partitioner.MemoryModel;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PipelineSchedule;
import org.partita.partitioner.ShardId;
import org.partita.partitioner.StagePlan;
import org.partita.runtime.StepTimeline;
import org.partita.runtime.WorkerInfo;

/**
 * The dashboard's JSON, shaped from the recorder's records: {@code /api/run}, {@code /api/steps}
 * and {@code /api/timeline}. Keys are snake_case as in metrics.json; times are seconds, memory bytes;
 * a number not known yet is null. docs/WATCH.md lists every key.
 */
final class RunJson {
  private RunJson() {}

  static Map<String, Object> run(RunRecorder.Snapshot at) {
    RunWatch.Run run = at.run();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("model", run.model().name());
    json.put("parameters", run.model().parameterCount());
    json.put("layers", run.model().summary());
    json.put("mode", run.mode());
    json.put("state", at.ended() ? "ended" : at.last() == null ? "starting" : "training");
    json.put("run_directory", run.directory().toString());
    json.put("epochs", run.config().epochs());
    json.put("batch_size", run.config().batchSize());
    json.put("optimizer", run.config().optimizer().describe());
    StepMetrics last = at.last();
    json.put("step", last == null ? 0 : last.globalStep());
    json.put("epoch", last == null ? null : last.epoch() + 1);
    json.put("step_in_epoch", last == null ? null : last.stepInEpoch() + 1);
    json.put("steps_per_epoch", last == null ? null : last.stepsPerEpoch());
    json.put("loss", last == null ? null : last.loss());
    RunWatch.Regression regression = run.regression();
    json.put("measure", regression == null ? "accuracy" : "r2");
    json.put(regression == null ? "accuracy" : "r2", last == null ? null
        : regression == null ? last.accuracy() : regression.trainR2().applyAsDouble(last.loss()));
    json.put("samples_per_second", last == null ? null : last.samplesPerSecond());
    json.put("learning_rate", at.learningRate());
    json.put("eta_seconds", at.etaSeconds().isPresent() ? at.etaSeconds().getAsDouble() : null);
    json.put("elapsed_seconds", at.elapsedSeconds());
    json.put("plan", at.plan() == null ? null : plan(at.plan()));
    json.put("nodes", nodes(at));
    Runtime heap = Runtime.getRuntime();
    json.put("driver_heap", Map.of("used_bytes", heap.totalMemory() - heap.freeMemory(), "max_bytes",
        heap.maxMemory()));
    List<Object> epochs = new ArrayList<>();
    for (RunRecorder.Epoch epoch : at.epochs()) {
      epochs.add(epoch(epoch, regression));
    }
    json.put("epoch_results", epochs);
    List<Object> events = new ArrayList<>();
    for (RunRecorder.Event event : at.events()) {
      events.add(Map.of("seconds", event.seconds(), "kind", event.kind().name().toLowerCase(Locale.ROOT),
          "text", event.text()));
    }
    json.put("events", events);
    return json;
  }

  static Map<String, Object> steps(List<RunRecorder.Step> steps, long since, RunWatch.Regression regression) {
    List<Object> list = new ArrayList<>(steps.size());
    for (RunRecorder.Step step : steps) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("step", step.step());
      json.put("epoch", step.epoch() + 1);
      json.put("loss", step.loss());
      json.put(regression == null ? "accuracy" : "r2", step.measure());
      json.put("samples_per_second", step.samplesPerSecond());
      json.put("learning_rate", step.learningRate());
      json.put("seconds", step.seconds());
      list.add(json);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("since", since);
    json.put("last", steps.isEmpty() ? since : steps.get(steps.size() - 1).step());
    json.put("steps", list);
    return json;
  }

  static Map<String, Object> timelines(List<StepTimeline> timelines) {
    List<Object> list = new ArrayList<>();
    for (StepTimeline timeline : timelines) {
      List<Object> shards = new ArrayList<>();
      for (StepTimeline.Shard shard : timeline.shards()) {
        List<Object> spans = new ArrayList<>(shard.spans().size());
        for (StepTimeline.Span span : shard.spans()) {
          spans.add(List.of(span.begin(), span.end(), span.kind().name().toLowerCase(Locale.ROOT)));
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("shard", shard.id().toString());
        json.put("node", shard.node());
        json.put("compute_seconds", shard.computeSeconds());
        json.put("all_reduce_seconds", shard.allReduceSeconds());
        json.put("spans", spans);
        shards.add(json);
      }
      list.add(Map.of("step", timeline.step(), "seconds", timeline.seconds(), "shards", shards));
    }
    return Map.of("timelines", list);
  }

  private static Map<String, Object> plan(PartitionPlan plan) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("description", plan.describe());
    json.put("replicas", plan.replicas());
    json.put("stages", plan.stages().size());
    json.put("slices", plan.stages().stream().map(StagePlan::sliceCount).toList());
    json.put("micro_batches", plan.microBatches());
    json.put("schedule", plan.schedule() == PipelineSchedule.ONE_F_ONE_B ? "1f1b" : "gpipe");
    List<Object> shards = new ArrayList<>();
    for (ShardId shard : plan.shards()) {
      StagePlan stage = plan.stages().get(shard.stage());
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("shard", shard.toString());
      entry.put("replica", shard.replica());
      entry.put("stage", shard.stage());
      entry.put("slice", shard.slice());
      entry.put("node", plan.placement().get(shard));
      entry.put("layers", List.of(stage.firstLayer(), stage.endLayer()));
      shards.add(entry);
    }
    json.put("shards", shards);
    return json;
  }

  /** The workers, with the heap the memory model plans for the shards placed on each. */
  private static List<Object> nodes(RunRecorder.Snapshot at) {
    List<Object> nodes = new ArrayList<>();
    for (WorkerInfo worker : at.workers()) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("name", worker.name());
      json.put("address", worker.address());
      json.put("process", worker.process());
      json.put("cores", worker.cores());
      json.put("heap_bytes", worker.maxMemoryBytes());
      json.put("planned_bytes", at.plan() == null || !at.plan().placement().containsValue(worker.name()) ? null
          : MemoryModel.node(at.run().model(), at.plan(), worker.name(), at.run().config().optimizer()));
      nodes.add(json);
    }
    return nodes;
  }

  /** An epoch's results: with its accuracy, or for a regression its R² (from the losses). */
  private static Map<String, Object> epoch(RunRecorder.Epoch epoch, RunWatch.Regression regression) {
    EpochMetrics m = epoch.metrics();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("epoch", m.epoch() + 1);
    json.put("step", epoch.step());
    json.put("train_loss", m.trainLoss());
    json.put("test_loss", m.test() == null ? null : m.test().loss());
    if (regression == null) {
      json.put("train_accuracy", m.trainAccuracy());
      json.put("test_accuracy", m.test() == null ? null : m.test().accuracy());
    } else {
      json.put("train_r2", regression.trainR2().applyAsDouble(m.trainLoss()));
      json.put("test_r2", m.test() == null ? null : regression.heldOutR2().applyAsDouble(m.test().loss()));
    }
    json.put("seconds", m.seconds());
    return json;
  }
}
