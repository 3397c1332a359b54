package org.partita.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.Partita;
import org.partita.models.io.CheckpointFiles;
import org.partita.models.train.CheckpointSchedule;
import org.partita.models.train.FaultPoint;
import org.partita.partitioner.LoadedCheckpoint;

/**
 * kill -9 of the driver: {@code partita train} runs as its own JVM against three worker JVMs
 * (mutual TLS, node-1 the seed), checkpointing every 4 steps, armed to stop while it writes the
 * manifest of checkpoint 8 — the moment the checkpoint's shard files are all on disk but the
 * checkpoint is not complete yet. It is killed there, and {@code partita train --resume} with the
 * same flags on the same workers goes on from checkpoint 4 (the half-written checkpoint 8 is never
 * taken), finishes, and leaves a final checkpoint equal bit for bit to an uninterrupted run's.
 */
class DriverKillResumeTest {
  private static final List<String> WORKERS = ProcessCluster.NODES.subList(0, 3);
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(240);

  @TempDir
  static Path directory;
  private static ProcessCluster cluster;
  private static final List<PartitaJvm> workers = new ArrayList<>();
  private static String seed;

  @BeforeAll
  static void startWorkers() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    seed = "127.0.0.1:" + port;
    cluster = ProcessCluster.start();
    workers.add(cluster.startSeedWorker(WORKERS.get(0), port));
    workers.addAll(cluster.startWorkers(WORKERS.subList(1, WORKERS.size()), "akka://partita@" + seed, List.of()));
  }

  @AfterAll
  static void stopWorkers() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** 600 images in batches of 50: 12 steps, checkpoints after steps 4, 8 and 12. */
  private static List<String> train(Path run, String... more) {
    List<String> arguments = new ArrayList<>(List.of("train", "--model", "mlp", "--seeds", seed, "--tls",
        cluster.certificates().toString(), "--nodes", String.valueOf(WORKERS.size()), "--plan", "slices=3",
        "--epochs", "1", "--train-samples", "600", "--batch", "50", "--checkpoint-every", "4", "--out",
        run.toString()));
    arguments.addAll(List.of(more));
    return arguments;
  }

  @Test
  void resumesFromTheLastCompleteCheckpointAfterTheDriverIsKilledWritingOne() throws Exception {
    Path uninterrupted = directory.resolve("uninterrupted");
    assertEquals(0, Partita.run(train(uninterrupted).toArray(String[]::new)), "the uninterrupted run failed");

    Path run = directory.resolve("run");
    Path checkpoints = run.resolve("checkpoints");
    CheckpointSchedule schedule = new CheckpointSchedule(checkpoints, 4, 3);
    PartitaJvm killed = cluster.start("driver", List.of("-Xmx1g",
        "-D" + FaultPoint.PROPERTY + "=" + FaultPoint.name(FaultPoint.Moment.CHECKPOINT_WRITE) + ":8"), train(run));
    String announced = killed.awaitLine(line -> line.startsWith(FaultPoint.ANNOUNCEMENT), "the fault point",
        RUN_TIMEOUT);
    assertTrue(announced.contains(schedule.directory(8).resolve(CheckpointFiles.MANIFEST).toString()), announced);
    assertFalse(Files.exists(schedule.directory(8).resolve(CheckpointFiles.MANIFEST)), "manifest 8 complete already");
    assertEquals(schedule.directory(4), CheckpointSchedule.resolve(checkpoints), "newest complete checkpoint");
    killed.kill();
    System.out.println("driver (pid " + killed.pid() + ") killed: " + announced);

    PartitaJvm resumed = cluster.start("driver-resumed", List.of("-Xmx1g"),
        train(run, "--resume", checkpoints.toString()));
    int exit = resumed.awaitExit(RUN_TIMEOUT);
    String output = resumed.output();
    assertEquals(0, exit, resumed.describeOutput());
    String resumedAt = "resume: " + schedule.directory(4) + ", after optimizer step 4 (next: batch 5 of epoch 1)";
    assertTrue(output.contains(resumedAt), "expected '" + resumedAt + "'" + resumed.describeOutput());
    assertTrue(output.contains("RESULT test_accuracy="), resumed.describeOutput());
    System.out.println(output.lines().filter(line -> line.startsWith("resume:") || line.startsWith("RESULT"))
        .reduce((a, b) -> a + System.lineSeparator() + b).orElse(""));

    // The killed driver never released its shards; once it is downed they stop rather than hold memory.
    for (PartitaJvm worker : workers) {
      String stopped = worker.awaitLine(line -> line.contains("stops: its driver") && line.contains("is gone"),
          "its shard of the killed driver stopping", RUN_TIMEOUT);
      System.out.println(worker.name() + ": " + stopped);
    }

    LoadedCheckpoint expected = LoadedCheckpoint.read(uninterrupted.resolve("checkpoint"));
    LoadedCheckpoint actual = LoadedCheckpoint.read(run.resolve("checkpoint"));
    assertEquals(12, actual.position().step());
    assertTrue(expected.whole().equals(actual.whole()), "final parameters and optimizer state differ from the"
        + " uninterrupted run's");
    System.out.println("driver kill: resumed at step 4 of 12 from " + schedule.directory(4)
        + "; final checkpoint bit-identical to the uninterrupted run's");
  }
}
