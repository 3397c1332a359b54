package org.partita.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.CommandRunner.Outcome;

/** {@code partita train --seeds … --tls DIR}: the driver joins a running TLS cluster and trains on its workers. */
class SeedsTrainingTest {
  @TempDir
  Path directory;

  @Test
  void trainsOnTheWorkersOfARunningTlsCluster() throws Exception {
    try (RunningTlsCluster cluster = new RunningTlsCluster(directory, 2)) {
      Path run = directory.resolve("run");
      Outcome outcome = CommandRunner.run("train", "--model", "mlp", "--seeds", cluster.seed(), "--tls",
          cluster.certs().toString(), "--nodes", "2", "--plan", "slices=2", "--epochs", "1", "--train-samples", "3000",
          "--out", run.toString());
      assertEquals(ExitCode.OK, outcome.exitCode(), outcome.err());
      assertTrue(outcome.out().contains("(mutual TLS)") && outcome.out().contains("2 workers up"), outcome.out());
      assertTrue(outcome.out().contains("shard r0/s0/p0 on node-1") && outcome.out().contains("shard r0/s0/p1 on node-2"),
          outcome.out());
      String metrics = Files.readString(run.resolve("metrics.json"));
      double accuracy = Double.parseDouble(metrics.replaceAll("(?s).*\"test_accuracy\": ([0-9.]+).*", "$1"));
      assertTrue(accuracy > 0.6, "one epoch on 3000 images should pass 60%: " + accuracy);
    }
  }

  @Test
  void tlsWithoutSeedsIsBadUsage() {
    Outcome outcome = CommandRunner.run("train", "--tls", directory.toString());
    assertEquals(ExitCode.BAD_INPUT, outcome.exitCode());
    assertTrue(outcome.err().contains("give --seeds too"), outcome.err());
  }
}
