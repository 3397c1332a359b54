package org.partita.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One {@code partita} command ({@code node}, {@code train}, …) running as its own JVM from the
 * built jar, as deploy/bin/local-cluster starts it: {@code java -cp partita-deploy.jar:…
 * org.partita.deploy.Partita ARGS}. Its merged stdout and stderr are read on a thread the whole
 * time and kept, so tests can wait for a line (a node being up, a fault point reached) and print
 * everything when they fail. A shutdown hook kills it if the test JVM is stopped without cleaning up.
 */
final class PartitaJvm implements AutoCloseable {
  static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

  private final String name;
  private final Process process;
  private final List<String> output = Collections.synchronizedList(new ArrayList<>());
  private final Thread drain;
  private final Thread killOnExit;
  /** Set once the output has ended (the process closed it or exited). */
  private volatile boolean ended;

  private PartitaJvm(String name, Process process) {
    this.name = name;
    this.process = process;
    this.drain = new Thread(this::drain, "drain-" + name);
    this.drain.setDaemon(true);
    this.drain.start();
    this.killOnExit = new Thread(process::destroyForcibly, "kill-" + name);
    Runtime.getRuntime().addShutdownHook(killOnExit);
  }

  /** Starts {@code partita ARGUMENTS} with the JVM flags {@code jvmFlags} (system properties, heap). */
  static PartitaJvm start(String name, List<String> jvmFlags, List<String> arguments) throws IOException {
    String classPath = PartitaProcess.deployClasspathArgument();
    // The classpath goes in an argument file: a long one would exceed the kernel's limit on one argument.
    Path argumentFile = Files.createTempFile("partita-" + name + "-", ".args");
    Files.writeString(argumentFile, "-cp\n\"" + classPath.replace("\\", "\\\\") + "\"\n", StandardCharsets.UTF_8);
    argumentFile.toFile().deleteOnExit();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-Dpartita.compute.threads=1");
    command.addAll(jvmFlags);
    command.add("@" + argumentFile);
    command.add("org.partita.deploy.Partita");
    command.addAll(arguments);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    // As deploy/bin/local-cluster: one BLAS thread per node, idle OpenBLAS threads do not spin.
    builder.environment().put("OPENBLAS_NUM_THREADS", "1");
    builder.environment().put("OPENBLAS_THREAD_TIMEOUT", "10");
    return new PartitaJvm(name, builder.start());
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the first line (seen so far or to come) that {@code wanted} accepts and returns it. */
  String awaitLine(Predicate<String> wanted, String what, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int checked = 0;
    synchronized (output) {
      while (true) {
        for (; checked < output.size(); checked++) {
          if (wanted.test(output.get(checked))) {
            return output.get(checked);
          }
        }
        long left = deadline - System.nanoTime();
        if (ended && checked == output.size()) {
          throw new AssertionError(name + " (pid " + process.pid() + ") ended its output without " + what
              + describeOutput());
        }
        if (left <= 0) {
          throw new AssertionError("waited " + timeout.toSeconds() + " s for " + what + " from " + name + " (pid "
              + process.pid() + ", alive: " + process.isAlive() + ")" + describeOutput());
        }
        output.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
    }
  }

  /** Waits for the process to exit by itself and returns its exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " (pid " + process.pid() + ") did not exit within " + timeout.toSeconds() + " s"
          + describeOutput());
    }
    drain.join(TimeUnit.SECONDS.toMillis(5));
    return process.exitValue();
  }

  /** SIGKILL: the JVM dies at once, closing no connection gracefully and running no shutdown hook. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("kill -9 of " + name + " (pid " + process.pid() + ") did not end it within 30 s");
    }
  }

  /** SIGTERM without waiting: a node starts leaving the cluster. */
  void requestStop() {
    process.destroy();
  }

  /** SIGTERM (a node leaves the cluster), SIGKILL if it is still there after {@code timeout}. */
  void stop(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
      System.out.println(name + " did not exit within " + timeout.toSeconds() + " s of SIGTERM and was killed"
          + describeOutput());
    }
  }

  String output() {
    synchronized (output) {
      return String.join(System.lineSeparator(), output);
    }
  }

  String describeOutput() {
    return System.lineSeparator() + "---- output of " + name + " ----" + System.lineSeparator() + output()
        + System.lineSeparator() + "---- end of output of " + name + " ----";
  }

  /** {@link #stop} if it still runs; interrupted, it kills the process at once. */
  @Override
  public void close() {
    try {
      if (process.isAlive()) {
        stop(Duration.ofSeconds(20));
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(killOnExit);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
    }
  }

  private void drain() {
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        synchronized (output) {
          output.add(line);
          output.notifyAll();
        }
      }
    } catch (IOException e) {
      output.add("(reading the output failed: " + e + ")");
    } finally {
      synchronized (output) {
        ended = true;
        output.notifyAll();
      }
    }
  }
}
