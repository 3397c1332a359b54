package org.partita.partitioner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.partita.models.blas.Blas;
import org.partita.models.blas.Parallel;

/**
 * Where planners get this machine's {@link MachineProfile}: a given file, else the one cached in
 * ~/.cache/partita/machine-profile.pb, else measured now (a few seconds) and cached for next time.
 *
 * <p>A profile holds two measurements: with all cores' threads, and with one thread; a process
 * with one takes the other in a child JVM (OpenBLAS sizes its pool once per process). Nodes
 * sharing a host get a core each or less, and dividing the all-thread rates by the thread count
 * prices them wrongly.
 * On this project's 2-core machine, 2-thread OpenBLAS ran 64×512 GEMMs at 146 GFLOP/s and one
 * thread at 101, not 73; one thread also wakes no pool, so its fixed cost per call is a third.
 */
public final class MachineProfiles {
  public static final Path CACHE = Path.of(System.getProperty("user.home"), ".cache", "partita",
      "machine-profile.pb");
  /** The probe takes under half a minute on a 2-core machine; a child stuck past this is stopped. */
  private static final long ONE_THREAD_WAIT_SECONDS = 300;
  /** Properties that choose and locate the BLAS library, passed on to the child. */
  private static final List<String> BLAS_PROPERTIES = List.of(Blas.BACKEND_PROPERTY,
      "dev.ludovic.netlib.blas.nativeLibPath", "dev.ludovic.netlib.blas.nativeLib", "java.library.path");

  private MachineProfiles() {}

  /** {@code log} hears where the profile came from. */
  public static MachineProfile cachedOrMeasured(Path file, boolean remeasure, Consumer<String> log)
      throws IOException {
    if (file != null) {
      return MachineProfile.load(file);
    }
    if (Files.isRegularFile(CACHE) && !remeasure) {
      MachineProfile cached = MachineProfile.load(CACHE);
      // Saved before profiles had a pooling constant and a one-thread part: measure again. One
      // saved since without the one-thread part (its child JVM failed) is kept, so a machine
      // where the child cannot start does not measure on every call.
      if (!(cached.lacksOneThreadPart() && cached.nsPerPooled() == 0)) {
        log.accept("machine profile from " + CACHE + ": " + cached.describe());
        return cached;
      }
      log.accept("the machine profile in " + CACHE + " has no one-thread measurement (saved by an earlier "
          + "version); measuring again");
    }
    log.accept("measuring this machine (GEMM grid, data movement, optimizer; a few seconds) …");
    MachineProfile measured = MachineProbe.measure(Blas.get());
    int cores = Runtime.getRuntime().availableProcessors();
    if (cores > 1) {
      // The other measurement runs in a child JVM: OpenBLAS sizes its pool once per process.
      int otherThreads = measured.threads() > 1 ? 1 : cores;
      log.accept("measuring it again on " + otherThreads + " thread(s), in a child JVM (under half a minute) …");
      try {
        MachineProfile other = measureInChild(Blas.get(), otherThreads);
        measured = measured.threads() > 1 ? measured.withOneThread(other) : other.withOneThread(measured);
      } catch (IOException | RuntimeException e) {
        log.accept("the " + otherThreads + "-thread measurement failed, so other thread counts are priced by "
            + "scaling this process's " + measured.threads() + "-thread rates: " + e.getMessage());
      }
    }
    measured.save(CACHE);
    log.accept(measured.describe() + " — saved to " + CACHE);
    return measured;
  }

  /**
   * Runs {@link MachineProbe#main} in a child JVM with {@code threads} OpenBLAS and loop threads,
   * on the same class path and BLAS backend, and reads the profile it saves.
   */
  static MachineProfile measureInChild(Blas blas, int threads) throws IOException {
    Path directory = Files.createTempDirectory("partita-probe");
    Path output = directory.resolve("profile.pb");
    Path log = directory.resolve("probe.log");
    try {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xmx1g");
      command.add("-D" + Parallel.THREADS_PROPERTY + "=" + threads);
      for (String property : BLAS_PROPERTIES) {
        String value = property.equals(Blas.BACKEND_PROPERTY) ? blas.backend().configName()
            : System.getProperty(property);
        if (value != null) {
          command.add("-D" + property + "=" + value);
        }
      }
      command.add("-cp");
      command.add(System.getProperty("java.class.path"));
      command.add(MachineProbe.class.getName());
      command.add(output.toString());
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(threads));
      builder.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
      Process child = builder.start();
      boolean finished;
      try {
        finished = child.waitFor(ONE_THREAD_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        child.destroyForcibly();
        throw new IOException("interrupted while the " + threads + "-thread probe ran; stopped it", e);
      }
      if (!finished) {
        child.destroyForcibly();
        throw new IOException("the " + threads + "-thread probe did not finish in " + ONE_THREAD_WAIT_SECONDS + " s; stopped it"
            + tail(log));
      }
      if (child.exitValue() != 0 || !Files.isRegularFile(output)) {
        throw new IOException("the " + threads + "-thread probe (" + String.join(" ", command) + ") exited with "
            + child.exitValue() + tail(log));
      }
      return MachineProfile.load(output);
    } finally {
      Files.deleteIfExists(output);
      Files.deleteIfExists(log);
      Files.deleteIfExists(directory);
    }
  }

  private static String tail(Path log) throws IOException {
    if (!Files.isRegularFile(log)) {
      return "";
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    return "; its last output:\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
  }
}
