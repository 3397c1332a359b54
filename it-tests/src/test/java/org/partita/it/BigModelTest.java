package org.partita.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.CommandRunner.Outcome;
import org.partita.deploy.ExitCode;
import org.partita.models.network.StandardModels;

/**
 * A model larger than a worker: the wide MLP's parameters, gradients and Adam state (20 M
 * parameters × 16 bytes = 306 MiB) exceed twice the heap of a 150 MiB worker JVM. Asking one such
 * worker to train it fails at once with the planner's message (what it needs, what the worker
 * offers), exit 2, and the worker lives on — no OutOfMemoryError anywhere.
 */
class BigModelTest {
  private static final String HEAP = "150m";
  private static final long HEAP_BYTES = 150L << 20;

  @TempDir
  static Path directory;
  private static LocalClusterScript cluster;

  @BeforeAll
  static void startOneSmallWorker() throws Exception {
    cluster = LocalClusterScript.on(directory, HEAP);
    LocalClusterScript.Result started = cluster.run("start", "1");
    assertEquals(0, started.exit(), started.output());
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.run("stop");
  }

  @Test
  void oneSmallWorkerIsRefusedByThePlannerNotByAnOutOfMemoryError() throws Exception {
    long stateBytes = StandardModels.wideMlp(1).parameterCount() * 4L * 4; // values, gradients, Adam m and v
    assertTrue(stateBytes > 2 * HEAP_BYTES, "the premise: " + stateBytes + " bytes of state vs a " + HEAP + " heap");

    Outcome outcome = PartitaProcess.run(directory, Map.of(), "train", "--model", "wide-mlp", "--seeds",
        cluster.seed(), "--tls", cluster.certificates().toString(), "--nodes", "1", "--epochs", "1",
        "--train-samples", "256", "--out", directory.resolve("run").toString());
    assertEquals(ExitCode.BAD_INPUT, outcome.exitCode(), outcome.out() + outcome.err());
    assertTrue(outcome.err().matches("(?s).*partita: model 'wide-mlp' \\(20,037,642 parameters\\) fits no plan on 1 "
        + "node\\(s\\) offering 1[0-9]{2} MiB: the smallest plan, .*, needs [0-9,]+ MiB on its fullest node — add "
        + "nodes or memory.*"), outcome.err());
    assertFalse((outcome.out() + outcome.err()).contains("OutOfMemoryError"), outcome.out() + outcome.err());
    assertTrue(ProcessHandle.of(cluster.pid("node-1")).map(ProcessHandle::isAlive).orElse(false),
        "the worker must live on");
    assertFalse(Files.readString(directory.resolve("node-1.log")).contains("OutOfMemoryError"));
  }
}
