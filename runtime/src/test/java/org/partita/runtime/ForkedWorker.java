package org.partita.runtime;

import akka.actor.typed.ActorSystem;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.partita.models.network.ModelSpec;
import org.partita.runtime.node.WorkerMain;

/**
 * A worker node in its own JVM: this JVM's java, classpath, JVM flags, Partita system properties
 * and environment (OPENBLAS_*). Its merged stdout and stderr are drained on a thread the whole
 * time, so a chatty log never blocks it, and kept for printing on failure.
 */
final class ForkedWorker {
  private final String name;
  private final Process process;
  private final Path argumentFile;
  private final List<String> output = Collections.synchronizedList(new ArrayList<>());
  private final CompletableFuture<String> up = new CompletableFuture<>();
  private final Thread drain;
  private final Thread killOnExit;

  private ForkedWorker(String name, Process process, Path argumentFile) {
    this.name = name;
    this.process = process;
    this.argumentFile = argumentFile;
    this.drain = new Thread(this::drain, "drain-" + name);
    this.drain.setDaemon(true);
    this.drain.start();
    // If this JVM is stopped without @AfterAll (surefire's fork timeout), do not leave the worker behind.
    this.killOnExit = new Thread(process::destroyForcibly, "kill-" + name);
    Runtime.getRuntime().addShutdownHook(killOnExit);
  }

  /** {@code extra}: more WorkerMain arguments, e.g. "--tls", DIR. */
  static ForkedWorker start(String name, String seed, String... extra) throws IOException {
    // The classpath goes in an argument file: a long one would exceed the kernel's limit on one argument.
    Path argumentFile = Files.createTempFile("partita-" + name + "-", ".args");
    Files.writeString(argumentFile, "-cp\n" + quoted(testClassPath()) + "\n", StandardCharsets.UTF_8);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmFlags());
    command.add("@" + argumentFile);
    command.addAll(List.of(WorkerMain.class.getName(), "--name", name, "--seed", seed));
    command.addAll(List.of(extra));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    return new ForkedWorker(name, process, argumentFile);
  }

  long pid() {
    return process.pid();
  }

  /** Waits for the line "worker NAME up at ADDRESS" and returns the address. */
  String awaitUp(Duration timeout) throws InterruptedException {
    try {
      return up.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("waited " + timeout.toSeconds() + " s for the line 'worker " + name
          + " up at' from the forked worker (pid " + process.pid() + ", alive: " + process.isAlive() + ")");
    } catch (ExecutionException e) {
      throw new AssertionError(e.getCause().getMessage(), e.getCause());
    }
  }

  /** SIGTERM (the node leaves the cluster in its shutdown hook), then SIGKILL if it has not exited in time. */
  void stop(Duration timeout) throws InterruptedException, IOException {
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
    process.destroy();
    if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      System.out.println("worker " + name + " exited with code " + process.exitValue() + " after SIGTERM");
    } else {
      process.destroyForcibly();
      boolean killed = process.waitFor(10, TimeUnit.SECONDS);
      printOutput("worker " + name + " did not exit within " + timeout.toSeconds() + " s of SIGTERM; killed: "
          + killed);
    }
    drain.join(TimeUnit.SECONDS.toMillis(5));
    Files.deleteIfExists(argumentFile);
  }

  /**
   * SIGSTOP: the worker's JVM stops dead without leaving the cluster or closing a connection,
   * as a hung or swapped-out machine does; {@link #thaw} (SIGCONT) lets it go on.
   */
  void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  void thaw() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    // bash's built-in kill: no procps package needed on a bare machine.
    Process kill = new ProcessBuilder("bash", "-c", "kill -" + name + " " + process.pid()).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  void printOutput(String why) {
    List<String> lines;
    synchronized (output) {
      lines = List.copyOf(output);
    }
    System.out.println("---- output of forked worker " + name + " (" + why + "), " + lines.size() + " lines ----");
    lines.forEach(System.out::println);
    System.out.println("---- end of output of " + name + " ----");
  }

  private void drain() {
    String marker = "worker " + name + " up at ";
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        output.add(line);
        if (line.startsWith(marker)) {
          up.complete(line.substring(marker.length()).trim());
        }
      }
    } catch (IOException e) {
      output.add("(reading the output failed: " + e + ")");
    }
    up.completeExceptionally(new IllegalStateException("the forked worker " + name
        + " closed its output before printing 'worker " + name + " up at' (exit code "
        + (process.isAlive() ? "none yet" : process.exitValue()) + ")"));
  }

  /**
   * The test classpath. Surefire may run tests from a manifest-only jar; it then still sets
   * java.class.path to the real classpath and also gives it as surefire.test.class.path. Either
   * is used only if it holds the runtime, the models and Akka.
   */
  private static String testClassPath() {
    List<String> tried = new ArrayList<>();
    for (String property : List.of("java.class.path", "surefire.test.class.path")) {
      String value = System.getProperty(property);
      tried.add(property + "=" + value);
      if (value != null && holdsCodeOf(value, WorkerMain.class, ModelSpec.class, ActorSystem.class)) {
        System.out.println("forked worker classpath: " + property + " ("
            + value.split(File.pathSeparator).length + " entries)");
        return value;
      }
    }
    throw new IllegalStateException("no system property holds a classpath with the runtime, the models and Akka: "
        + tried);
  }

  private static boolean holdsCodeOf(String classPath, Class<?>... classes) {
    Set<Path> entries = new HashSet<>();
    for (String entry : classPath.split(File.pathSeparator)) {
      if (!entry.isBlank()) {
        entries.add(Path.of(entry).toAbsolutePath().normalize());
      }
    }
    for (Class<?> type : classes) {
      try {
        Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!entries.contains(location.toAbsolutePath().normalize())) {
          return false;
        }
      } catch (Exception e) {
        return false;
      }
    }
    return true;
  }

  /**
   * This JVM's flags as surefire's argLine gave them (heap, --add-opens, …) without debugger
   * agents, plus the Partita and netlib system properties surefire sets after start-up
   * (partita.blas and the like), so the worker picks the same BLAS backend.
   */
  private static List<String> jvmFlags() {
    List<String> flags = new ArrayList<>();
    for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!flag.startsWith("-agentlib:jdwp") && !flag.startsWith("-Xrunjdwp") && !flag.startsWith("-Djava.class.path")) {
        flags.add(flag);
      }
    }
    for (String property : System.getProperties().stringPropertyNames()) {
      if (property.startsWith("partita.") || property.startsWith("dev.ludovic.netlib.")) {
        flags.add("-D" + property + "=" + System.getProperty(property));
      }
    }
    return flags;
  }

  /** A value in a java @argument file: in double quotes, with backslashes and quotes escaped. */
  private static String quoted(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
