package org.partita.deploy;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.partita.models.blas.Parallel;
import picocli.CommandLine.Option;

/**
 * {@code --blas-threads N} (also {@code partita.CMD.blas-threads} in the configuration file and
 * {@code PARTITA_CMD_BLAS_THREADS}): the threads OpenBLAS and the loops around the GEMMs use in
 * this process. OpenBLAS sizes its thread pool once, from {@code OPENBLAS_NUM_THREADS}, when the
 * library loads, and a JVM cannot change its own environment; so when the value asked for is not
 * the one this JVM started with, the command is run again in a child JVM that has it (same JVM
 * options, class path and arguments), and this process passes on its exit code. deploy/bin/partita
 * reads the flag itself, so only values from the configuration file or the environment cost the
 * second start.
 */
public final class BlasThreads {
  /** Set in the child, so a mismatch there is an error rather than another restart. */
  private static final String RESTARTED = "PARTITA_BLAS_RESTARTED";
  private static final long CHILD_STOP_WAIT_SECONDS = 600;

  @Option(names = "--blas-threads",
      description = "Threads for OpenBLAS and the loops around the GEMMs in this process (default: all cores; "
          + "deploy/bin/partita gives cores / N with --nodes N).")
  Integer threads;

  /**
   * Null when this JVM already has the threads asked for (or none were asked for); otherwise runs
   * the command again in a JVM that has them and returns its exit code. In-process callers
   * ({@link Partita#run}) cannot restart and get an error instead.
   */
  public Integer restartIfNeeded(String command) {
    if (threads == null) {
      return null;
    }
    if (threads < 1 || threads > 1024) {
      throw new IllegalArgumentException("--blas-threads " + threads + " must be between 1 and 1024");
    }
    int openBlas = openBlasThreads();
    if (openBlas == threads && Parallel.threads() == threads) {
      return null;
    }
    String mismatch = "--blas-threads " + threads + " asked for, but this JVM started with " + openBlas
        + " OpenBLAS thread(s) (OPENBLAS_NUM_THREADS" + (System.getenv("OPENBLAS_NUM_THREADS") == null
        ? " unset: all cores" : "") + ") and " + Parallel.threads() + " compute thread(s) (-D"
        + Parallel.THREADS_PROPERTY + ")";
    if (!Partita.isMainProcess() || System.getenv(RESTARTED) != null) {
      throw new IllegalArgumentException(mismatch + "; start this JVM with OPENBLAS_NUM_THREADS=" + threads
          + " and -D" + Parallel.THREADS_PROPERTY + "=" + threads);
    }
    System.err.println("partita " + command + ": " + mismatch + " — restarting with " + threads);
    try {
      return runChild(threads);
    } catch (IOException e) {
      throw new IllegalStateException("could not restart the JVM with " + threads + " BLAS threads: " + e.getMessage(), e);
    }
  }

  private static int openBlasThreads() {
    String value = System.getenv("OPENBLAS_NUM_THREADS");
    if (value == null || value.isBlank()) {
      return Runtime.getRuntime().availableProcessors();
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("OPENBLAS_NUM_THREADS='" + value + "' is not a number", e);
    }
  }

  private static int runChild(int threads) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-D" + Parallel.THREADS_PROPERTY + "=" + threads); // later -D wins over the launcher's
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Partita.class.getName());
    command.addAll(Partita.mainArguments());
    ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
    builder.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(threads));
    builder.environment().put(RESTARTED, "1");
    Process child = builder.start();
    // Ctrl-C reaches the child too (same process group) and it stops at a step boundary, writing a
    // checkpoint; a SIGTERM sent to this process alone is passed on. Either way this JVM waits for
    // the child and leaves with its exit code, so the shell never returns while the child still writes.
    Thread passOn = new Thread(() -> {
      if (child.isAlive()) {
        child.destroy();
        try {
          child.waitFor(CHILD_STOP_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        Runtime.getRuntime().halt(child.isAlive() ? ExitCode.INTERNAL_ERROR : child.exitValue());
      }
    }, "blas-threads-child-stop");
    Runtime.getRuntime().addShutdownHook(passOn);
    int exit;
    try {
      exit = child.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      child.destroy();
      throw new IllegalStateException("interrupted while the restarted JVM ran; stopped it", e);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(passOn);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running (a signal came as the child ended) and leaves with the child's code.
    }
    return exit;
  }
}
