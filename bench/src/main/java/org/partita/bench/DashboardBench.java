package org.partita.bench;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.partita.deploy.watch.RunWatch;
import org.partita.deploy.watch.WatchOptions;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.SyntheticData;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.StepMetrics;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PipelineSchedule;
import org.partita.runtime.DistributedTrainer;
import org.partita.runtime.EmbeddedCluster;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.StepTimeline;
import picocli.CommandLine;

/**
 * What watching a run costs its steps, side by side in one process on one embedded cluster of 2
 * nodes: blocks of training steps with nothing but a clock listening, with --no-ui (the TensorBoard
 * log), with the dashboard on (recorder, step timelines) and nobody looking, and with a client
 * reading all three JSON endpoints four times a second — four times what the page asks. They alternate in every
 * round, in a rotating order, so the machine's noise hits all alike; per-step times are the
 * intervals between consecutive steps' progress calls, the first 10 of each block left out.
 */
public final class DashboardBench {
  private DashboardBench() {}

  private static final String[] MODES = {"nothing watching", "--no-ui (TensorBoard log)",
      "dashboard, no client", "dashboard + client polling 4/s"};

  public static void main(String[] args) throws Exception {
    int rounds = 6;
    int steps = 150;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--steps" -> steps = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; use --rounds N --steps N");
      }
    }
    int batch = 128;
    ModelSpec model = StandardModels.mlp(1);
    TrainingConfig config = new TrainingConfig(1, batch, 1, OptimizerSpec.adam(1e-3f));
    ArrayDataset data = SyntheticData.blobs("blobs", model.inputShape(), 10, steps * batch, 0.8f, 3);
    PartitionPlan plan = PartitionPlan.balanced(model, 2, new int[] {0, 1, model.layers().size()}, new int[] {1, 1}, 4,
        PipelineSchedule.ONE_F_ONE_B, batch, List.of("node-1", "node-2", "node-1", "node-2"));
    System.out.println("dashboard bench: " + model.name() + ", " + plan.describe() + ", " + rounds + " rounds × "
        + steps + " steps per setting");
    Path directory = Files.createTempDirectory("partita-dashboard-bench");
    List<List<Double>> times = new ArrayList<>();
    for (int k = 0; k < MODES.length; k++) {
      times.add(new ArrayList<>());
    }
    double[][] roundMedians = new double[MODES.length][rounds];
    try (EmbeddedCluster cluster = EmbeddedCluster.start(2, RuntimeSettings.defaults())) {
      for (int k = 0; k < MODES.length; k++) {
        block(cluster, model, config, plan, data, k, directory, new ArrayList<>()); // warm-up
      }
      Arrays.fill(WATCHING_NANOS, 0);
      Arrays.fill(WATCHED_STEPS, 0);
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < MODES.length; i++) {
          int k = (i + r) % MODES.length;
          List<Double> block = new ArrayList<>();
          block(cluster, model, config, plan, data, k, directory, block);
          times.get(k).addAll(block);
          roundMedians[k][r] = median(block);
        }
      }
    }
    double base = median(times.get(0));
    System.out.println("| setting | median step | mean | 90th percentile | median vs nothing | in the watchers per step "
        + "| round medians |");
    System.out.println("|---|---:|---:|---:|---:|---:|---|");
    for (int k = 0; k < MODES.length; k++) {
      List<Double> all = times.get(k);
      double[] sorted = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      StringBuilder perRound = new StringBuilder();
      for (double m : roundMedians[k]) {
        perRound.append(perRound.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", m * 1e3));
      }
      String watching = WATCHED_STEPS[k] == 0 ? "–"
          : String.format(Locale.ROOT, "%.1f µs", WATCHING_NANOS[k] / 1e3 / WATCHED_STEPS[k]);
      System.out.printf(Locale.ROOT, "| %s | %.3f ms | %.3f ms | %.3f ms | %+.1f%% | %s | %s |%n", MODES[k],
          median(all) * 1e3, Arrays.stream(sorted).average().orElse(0) * 1e3, sorted[(int) (0.9 * sorted.length)] * 1e3,
          100 * (median(all) / base - 1), watching, perRound);
    }
  }

  /** One block of steps on fresh shards, watched as mode {@code k} says; its per-step times into {@code into}. */
  private static void block(EmbeddedCluster cluster, ModelSpec model, TrainingConfig config, PartitionPlan plan,
      ArrayDataset data, int k, Path directory, List<Double> into) throws Exception {
    long[] last = {0};
    int[] seen = {0};
    TrainingListener clock = new TrainingListener() {
      @Override
      public void onStep(StepMetrics metrics) {
        long now = System.nanoTime();
        if (seen[0]++ > 10) {
          into.add((now - last[0]) / 1e9);
        }
        last[0] = now;
      }
    };
    mode = k;
    try (DistributedTrainer trainer = cluster.trainer(model, config, plan)) {
      if (k == 0) {
        trainer.fit(data, null, clock);
        return;
      }
      WatchOptions options = new WatchOptions();
      new CommandLine(options).parseArgs(k == 1 ? new String[] {"--no-ui"} : new String[] {"--ui-port", "0"});
      PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());
      RunWatch.Run run = new RunWatch.Run(directory.resolve("run-" + k), model, config, "bench", null);
      try (RunWatch watch = options.open(run, quiet)) {
        AtomicBoolean done = new AtomicBoolean();
        Thread client = k == 3 ? poll(watch.url(), done) : null;
        try {
          TrainingListener watched = watch.listener(clock);
          trainer.fit(data, null, watched instanceof StepTimeline.Listener ? new TimedLive(watched) : new Timed(watched));
        } finally {
          done.set(true);
          if (client != null) {
            client.join();
          }
        }
      }
    }
  }

  /**
   * Per setting: nanoseconds the training thread spent in the watchers' calls, and the steps they
   * covered. Written by the training thread only; {@link #mode} is the block's setting.
   */
  private static final long[] WATCHING_NANOS = new long[4];
  private static final long[] WATCHED_STEPS = new long[4];
  private static int mode;

  /** The listener a RunWatch gives, timed (the clock inside it costs a nanoTime and a list add). */
  private static class Timed implements TrainingListener {
    final TrainingListener inner;

    Timed(TrainingListener inner) {
      this.inner = inner;
    }

    @Override
    public void onStep(StepMetrics metrics) {
      long start = System.nanoTime();
      inner.onStep(metrics);
      WATCHING_NANOS[mode] += System.nanoTime() - start;
      WATCHED_STEPS[mode]++;
    }

    @Override
    public void onEpoch(org.partita.models.train.EpochMetrics metrics) {
      long start = System.nanoTime();
      inner.onEpoch(metrics);
      WATCHING_NANOS[mode] += System.nanoTime() - start;
    }
  }

  private static final class TimedLive extends Timed implements StepTimeline.Listener {
    TimedLive(TrainingListener inner) {
      super(inner);
    }

    @Override
    public void onStepTimeline(StepTimeline timeline) {
      long start = System.nanoTime();
      ((StepTimeline.Listener) inner).onStepTimeline(timeline);
      WATCHING_NANOS[mode] += System.nanoTime() - start;
    }
  }

  /** Reads /api/run, /api/steps?since=N and /api/timeline every 250 ms until {@code done}. */
  private static Thread poll(String url, AtomicBoolean done) {
    HttpClient http = HttpClient.newHttpClient();
    AtomicLong since = new AtomicLong();
    Thread client = new Thread(() -> {
      while (!done.get()) {
        try {
          for (String path : new String[] {"api/run", "api/steps?since=" + since.get(), "api/timeline"}) {
            String body = http.send(HttpRequest.newBuilder(URI.create(url + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            int at = body.indexOf("\"last\": ");
            if (at >= 0) {
              since.set(Long.parseLong(body.substring(at + 8, body.indexOf(',', at)).trim()));
            }
          }
          Thread.sleep(250);
        } catch (Exception e) {
          return;
        }
      }
    }, "dashboard-client");
    client.start();
    return client;
  }

  private static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2];
  }
}
