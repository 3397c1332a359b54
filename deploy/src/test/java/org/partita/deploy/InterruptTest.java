package org.partita.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.CommandRunner.Outcome;

/**
 * Ctrl-C on {@code partita train} in its own JVM: it stops after the step in progress, saves a
 * checkpoint, exits with 130, and the run resumes from that checkpoint.
 */
class InterruptTest {
  @TempDir
  Path directory;

  @Test
  void ctrlCStopsAtAStepBoundaryWithACheckpointToResumeFrom() throws Exception {
    assumeFalse(sigintIgnored(), "SIGINT is ignored in this process, so in the JVM it starts too (a suite started"
        + " with '&' from a non-interactive shell): the JVM then installs no handler and Ctrl-C cannot be tested");
    Path run = directory.resolve("run");
    Path arguments = directory.resolve("classpath.args");
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Files.writeString(arguments, "-cp\n\"" + classpath.replace("\\", "\\\\") + "\"\n");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-Djava.awt.headless=true", "@" + arguments, Partita.class.getName(), "train", "--model", "mlp",
        "--epochs", "20", "--train-samples", "20000", "--schedule", "constant", "--progress-interval", "0.05",
        "--out", run.toString()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    StringBuilder output = new StringBuilder();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      boolean sent = false;
      while ((line = reader.readLine()) != null) {
        output.append(line).append('\n');
        if (!sent && line.startsWith("epoch 1/20  step")) {
          new ProcessBuilder("kill", "-INT", String.valueOf(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
          sent = true;
        }
      }
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "still running after Ctrl-C:\n" + output);
    } finally {
      process.destroyForcibly();
    }
    assertEquals(ExitCode.STOPPED, process.exitValue(), output.toString());
    assertTrue(output.toString().contains("stopped: stopped as asked after optimizer step"), output.toString());
    assertTrue(output.toString().contains("--resume " + run.resolve("checkpoints")), output.toString());

    // the rest of the first epoch (a constant learning rate does not depend on the epoch count)
    Outcome resumed = CommandRunner.run("train", "--model", "mlp", "--epochs", "1", "--train-samples", "20000",
        "--schedule", "constant", "--resume", run.resolve("checkpoints").toString(), "--out",
        directory.resolve("resumed").toString());
    assertEquals(ExitCode.OK, resumed.exitCode(), resumed.err() + resumed.out());
    assertTrue(resumed.out().contains("resume: "), resumed.out());
  }

  /**
   * Whether this process ignores SIGINT (bit 2 of SigIgn in /proc/self/status, Linux). A shell
   * without job control starts background commands that way, they pass it on to their children,
   * and a JVM leaves an ignored SIGINT ignored.
   */
  private static boolean sigintIgnored() throws java.io.IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.isReadable(status)) {
      return false;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16) & (1L << 1)) != 0;
      }
    }
    return false;
  }
}
