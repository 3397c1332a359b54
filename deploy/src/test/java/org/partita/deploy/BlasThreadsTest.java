package org.partita.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --blas-threads from a flag, the environment or the file: applied by restarting the JVM once. */
class BlasThreadsTest {
  @TempDir
  Path directory;

  /** More threads than this JVM's OpenBLAS was started with, whatever the machine. */
  private static final int OTHER_THAN_THIS_JVM = Runtime.getRuntime().availableProcessors() + 1;

  @Test
  void inProcessAMismatchIsRefusedWithTheWayToFixIt() throws Exception {
    Path file = directory.resolve("partita.conf");
    Files.writeString(file, "partita.evaluate.blas-threads = " + OTHER_THAN_THIS_JVM + "\n");
    CommandRunner.Outcome outcome = CommandRunner.run(Map.of(), "--config", file.toString(), "evaluate",
        "--checkpoint", directory.resolve("none").toString());
    assertEquals(ExitCode.BAD_INPUT, outcome.exitCode(), outcome.err());
    assertTrue(outcome.err().contains("--blas-threads " + OTHER_THAN_THIS_JVM + " asked for")
        && outcome.err().contains("OPENBLAS_NUM_THREADS=" + OTHER_THAN_THIS_JVM), outcome.err());
  }

  @Test
  void outOfRangeIsRefused() {
    CommandRunner.Outcome outcome = CommandRunner.run("evaluate", "--blas-threads", "0", "--checkpoint", "x");
    assertEquals(ExitCode.BAD_INPUT, outcome.exitCode(), outcome.err());
    assertTrue(outcome.err().contains("--blas-threads 0 must be between 1 and 1024"), outcome.err());
  }

  @Test
  void theCommandRestartsOnceWithTheThreadsAndPassesOnTheExitCode() throws Exception {
    Path missing = directory.resolve("no-checkpoint");
    ProcessBuilder builder = new ProcessBuilder(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
        Partita.class.getName(), "evaluate", "--checkpoint", missing.toString()))
        .redirectErrorStream(true);
    builder.environment().remove("OPENBLAS_NUM_THREADS");
    builder.environment().put("PARTITA_EVALUATE_BLAS_THREADS", String.valueOf(OTHER_THAN_THIS_JVM));
    Path log = directory.resolve("out.log");
    Process process = builder.redirectOutput(log.toFile()).start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("partita evaluate did not finish in 60 s:\n" + Files.readString(log));
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    // The child had the threads (no second restart) and failed on the missing checkpoint: exit 2 passed on.
    assertEquals(ExitCode.BAD_INPUT, process.exitValue(), out);
    assertEquals(1, out.split("restarting with", -1).length - 1, out);
    assertTrue(out.contains(missing.toString()), out);
  }
}
