package org.partita.bench.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The loop of a worker process in the peers benchmark: one system (Partita, Deeplearning4j, …)
 * per process, driven by {@link PeersBench} over standard input and output, one command per line.
 * bench/python/torch_peer.py speaks the same protocol for PyTorch.
 *
 * <pre>
 *   data DIR               load the {@link SharedBatches}     → "@peer data COUNT BATCH"
 *   model NAME SPEC.json   build that model (NAME is a StandardModels name; SPEC.json the same spec
 *                          as JSON, for workers that are not Java)      → "@peer model PARAMETERS", or
 *                          "@peer unsupported WHY" when the system has no such layer (the worker goes on)
 *   run STEPS              train STEPS steps on the next batches        → "@peer ran WALL_S CPU_S MEAN_LOSS"
 *   sgemm N                (where supported) n×n sgemm at this process's threads → "@peer sgemm GFLOPS"
 *   quit                                                                → "@peer bye"
 * </pre>
 *
 * Replies start with {@link #PREFIX}, so whatever a native library prints on standard output is
 * told apart from them. A command that fails replies "@peer error MESSAGE" and the worker exits.
 */
public final class PeerWorker {
  public static final String PREFIX = "@peer ";

  /** What a system's worker does beyond the common loop. */
  public interface Peer {
    /** One line: the system, its version, backend and threads, printed once at start. */
    String describe();

    TrainingSide build(String model, Path specJson, SharedBatches batches);

    /** Commands other than the common ones; the reply without the prefix. */
    default String command(String[] words) {
      throw new IllegalArgumentException("unknown command '" + String.join(" ", words) + "'");
    }
  }

  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private PeerWorker() {}

  public static void serve(Peer peer) throws IOException {
    reply("hello " + peer.describe());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    SharedBatches batches = null;
    TrainingSide side = null;
    int next = 0;
    String line;
    while ((line = in.readLine()) != null) {
      String[] words = line.trim().split("\\s+");
      try {
        switch (words[0]) {
          case "data" -> {
            batches = SharedBatches.read(Path.of(words[1]));
            reply("data " + batches.count() + " " + batches.batchSize());
          }
          case "model" -> {
            if (batches == null) {
              throw new IllegalStateException("'model' before 'data'");
            }
            side = null; // let the previous model's memory go before building the next
            try {
              side = peer.build(words[1], Path.of(words[2]), batches);
            } catch (UnsupportedOperationException unsupported) {
              reply("unsupported " + unsupported.getMessage());
              continue;
            }
            next = 0;
            reply("model " + side.parameterCount());
          }
          case "run" -> {
            if (side == null) {
              throw new IllegalStateException("'run' before 'model'");
            }
            int steps = Integer.parseInt(words[1]);
            double lossSum = 0;
            long cpu = OS.getProcessCpuTime();
            long start = System.nanoTime();
            for (int s = 0; s < steps; s++) {
              double loss = side.trainStep(next);
              next = (next + 1) % batches.count();
              if (!Double.isFinite(loss)) {
                throw new IllegalStateException("the loss became " + loss);
              }
              lossSum += loss;
            }
            long wall = System.nanoTime() - start;
            reply(String.format(Locale.ROOT, "ran %.6f %.6f %.6f", wall / 1e9, (OS.getProcessCpuTime() - cpu) / 1e9,
                lossSum / steps));
          }
          case "quit" -> {
            reply("bye");
            return;
          }
          default -> reply(peer.command(words));
        }
      } catch (RuntimeException | IOException e) {
        reply("error " + (e.getMessage() == null ? e.toString() : e.getMessage()).replace('\n', ' '));
        e.printStackTrace();
        System.exit(1);
      }
    }
  }

  private static void reply(String text) {
    System.out.println(PREFIX + text);
    System.out.flush();
  }
}
