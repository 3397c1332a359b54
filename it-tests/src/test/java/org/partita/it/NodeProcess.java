package org.partita.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A worker node as an operator starts one: {@code partita node} in its own JVM, run from the built
 * deploy jar on the classpath Maven wrote next to it (deploy/target/classpath.txt), as
 * deploy/bin/local-cluster does. Its output goes to NAME.log, which tests read for what the node
 * itself reports. {@link #close} sends SIGTERM (the node leaves the cluster), then SIGKILL.
 */
final class NodeProcess implements AutoCloseable {
  private static final Duration STOP_WAIT = Duration.ofSeconds(20);

  private final String name;
  private final Process process;
  private final Path log;
  private final Thread killOnExit;

  private NodeProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    // If surefire kills this JVM before @AfterAll runs, the node must not outlive it.
    this.killOnExit = new Thread(process::destroyForcibly, "kill-" + name);
    Runtime.getRuntime().addShutdownHook(killOnExit);
  }

  /** {@code partita node --name NAME --seed SEED} plus {@code options} (e.g. "--tls", DIR), logging into {@code logs}. */
  static NodeProcess start(Path logs, String name, String seed, String... options) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx384m", "-Dpartita.compute.threads=1", "-cp", PartitaProcess.deployClasspathArgument(),
        "org.partita.deploy.Partita", "node", "--name", name, "--seed", seed));
    command.addAll(List.of(options));
    Path log = logs.resolve(name + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("OPENBLAS_NUM_THREADS", "1");
    return new NodeProcess(name, builder.start(), log);
  }

  String name() {
    return name;
  }

  /** Waits for "worker NAME up at ADDRESS" in the node's log and returns the address. */
  String awaitUp(Duration timeout) throws IOException, InterruptedException {
    String marker = "worker " + name + " up at ";
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        if (line.startsWith(marker)) {
          return line.substring(marker.length()).split(" ")[0];
        }
      }
      if (!process.isAlive()) {
        throw new AssertionError("node " + name + " exited with code " + process.exitValue() + " before it was up; "
            + log + ":\n" + log());
      }
      Thread.sleep(100);
    }
    throw new AssertionError("node " + name + " not up within " + timeout.toSeconds() + " s; " + log + ":\n" + log());
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Everything the node printed so far. */
  String log() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  /** Lines of the node's log that contain every one of {@code parts}. */
  long countLogLines(String... parts) throws IOException {
    return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
        .filter(line -> java.util.Arrays.stream(parts).allMatch(line::contains)).count();
  }

  /** SIGTERM, then SIGKILL if the node has not exited within 20 s; says which it took. */
  @Override
  public void close() throws InterruptedException {
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
    process.destroy();
    if (!process.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      boolean killed = process.waitFor(10, TimeUnit.SECONDS);
      System.out.println("node " + name + " ignored SIGTERM for " + STOP_WAIT.toSeconds() + " s; killed: " + killed);
    }
  }
}
