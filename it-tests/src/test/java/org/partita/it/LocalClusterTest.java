package org.partita.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.CommandRunner;
import org.partita.deploy.CommandRunner.Outcome;
import org.partita.deploy.Partita;

/**
 * The way users run a multi-process cluster: {@code deploy/bin/local-cluster start 3} (three worker
 * JVMs over mutual TLS, from the built jar), {@code partita train --seeds … --tls …} as the fourth
 * JVM's driver (this one), then {@code stop}, after which none of the node processes is left. The
 * checkpoint the cluster saved, exported with {@code partita export} and served by ONNX Runtime,
 * classifies the test images as {@code partita evaluate} does.
 */
class LocalClusterTest {
  @TempDir
  static Path directory;
  private static LocalClusterScript cluster;
  private static final List<Long> pids = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = LocalClusterScript.on(directory, "768m");
    LocalClusterScript.Result started = cluster.run("start", "3");
    assertEquals(0, started.exit(), started.output());
    assertTrue(started.output().contains("3 workers up"), started.output());
    for (int i = 1; i <= 3; i++) {
      pids.add(cluster.pid("node-" + i));
    }
  }

  @AfterAll
  static void stopCluster() throws Exception {
    cluster.run("stop"); // whatever a test did, nothing stays running
  }

  @Test
  void trainsOverTlsAcrossFourJvmsAndStopLeavesNothingBehind() throws Exception {
    Path run = directory.resolve("run");
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    int exit;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      exit = Partita.run("train", "--model", "mlp", "--seeds", cluster.seed(), "--tls",
          cluster.certificates().toString(), "--nodes", "3", "--plan", "replicas=3", "--epochs", "1",
          "--train-samples", "3000", "--out", run.toString());
    } finally {
      System.setOut(original);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    System.out.println(out);
    assertEquals(0, exit, out);
    assertTrue(out.contains("(mutual TLS)") && out.contains("3 workers up"), out);
    for (String node : List.of("node-1", "node-2", "node-3")) {
      assertTrue(out.contains(" on " + node), "no shard on " + node + ":\n" + out);
    }
    String metrics = Files.readString(run.resolve("metrics.json"));
    double accuracy = Double.parseDouble(metrics.replaceAll("(?s).*\"test_accuracy\": ([0-9.]+).*", "$1"));
    assertTrue(accuracy > 0.6, "one epoch on 3000 images should pass 60%: " + accuracy);
    assertServedByOnnxRuntimeLikeEvaluate(run.resolve("checkpoint"));

    LocalClusterScript.Result stopped = cluster.run("stop");
    assertEquals(0, stopped.exit(), stopped.output());
    assertTrue(stopped.output().contains("stopped 3 node(s)"), stopped.output());
    for (long pid : pids) {
      assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "node process " + pid + " left");
    }
    try (var files = Files.list(directory)) {
      assertTrue(files.noneMatch(file -> file.toString().endsWith(".pid")), "pid files left");
    }
  }

  /**
   * The same test accuracy from ONNX Runtime as from evaluate: equal but for at most one image of
   * 10,000, which the float rounding of the standardisation (evaluate's in double, the file's in
   * float) could move across an exact tie.
   */
  private static void assertServedByOnnxRuntimeLikeEvaluate(Path checkpoint) throws Exception {
    Outcome evaluated = CommandRunner.run("evaluate", "--checkpoint", checkpoint.toString());
    assertEquals(0, evaluated.exitCode(), evaluated.err());
    double expected = Double.parseDouble(evaluated.out().replaceAll("(?s).*RESULT test_accuracy=([0-9.]+).*", "$1"));
    Path onnx = directory.resolve("model.onnx");
    Outcome exported = CommandRunner.run("export", "--checkpoint", checkpoint.toString(), "--out", onnx.toString());
    assertEquals(0, exported.exitCode(), exported.err());
    double served = OnnxScoring.accuracy(onnx);
    System.out.printf(java.util.Locale.ROOT, "test accuracy: partita evaluate %.4f, the exported file in ONNX Runtime "
        + "%.4f%n", expected, served);
    assertEquals(expected, served, 1.5e-4, exported.out());
  }
}
