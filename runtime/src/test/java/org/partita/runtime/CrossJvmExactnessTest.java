package org.partita.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.train.LocalTrainer;
import org.partita.partitioner.PartitionPlan;
import org.partita.runtime.driver.DriverNode;
import org.partita.runtime.node.WorkerMain;
import org.partita.runtime.node.WorkerNode;

/**
 * The exactness check with shards in a second JVM. The driver and worker local-1 run in this JVM;
 * worker remote-1 is a forked {@code java} process running {@link WorkerMain}, started the way
 * an operator starts a node on another machine. Embedded clusters share one classpath, one
 * loaded configuration and one BLAS library, so they cannot show that two separately started JVMs
 * agree on serializer bindings, manifests and frame sizes; this does. MLP plans with every shard
 * on remote-1 (driver ↔ shard messages cross the process boundary) and plans alternating shards
 * between local-1 and remote-1 (activations and gradients between slices and stages cross it too),
 * M ∈ {1, 4}: after 10 steps every parameter equals the reference trainer's within 1e-4 relative.
 */
class CrossJvmExactnessTest {
  private static final String REMOTE = "remote-1";
  private static final String LOCAL = "local-1";
  private static final Duration REMOTE_START = Duration.ofSeconds(60);
  private static final Duration REMOTE_STOP = Duration.ofSeconds(20);
  private static final RuntimeSettings SETTINGS = RuntimeSettings.defaults();
  private static final ModelSpec MLP = StandardModels.mlp(3);

  private static DriverNode driver;
  private static WorkerNode local;
  private static ForkedWorker remote;
  private static LocalTrainer reference;

  /** The remote worker's output goes with every failure: its log is the only view into the other JVM. */
  @RegisterExtension
  static final TestWatcher PRINT_REMOTE_OUTPUT = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      if (remote != null) {
        remote.printOutput("test " + context.getDisplayName() + " failed");
      }
    }
  };

  @BeforeAll
  static void startNodes() throws Exception {
    driver = DriverNode.start("127.0.0.1", 0, List.of(), SETTINGS);
    try {
      remote = ForkedWorker.start(REMOTE, driver.address());
      String address = remote.awaitUp(REMOTE_START);
      System.out.println("worker " + REMOTE + " (pid " + remote.pid() + ") up at " + address);
      driver.awaitWorkers(1);
      assertEquals(List.of(REMOTE), names(driver.workers()), "the only worker is the forked one");
      local = WorkerNode.start(LOCAL, "127.0.0.1", 0, List.of(driver.address()), SETTINGS);
      driver.awaitWorkers(2);
      assertEquals(List.of(LOCAL, REMOTE), names(driver.workers()));
      driver.workers().forEach(worker -> System.out.println("  " + worker));
    } catch (Throwable e) {
      if (remote != null) {
        remote.printOutput("start-up failed: " + e);
      }
      throw e; // @AfterAll still stops whatever started
    }
    reference = ExactnessCheck.reference(MLP);
  }

  @AfterAll
  static void stopNodes() throws Exception {
    // The forked worker first: it leaves the cluster gracefully only while the others are up.
    try {
      if (remote != null) {
        remote.stop(REMOTE_STOP);
      }
    } finally {
      remote = null;
      try {
        if (local != null) {
          local.close();
        }
      } finally {
        local = null;
        if (driver != null) {
          driver.close();
          driver = null;
        }
      }
    }
  }

  static Stream<Arguments> cases() {
    int layers = MLP.layers().size();
    int cut = layers / 2;
    List<Arguments> cases = new ArrayList<>();
    for (int m : new int[] {1, 4}) {
      cases.add(Arguments.of("remote only", plan(new int[] {0, layers}, new int[] {2}, m, List.of(REMOTE))));
      cases.add(Arguments.of("remote only", plan(new int[] {0, cut, layers}, new int[] {2, 2}, m, List.of(REMOTE))));
    }
    // Alternating placement: s0/p0 local, s0/p1 remote, s1/p0 local, s1/p1 remote, so the all-gather
    // between slices and the hand-over and gradients between stages all cross the process boundary.
    List<String> both = List.of(LOCAL, REMOTE);
    cases.add(Arguments.of("local + remote", plan(new int[] {0, layers}, new int[] {2}, 1, both)));
    cases.add(Arguments.of("local + remote", plan(new int[] {0, cut, layers}, new int[] {1, 1}, 4, both)));
    cases.add(Arguments.of("local + remote", plan(new int[] {0, cut, layers}, new int[] {2, 2}, 1, both)));
    cases.add(Arguments.of("local + remote", plan(new int[] {0, cut, layers}, new int[] {2, 2}, 4, both)));
    // Replica 0 here, replica 1 there (and crosswise for the hybrid): the ring all-reduce of every
    // shard's gradients crosses the process boundary.
    cases.add(Arguments.of("local + remote", ExactnessCheck.plan(MLP, 2, new int[] {0, layers}, new int[] {1}, 2,
        both)));
    cases.add(Arguments.of("local + remote", ExactnessCheck.plan(MLP, 2, new int[] {0, layers}, new int[] {2}, 1,
        List.of(LOCAL, REMOTE, REMOTE, LOCAL))));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("cases")
  void planEqualsReference(String where, PartitionPlan plan) {
    Set<String> expectedNodes = where.equals("remote only") ? Set.of(REMOTE) : Set.of(LOCAL, REMOTE);
    assertEquals(expectedNodes, new HashSet<>(plan.placement().values()), "nodes the plan uses");
    try (DistributedTrainer trainer = driver.trainer(MLP, ExactnessCheck.config(), plan)) {
      ExactnessCheck.Outcome outcome = ExactnessCheck.compare(reference, trainer);
      System.out.println(where + ": " + ExactnessCheck.describe(plan, outcome));
      assertTrue(outcome.maxRelative() < ExactnessCheck.TOLERANCE, ExactnessCheck.describe(plan, outcome));
    }
  }

  private static PartitionPlan plan(int[] cuts, int[] slices, int microBatches, List<String> nodes) {
    return ExactnessCheck.plan(MLP, cuts, slices, microBatches, nodes);
  }

  private static List<String> names(List<WorkerInfo> workers) {
    return workers.stream().map(WorkerInfo::name).toList();
  }

  /**
   * A worker node in its own JVM: this JVM's java, classpath, JVM flags, Partita system properties
   * and environment (OPENBLAS_*). Its merged stdout and stderr are drained on a thread the whole
   * time, so a chatty log never blocks it, and kept for printing on failure.
   */
  private static final class ForkedWorker {
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

    static ForkedWorker start(String name, String seed) throws IOException {
      // The classpath goes in an argument file: a long one would exceed the kernel's limit on one argument.
      Path argumentFile = Files.createTempFile("partita-" + name + "-", ".args");
      Files.writeString(argumentFile, "-cp\n" + quoted(testClassPath()) + "\n", StandardCharsets.UTF_8);
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(jvmFlags());
      command.add("@" + argumentFile);
      command.addAll(List.of(WorkerMain.class.getName(), "--name", name, "--seed", seed));
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
}
