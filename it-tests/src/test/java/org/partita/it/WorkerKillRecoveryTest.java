package org.partita.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.data.DataFormatException;
import org.partita.models.io.CheckpointFiles;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.train.CheckpointSchedule;
import org.partita.models.train.FaultPoint;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.partitioner.LoadedCheckpoint;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PlanProtos;
import org.partita.partitioner.ShardId;
import org.partita.runtime.ExactnessCheck;
import org.partita.runtime.RecoveringTraining;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.TrainedModel;
import org.partita.runtime.WorkerInfo;
import org.partita.runtime.driver.DriverNode;

/**
 * kill -9 of a worker JVM inside a chosen moment of a step: forward, backward and the gradient
 * all-reduce of step 7, and the write of its shard file of the checkpoint after step 8. The
 * victim is started armed ({@link FaultPoint}): it announces the moment on stdout and stops
 * there, and this test kills it then — no sleeps decide where the kill lands. The driver (this
 * JVM, mutual TLS) aborts the step, re-plans the same 2 replicas × 2 slices on the two workers
 * left, restores the newest complete checkpoint and finishes; the final weights are bit for bit
 * those of the run that never lost a worker. Each scenario has its own armed victim, all started
 * up front (idle until their scenario places shards on them). The killed
 * writer's half-written file never makes its checkpoint count, and a checkpoint file damaged after
 * the fact is refused by its size and SHA-256.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WorkerKillRecoveryTest {
  private static final List<String> SURVIVORS = ProcessCluster.NODES.subList(0, 2);
  private static final ModelSpec MLP = StandardModels.mlp(3);
  /** 2 epochs of 10 steps (290 samples, batches of 30), checkpoints after steps 4, 8, 12, … */
  private static final TrainingConfig CONFIG = new TrainingConfig(2, ExactnessCheck.BATCH, 11,
      ExactnessCheck.config().optimizer());
  private static final int CHECKPOINT_EVERY = 4;
  private static final Duration KILL_WAIT = Duration.ofSeconds(120);
  /**
   * How long the driver tolerates a silent worker before declaring it lost; Partita's default is
   * 10 s (busy BLAS threads must not look dead). Shorter here, so four detections fit the time
   * budget — not much shorter: while six worker JVMs start on a busy 2-core machine, heartbeats
   * were seen arriving 4.3 s apart.
   */
  private static final String HEARTBEAT_PAUSE = "8s";

  @TempDir
  static Path directory;
  private static ProcessCluster cluster;
  private static DriverNode driver;
  private static TrainedModel uninterrupted;
  private static final Map<FaultPoint.Moment, PartitaJvm> victims = new EnumMap<>(FaultPoint.Moment.class);
  /** The victim of the scenario under way, placed first in its plans; null: none. */
  private static String victim;
  private static int killsTried;
  private static int killsSurvived;
  private static final List<String> summary = new ArrayList<>();

  @BeforeAll
  static void startClusterAndTrainUninterrupted() throws Exception {
    System.setProperty("akka.cluster.failure-detector.acceptable-heartbeat-pause", HEARTBEAT_PAUSE);
    ConfigFactory.invalidateCaches();
    cluster = ProcessCluster.start();
    driver = cluster.startDriver(List.of(), RuntimeSettings.defaults());
    List<PartitaJvm> workers = new ArrayList<>();
    for (String name : SURVIVORS) {
      workers.add(cluster.launchWorker(name, driver.address(), List.of()));
    }
    for (FaultPoint.Moment moment : FaultPoint.Moment.values()) {
      String name = ProcessCluster.NODES.get(SURVIVORS.size() + moment.ordinal());
      String armed = "-D" + FaultPoint.PROPERTY + "=" + FaultPoint.name(moment) + ":" + stepOf(moment);
      victims.put(moment, cluster.launchWorker(name, driver.address(), List.of(armed)));
      workers.add(victims.get(moment));
    }
    for (PartitaJvm worker : workers) {
      ProcessCluster.awaitUp(worker);
    }
    driver.awaitWorkers(workers.size());
    RecoveringTraining.Outcome outcome = RecoveringTraining.fit(driver, MLP, CONFIG, WorkerKillRecoveryTest::plan,
        ExactnessCheck.data(MLP), null, TrainingListener.NONE,
        new CheckpointSchedule(directory.resolve("uninterrupted"), CHECKPOINT_EVERY, 2), null, 0, Duration.ZERO,
        line -> { });
    uninterrupted = outcome.model();
    assertEquals(20, uninterrupted.step());
  }

  @AfterAll
  static void stopCluster() throws Exception {
    String counts = "worker kills survived: " + killsSurvived + "/" + killsTried;
    summary.forEach(System.out::println);
    System.out.println(counts);
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      System.clearProperty("akka.cluster.failure-detector.acceptable-heartbeat-pause");
    }
  }

  /**
   * 2 replicas × 2 slices over the survivors and the scenario's victim if it is still there, the
   * victim first so that it holds a shard of replica 0 (which writes checkpoints).
   */
  private static PartitionPlan plan(List<WorkerInfo> workers) {
    List<String> names = new ArrayList<>(workers.stream().map(WorkerInfo::name)
        .filter(name -> name.equals(victim) || SURVIVORS.contains(name)).toList());
    names.sort((a, b) -> Boolean.compare(SURVIVORS.contains(a), SURVIVORS.contains(b)));
    return ExactnessCheck.plan(MLP, 2, new int[] {0, MLP.layers().size()}, new int[] {2}, 1, names);
  }

  /** The compute moments are hit in step 7, between checkpoints 4 and 8; the checkpoint write in checkpoint 8. */
  private static long stepOf(FaultPoint.Moment moment) {
    return moment == FaultPoint.Moment.CHECKPOINT_WRITE ? 8 : 7;
  }

  @Test
  @Order(1)
  void survivesAKillDuringForward() throws Exception {
    killAndRecover(FaultPoint.Moment.FORWARD);
  }

  @Test
  @Order(2)
  void survivesAKillDuringBackward() throws Exception {
    killAndRecover(FaultPoint.Moment.BACKWARD);
  }

  @Test
  @Order(3)
  void survivesAKillDuringTheAllReduce() throws Exception {
    killAndRecover(FaultPoint.Moment.ALL_REDUCE);
  }

  /**
   * The victim dies with half of its shard file of checkpoint 8 written: checkpoint 8 has no
   * manifest, so recovery restores checkpoint 4. Then the half-written bytes, put in place of a
   * complete checkpoint's file, and that file with one byte flipped, are both refused by name.
   */
  @Test
  @Order(4)
  void survivesAKillDuringACheckpointWriteAndNeverAcceptsAHalfWrittenFile() throws Exception {
    Path halfWritten = killAndRecover(FaultPoint.Moment.CHECKPOINT_WRITE);
    Path root = directory.resolve("checkpoint-write");
    Path newest = CheckpointSchedule.newest(root).orElseThrow();
    LoadedCheckpoint.read(newest); // intact: loads

    List<String> refusals = new ArrayList<>();
    Path torn = copyOf(newest, directory.resolve("torn"));
    Path shardFile = shardFileOfReplicaZero(torn);
    Files.copy(halfWritten, shardFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    refusals.add(refused(torn, shardFile, "bytes but the manifest records"));

    Path flipped = copyOf(newest, directory.resolve("flipped"));
    Path flippedFile = shardFileOfReplicaZero(flipped);
    byte[] bytes = Files.readAllBytes(flippedFile);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(flippedFile, bytes);
    refusals.add(refused(flipped, flippedFile, "SHA-256"));
    summary.add("damaged checkpoint files refused: " + refusals.size() + "/2");
    refusals.forEach(refusal -> summary.add("  " + refusal));
  }

  /**
   * Trains with checkpoints on the survivors and the victim armed for {@code moment}, kills the
   * victim when it announces the moment, and checks the recovery (from checkpoint 4) and the final
   * weights. Returns a copy of the half-written file for a checkpoint-write kill, else null.
   */
  private Path killAndRecover(FaultPoint.Moment moment) throws Exception {
    long step = stepOf(moment);
    long restoredStep = 4;
    PartitaJvm armedVictim = victims.get(moment);
    String name = armedVictim.name();
    victim = name;
    String armed = FaultPoint.name(moment) + ":" + step;
    Path root = directory.resolve(FaultPoint.name(moment));
    Path halfWritten = directory.resolve("half-written.pb");
    CompletableFuture<String> kill = CompletableFuture.supplyAsync(() -> {
      try {
        String announced = armedVictim.awaitLine(line -> line.startsWith(FaultPoint.ANNOUNCEMENT),
            "the fault point " + armed, KILL_WAIT);
        if (moment == FaultPoint.Moment.CHECKPOINT_WRITE) {
          keepHalfWrittenFile(root, step, restoredStep, halfWritten);
        }
        armedVictim.kill();
        return announced;
      } catch (Exception e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    });
    killsTried++;
    List<String> log = new ArrayList<>();
    RecoveringTraining.Outcome outcome;
    try {
      outcome = RecoveringTraining.fit(driver, MLP, CONFIG, WorkerKillRecoveryTest::plan, ExactnessCheck.data(MLP),
          null, TrainingListener.NONE, new CheckpointSchedule(root, CHECKPOINT_EVERY, 2), null, 1, Duration.ZERO,
          log::add);
    } finally {
      if (!kill.isDone()) {
        armedVictim.kill(); // training ended without reaching the fault point: do not leave the victim paused
      }
    }
    String announced = awaitKill(kill);
    assertTrue(announced.startsWith(FaultPoint.ANNOUNCEMENT + armed.replace(":", " of step ")), announced);
    assertFalse(armedVictim.isAlive());

    assertEquals(1, outcome.recoveries().size(), "one loss survived: " + log);
    String recovery = outcome.recoveries().get(0);
    Matcher parts = Pattern.compile("lost worker " + name + " after step (\\d+); going on with \\d+ workers, restarting"
        + " from checkpoint .*step-0+(\\d+) \\(step (\\d+)\\): (\\d+) steps redone").matcher(recovery);
    assertTrue(parts.matches(), recovery);
    // Killed inside step 7 when 6 were complete; inside checkpoint 8's write when 8 were.
    assertEquals(moment == FaultPoint.Moment.CHECKPOINT_WRITE ? step : step - 1, Long.parseLong(parts.group(1)),
        recovery);
    assertEquals(restoredStep, Long.parseLong(parts.group(3)), recovery);
    assertEquals(SURVIVORS, outcome.plan().placement().values().stream().distinct().sorted().toList());
    assertEquals(uninterrupted.step(), outcome.model().step());
    for (int p = 0; p < uninterrupted.network().parameters().size(); p++) {
      assertArrayEquals(uninterrupted.network().parameters().get(p).value().data,
          outcome.model().network().parameters().get(p).value().data, "parameter " + p + " after the " + moment
              + " kill");
    }
    killsSurvived++;
    summary.add("kill -9 in " + FaultPoint.name(moment) + " of step " + step + ": " + recovery
        + "; final weights bit-identical to the uninterrupted run's");
    return moment == FaultPoint.Moment.CHECKPOINT_WRITE ? halfWritten : null;
  }

  /**
   * At the moment the writer is paused mid-file: the checkpoint being written has no manifest and
   * a partial temporary file, and the newest complete checkpoint is the previous one.
   */
  private static void keepHalfWrittenFile(Path root, long step, long previous, Path copy) throws IOException {
    Path writing = new CheckpointSchedule(root, CHECKPOINT_EVERY, 2).directory(step);
    assertFalse(Files.exists(writing.resolve(CheckpointFiles.MANIFEST)), writing + " has a manifest already");
    Path temporary;
    try (Stream<Path> files = Files.list(writing)) {
      // The victim holds shard r0-s0-p0; the other shard of replica 0 may be writing its own file now.
      String prefix = "." + CheckpointFiles.shardFileName(PlanProtos.toProto(new ShardId(0, 0, 0)), step) + ".";
      temporary = files.filter(file -> file.getFileName().toString().startsWith(prefix)).findFirst()
          .orElseThrow(() -> new AssertionError("no temporary file " + prefix + "* being written in " + writing));
    }
    Files.copy(temporary, copy);
    assertTrue(Files.size(copy) > 0, temporary + " is empty");
    assertEquals(new CheckpointSchedule(root, CHECKPOINT_EVERY, 2).directory(previous),
        CheckpointSchedule.newest(root).orElseThrow(), "the newest complete checkpoint while " + temporary
            + " is half written");
  }

  private static String awaitKill(CompletableFuture<String> kill) throws Exception {
    try {
      return kill.get(KILL_WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("killing the victim failed: " + e.getCause().getMessage(), e.getCause());
    }
  }

  private static Path shardFileOfReplicaZero(Path checkpoint) throws IOException {
    try (Stream<Path> files = Files.list(checkpoint)) {
      return files.filter(file -> file.getFileName().toString().startsWith("shard-r0-s0-p0-")).findFirst()
          .orElseThrow(() -> new AssertionError("no shard file of r0-s0-p0 in " + checkpoint));
    }
  }

  /** Reading {@code checkpoint} fails, naming {@code file} and giving {@code reason}; returns the message. */
  private static String refused(Path checkpoint, Path file, String reason) {
    DataFormatException refusal = assertThrows(DataFormatException.class, () -> LoadedCheckpoint.read(checkpoint),
        "damaged " + file + " was accepted");
    assertTrue(refusal.getMessage().contains(file.toString()) && refusal.getMessage().contains(reason),
        refusal.getMessage());
    return refusal.getMessage();
  }

  private static Path copyOf(Path checkpoint, Path copy) throws IOException {
    Files.createDirectories(copy);
    try (Stream<Path> files = Files.list(checkpoint)) {
      for (Path file : files.toList()) {
        Files.copy(file, copy.resolve(file.getFileName()));
      }
    }
    return copy;
  }
}
