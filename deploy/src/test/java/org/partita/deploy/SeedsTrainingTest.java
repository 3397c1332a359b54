package org.partita.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.CommandRunner.Outcome;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.TlsCertificates;
import org.partita.runtime.TlsSettings;
import org.partita.runtime.node.WorkerNode;

/** {@code partita train --seeds … --tls DIR}: the driver joins a running TLS cluster and trains on its workers. */
class SeedsTrainingTest {
  @TempDir
  Path directory;

  @Test
  void trainsOnTheWorkersOfARunningTlsCluster() throws Exception {
    Path certs = directory.resolve("certs");
    TlsCertificates.generate(certs, List.of("driver", "node-1", "node-2"));
    WorkerNode first = WorkerNode.start("node-1", "127.0.0.1", 0, List.of(),
        RuntimeSettings.defaults().withTls(TlsSettings.fromDirectory(certs, "node-1")));
    WorkerNode second = null;
    try {
      second = WorkerNode.start("node-2", "127.0.0.1", 0, List.of(first.address()),
          RuntimeSettings.defaults().withTls(TlsSettings.fromDirectory(certs, "node-2")));
      Path run = directory.resolve("run");
      String seed = first.address().substring("akka://partita@".length());
      Outcome outcome = CommandRunner.run("train", "--model", "mlp", "--seeds", seed, "--tls", certs.toString(),
          "--nodes", "2", "--plan", "slices=2", "--epochs", "1", "--train-samples", "3000", "--out", run.toString());
      assertEquals(ExitCode.OK, outcome.exitCode(), outcome.err());
      assertTrue(outcome.out().contains("(mutual TLS)") && outcome.out().contains("2 workers up"), outcome.out());
      assertTrue(outcome.out().contains("shard r0/s0/p0 on node-1") && outcome.out().contains("shard r0/s0/p1 on node-2"),
          outcome.out());
      String metrics = Files.readString(run.resolve("metrics.json"));
      double accuracy = Double.parseDouble(metrics.replaceAll("(?s).*\"test_accuracy\": ([0-9.]+).*", "$1"));
      assertTrue(accuracy > 0.6, "one epoch on 3000 images should pass 60%: " + accuracy);
    } finally {
      if (second != null) {
        second.stop(Duration.ofSeconds(30));
      }
      first.stop(Duration.ofSeconds(30));
    }
  }

  @Test
  void tlsWithoutSeedsIsBadUsage() {
    Outcome outcome = CommandRunner.run("train", "--tls", directory.toString());
    assertEquals(ExitCode.BAD_INPUT, outcome.exitCode());
    assertTrue(outcome.err().contains("give --seeds too"), outcome.err());
  }
}
