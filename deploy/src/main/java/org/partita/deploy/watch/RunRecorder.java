package org.partita.deploy.watch;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.partita.deploy.report.Eta;
import org.partita.models.train.EpochMetrics;
import org.partita.models.train.StepMetrics;
import org.partita.models.train.TrainingListener;
import org.partita.partitioner.PartitionPlan;
import org.partita.runtime.StepTimeline;
import org.partita.runtime.WorkerInfo;

/**
 * What the dashboard shows of one run, kept in memory as the run goes: the last
 * {@link #STEP_CAPACITY} steps, the last {@link #TIMELINE_CAPACITY} step timelines, every epoch's
 * results, the plan and the workers it runs on, and the last {@link #EVENT_CAPACITY} events
 * (plans, membership, recoveries, checkpoints). Only numbers the run already has are recorded.
 *
 * <p>Threading: written by the training thread (steps, epochs, timelines, checkpoints), the
 * command's thread (plans, recoveries) and the membership poller; read by the dashboard's server
 * thread through {@link #snapshot}, {@link #steps} and {@link #timelines}. Each call holds the
 * lock only to store a record or copy references, so reading never holds a step up for longer
 * than copying some thousands of references, once a second.
 */
final class RunRecorder implements TrainingListener, StepTimeline.Listener {
  static final int STEP_CAPACITY = 10_000;
  static final int TIMELINE_CAPACITY = 12;
  static final int EVENT_CAPACITY = 500;

  /**
   * One optimizer step; {@code measure}: its accuracy, or for a regression its R²; {@code seconds}
   * since the recorder started.
   */
  record Step(long step, int epoch, double loss, double measure, double samplesPerSecond, double learningRate,
      double seconds) {}

  /** An epoch's results and the optimizer step it ended at. */
  record Epoch(EpochMetrics metrics, long step) {}

  enum EventKind { RUN, PLAN, MEMBERSHIP, RECOVERY, CHECKPOINT }

  record Event(double seconds, EventKind kind, String text) {}

  /** The state of the run at one moment, for {@code /api/run}. */
  record Snapshot(RunWatch.Run run, boolean ended, double elapsedSeconds, StepMetrics last, double learningRate,
      OptionalDouble etaSeconds, PartitionPlan plan, List<WorkerInfo> workers, List<Epoch> epochs,
      List<Event> events) {}

  private final RunWatch.Run run;
  private final long start = System.nanoTime();
  private final Eta eta = new Eta();
  private final Step[] steps = new Step[STEP_CAPACITY];
  private long stepCount;
  private final ArrayDeque<StepTimeline> timelines = new ArrayDeque<>();
  private final List<Epoch> epochs = new ArrayList<>();
  private final ArrayDeque<Event> events = new ArrayDeque<>();
  private StepMetrics last;
  private PartitionPlan plan;
  /** The workers by name, as last seen; a plan's placement names them. */
  private final Map<String, WorkerInfo> workers = new LinkedHashMap<>();
  private boolean membershipSeen;
  private boolean ended;

  RunRecorder(RunWatch.Run run) {
    this.run = run;
  }

  @Override
  public synchronized void onStep(StepMetrics m) {
    long now = System.nanoTime();
    eta.onStep(now);
    last = m;
    double measure = run.regression() == null ? m.accuracy() : run.regression().trainR2().applyAsDouble(m.loss());
    steps[(int) (stepCount++ % STEP_CAPACITY)] = new Step(m.globalStep(), m.epoch(), m.loss(), measure,
        m.samplesPerSecond(), learningRate(m.globalStep()), (now - start) / 1e9);
  }

  @Override
  public synchronized void onEpoch(EpochMetrics m) {
    epochs.add(new Epoch(m, last == null ? 0 : last.globalStep()));
  }

  @Override
  public synchronized void onStepTimeline(StepTimeline timeline) {
    if (timelines.size() == TIMELINE_CAPACITY) {
      timelines.removeFirst();
    }
    timelines.addLast(timeline);
  }

  @Override
  public void onCheckpoint(Path directory) {
    event(EventKind.CHECKPOINT, "checkpoint saved: " + directory);
  }

  /** The run goes on with {@code plan} on {@code placed} (at the start, and after each recovery). */
  synchronized void planChosen(PartitionPlan chosen, List<WorkerInfo> placed, String reason) {
    plan = chosen;
    placed.forEach(worker -> workers.put(worker.name(), worker));
    event(EventKind.PLAN, "plan " + chosen.describe() + (reason.isEmpty() ? "" : " — " + reason));
  }

  /**
   * The cluster's live workers now: any that joined or left since the last look is an event. The
   * first look only says who is there.
   */
  synchronized void workersSeen(List<WorkerInfo> live) {
    Map<String, WorkerInfo> now = new LinkedHashMap<>();
    live.forEach(worker -> now.put(worker.name(), worker));
    if (!membershipSeen) {
      membershipSeen = true;
      event(EventKind.MEMBERSHIP, live.size() + " worker" + (live.size() == 1 ? "" : "s") + " up: "
          + String.join(", ", now.keySet()));
    } else {
      for (WorkerInfo worker : now.values()) {
        if (!workers.containsKey(worker.name())) {
          event(EventKind.MEMBERSHIP, worker.name() + " joined (" + worker.address() + ")");
        }
      }
      for (WorkerInfo worker : workers.values()) {
        if (!now.containsKey(worker.name())) {
          event(EventKind.MEMBERSHIP, worker.name() + " left or became unreachable (" + worker.address() + ")");
        }
      }
    }
    workers.clear();
    workers.putAll(now);
  }

  synchronized void event(EventKind kind, String text) {
    if (events.size() == EVENT_CAPACITY) {
      events.removeFirst();
    }
    events.addLast(new Event((System.nanoTime() - start) / 1e9, kind, text));
  }

  synchronized void end() {
    ended = true;
  }

  synchronized Snapshot snapshot() {
    OptionalDouble left = last == null ? OptionalDouble.empty() : eta.seconds(last.remainingSteps());
    return new Snapshot(run, ended, (System.nanoTime() - start) / 1e9, last,
        last == null ? Double.NaN : learningRate(last.globalStep()), left, plan, List.copyOf(workers.values()),
        List.copyOf(epochs), List.copyOf(events));
  }

  /** The recorded steps after optimizer step {@code since} that are still held, oldest first. */
  synchronized List<Step> steps(long since) {
    long held = Math.min(stepCount, STEP_CAPACITY);
    List<Step> after = new ArrayList<>();
    for (long i = stepCount - held; i < stepCount; i++) {
      Step step = steps[(int) (i % STEP_CAPACITY)];
      if (step.step() > since) {
        after.add(step);
      }
    }
    return after;
  }

  RunWatch.Regression regression() {
    return run.regression();
  }

  synchronized List<StepTimeline> timelines() {
    return List.copyOf(timelines);
  }

  /** The rate the step that ended at {@code stepsDone} used. */
  private double learningRate(long stepsDone) {
    return run.config().optimizer().learningRateAt(Math.max(0, stepsDone - 1));
  }
}
