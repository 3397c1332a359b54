package org.partita.deploy.watch;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleUnaryOperator;
import org.partita.deploy.tensorboard.TensorBoardLog;
import org.partita.models.network.ModelSpec;
import org.partita.models.train.EpochMetrics;
import org.partita.models.train.StepMetrics;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.partitioner.PartitionPlan;
import org.partita.runtime.StepTimeline;
import org.partita.runtime.TrainingCluster;
import org.partita.runtime.WorkerInfo;

/**
 * Everything that watches one training run from the side: the TensorBoard log in RUN/tb and, unless
 * turned off, the live dashboard ({@link WatchOptions}). It hears the run through the listener
 * {@link #listener} wraps around the progress lines (on the training thread: a record stored, an
 * event encoded), and from the command that runs it: the plan, recoveries, the cluster to watch.
 * It never stops or slows the run; a watcher that fails says so once and drops out. Closing it
 * stops the dashboard with the run.
 */
public final class RunWatch implements AutoCloseable {
  /**
   * The run watched: where it writes, what it trains and with what, how ("reference trainer", …),
   * and for a regression how R² follows from a loss (null: a classifier, shown with its accuracy).
   */
  public record Run(Path directory, ModelSpec model, TrainingConfig config, String mode, Regression regression) {}

  /** R² of a training loss and of a held-out loss (mean squared error of the standardised targets). */
  public record Regression(DoubleUnaryOperator trainR2, DoubleUnaryOperator heldOutR2) {}

  /** Something watched until closed. */
  public interface Watching extends AutoCloseable {
    @Override
    void close();
  }

  private final Run run;
  private final TensorBoardLog tensorBoard;
  /** Null with --no-ui, and then the recorder is not fed either. */
  private final DashboardServer server;
  private final RunRecorder recorder;

  RunWatch(Run run, TensorBoardLog tensorBoard, DashboardServer server, RunRecorder recorder) {
    this.run = run;
    this.tensorBoard = tensorBoard;
    this.server = server;
    this.recorder = recorder;
  }

  /** {@code progress} (which decides when to stop) followed by every watcher. */
  public TrainingListener listener(TrainingListener progress) {
    return server == null ? new Watched(progress, List.of(tensorBoard))
        : new WatchedLive(progress, tensorBoard, recorder);
  }

  /** The run goes on with {@code plan} on {@code workers}: at the start, and after each recovery. */
  public void planChosen(PartitionPlan plan, List<WorkerInfo> workers, String reason) {
    if (server != null) {
      recorder.planChosen(plan, workers, reason);
    }
  }

  /** The single-process reference trainer: one shard holding the whole model, in this JVM. */
  public void referenceTrainer(String blas) {
    WorkerInfo self = new WorkerInfo("this process", "local", Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory(), blas, ManagementFactory.getRuntimeMXBean().getName());
    planChosen(PartitionPlan.single(run.model(), run.config().batchSize(), self.name()), List.of(self),
        "the reference trainer");
  }

  /** A worker was lost and the run recovered as {@code what} says. */
  public void recovery(String what) {
    if (server != null) {
      recorder.event(RunRecorder.EventKind.RECOVERY, what);
    }
  }

  /**
   * Looks at the cluster's live workers every second, so joins and losses show as events, until
   * the returned handle is closed — before the cluster is, whose own shutdown is no loss.
   */
  public Watching watchCluster(TrainingCluster cluster) {
    if (server == null) {
      return () -> { };
    }
    ScheduledExecutorService membership = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread daemon = new Thread(runnable, "partita-dashboard-membership");
      daemon.setDaemon(true);
      return daemon;
    });
    membership.scheduleWithFixedDelay(() -> recorder.workersSeen(cluster.workers()), 0, 1, TimeUnit.SECONDS);
    return membership::shutdownNow;
  }

  /** The dashboard's address, or null with --no-ui. */
  public String url() {
    return server == null ? null : server.url();
  }

  @Override
  public void close() {
    recorder.end();
    if (server != null) {
      server.close();
    }
    tensorBoard.close();
  }

  /** Progress, then each watcher. */
  private static class Watched implements TrainingListener {
    private final TrainingListener progress;
    private final List<TrainingListener> watchers;

    Watched(TrainingListener progress, List<TrainingListener> watchers) {
      this.progress = progress;
      this.watchers = watchers;
    }

    @Override
    public void onStep(StepMetrics metrics) {
      progress.onStep(metrics);
      watchers.forEach(watcher -> watcher.onStep(metrics));
    }

    @Override
    public void onEpoch(EpochMetrics metrics) {
      progress.onEpoch(metrics);
      watchers.forEach(watcher -> watcher.onEpoch(metrics));
    }

    @Override
    public void onCheckpoint(Path directory) {
      progress.onCheckpoint(directory);
      watchers.forEach(watcher -> watcher.onCheckpoint(directory));
    }

    @Override
    public boolean stopRequested() {
      return progress.stopRequested();
    }
  }

  /** {@link Watched} whose session also hands the dashboard's recorder every step's timeline. */
  private static final class WatchedLive extends Watched implements StepTimeline.Listener {
    private final RunRecorder recorder;

    WatchedLive(TrainingListener progress, TensorBoardLog tensorBoard, RunRecorder recorder) {
      super(progress, List.of(tensorBoard, recorder));
      this.recorder = recorder;
    }

    @Override
    public void onStepTimeline(StepTimeline timeline) {
      recorder.onStepTimeline(timeline);
    }
  }
}
