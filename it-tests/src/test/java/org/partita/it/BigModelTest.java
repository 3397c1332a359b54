package org.partita.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.CommandRunner.Outcome;
import org.partita.deploy.ExitCode;
import org.partita.models.io.ModelFiles;

/**
 * A model larger than a worker: a 784-6144-6144-10 MLP (42.6 M parameters) whose values,
 * gradients and Adam state (650 MiB) exceed twice the 300 MiB heap of each of 4 worker JVMs
 * (local-cluster, mutual TLS). Across the 4 it trains, checkpoints and hands back its state —
 * each shard writes and sends its state piece by piece, never holding it twice. On one worker it is
 * refused at once with the planner's message (what it needs, what the worker offers), exit 2, and
 * the worker lives on — no OutOfMemoryError anywhere.
 */
class BigModelTest {
  private static final String HEAP = "300m";
  private static final long HEAP_BYTES = 300L << 20;
  private static final int WORKERS = 4;

  @TempDir
  static Path directory;
  private static LocalClusterScript cluster;
  private static Path model;

  @BeforeAll
  static void startSmallWorkers() throws Exception {
    model = directory.resolve("mlp-6144.pbtxt");
    Files.writeString(model, """
        format_version: 1
        name: "mlp-6144"
        input_shape: 784
        layers { dense { inputs: 784 outputs: 6144 activation: RELU } }
        layers { dense { inputs: 6144 outputs: 6144 activation: RELU } }
        layers { dense { inputs: 6144 outputs: 10 activation: IDENTITY } }
        loss { kind: SOFTMAX_CROSS_ENTROPY }
        """);
    long stateBytes = ModelFiles.resolve(model.toString(), 1, "--model").parameterCount() * 4L * 4; // w, dw, Adam m, v
    assertTrue(stateBytes > 2 * HEAP_BYTES, "the premise: " + stateBytes + " bytes of state vs a " + HEAP + " heap");
    cluster = LocalClusterScript.on(directory, HEAP);
    LocalClusterScript.Result started = cluster.run("start", String.valueOf(WORKERS));
    assertEquals(0, started.exit(), started.output());
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.run("stop");
  }

  private static Outcome train(int nodes, String run, String... more) throws Exception {
    List<String> arguments = new ArrayList<>(List.of("train", "--model", model.toString(),
        "--seeds", cluster.seed(), "--tls", cluster.certificates().toString(), "--nodes", String.valueOf(nodes),
        "--epochs", "1", "--train-samples", "256", "--out", directory.resolve(run).toString()));
    arguments.addAll(List.of(more));
    // The driver gathers the whole model at the end (650 MiB of state, held while it is merged).
    return PartitaProcess.runWithHeap(directory, Map.of(), "3g", arguments.toArray(String[]::new));
  }

  @Test
  void trainsAcrossFourWorkersThatEachHoldLessThanHalfOfIt() throws Exception {
    Outcome outcome = train(WORKERS, "four", "--checkpoint-every", "1");
    String all = outcome.out() + outcome.err();
    assertEquals(ExitCode.OK, outcome.exitCode(), all);
    assertTrue(all.contains("1 replica × 1 stage (4 slices)"), all);
    for (int i = 1; i <= WORKERS; i++) {
      assertTrue(all.contains(" on node-" + i), "no shard on node-" + i + ":\n" + all);
    }
    Path run = directory.resolve("four");
    assertTrue(Files.isRegularFile(run.resolve("checkpoint/manifest.pb")), "final checkpoint");
    try (Stream<Path> files = Files.walk(run.resolve("checkpoints"))) {
      assertTrue(files.anyMatch(file -> file.endsWith("manifest.pb")), "a periodic checkpoint the shards wrote");
    }
    double accuracy = Double.parseDouble(Files.readString(run.resolve("metrics.json"))
        .replaceAll("(?s).*\"test_accuracy\": ([0-9.]+).*", "$1"));
    assertTrue(accuracy > 0.2, "two steps should lift it off chance: " + accuracy);
    assertNoOutOfMemory();
  }

  @Test
  void oneWorkerIsRefusedByThePlannerNotByAnOutOfMemoryError() throws Exception {
    Outcome outcome = train(1, "one");
    assertEquals(ExitCode.BAD_INPUT, outcome.exitCode(), outcome.out() + outcome.err());
    assertTrue(outcome.err().matches("(?s).*partita: model 'mlp-6144' \\(42,[0-9,]+ parameters\\) fits no plan on 1 "
        + "node\\(s\\) offering [0-9]{3} MiB: the smallest plan, .*, needs [0-9,]+ MiB on its fullest node — add "
        + "nodes or memory.*"), outcome.err());
    assertNoOutOfMemory();
  }

  private static void assertNoOutOfMemory() throws Exception {
    for (int i = 1; i <= WORKERS; i++) {
      assertTrue(ProcessHandle.of(cluster.pid("node-" + i)).map(ProcessHandle::isAlive).orElse(false),
          "node-" + i + " must live on");
      assertFalse(Files.readString(directory.resolve("node-" + i + ".log")).contains("OutOfMemoryError"),
          "node-" + i + " ran out of memory");
    }
  }
}
