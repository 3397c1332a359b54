package org.partita.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster of separate JVMs on 127.0.0.1 — a master and workers of one core
 * each — run from the jars Maven gives the deploy module, without a Spark distribution.
 *
 * <p>Why a SPARK_HOME at all: a worker starts each executor through Spark's
 * {@code WorkerCommandBuilder}, which takes the executor's classpath from SPARK_HOME/jars (and
 * SPARK_HOME/conf) and fails without it, and asks for the Scala version (SPARK_SCALA_VERSION, else
 * it looks for Spark's own build directories). So SPARK_HOME is assembled under
 * it-tests/target/spark-home: jars/ links to the deploy jar and every jar of its runtime classpath
 * (Spark's and Partita's, so executors load the bridge), conf/ holds a Log4j configuration at INFO —
 * the deploy jar's keeps Spark at WARN, and the daemons' INFO lines are what the start waits for.
 * The master and workers get the JVM flags Spark 4 needs on Java 17 (this JVM's, from the pom);
 * executors get them from Spark itself (SparkContext adds them to the executors' options).
 *
 * <p>Every wait is bounded; {@link #close} stops every JVM this started, executors included, also
 * after a failure half-way through {@link #start}.
 */
final class SparkStandaloneCluster implements AutoCloseable {
  private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final Pattern MASTER_URL = Pattern.compile("Starting Spark master at (spark://\\S+)");
  private static final Pattern REGISTERED = Pattern.compile("Successfully registered with master");
  private static final String LOG4J = """
      # Written by SparkStandaloneCluster for the master, workers and executors of an it-test.
      rootLogger.level = info
      rootLogger.appenderRef.console.ref = console
      appender.console.type = Console
      appender.console.name = console
      appender.console.target = SYSTEM_ERR
      appender.console.layout.type = PatternLayout
      appender.console.layout.pattern = %d{HH:mm:ss.SSS} %-5level %c{1} - %msg%n
      logger.akka.name = akka
      logger.akka.level = warn
      """;

  private final Path sparkHome;
  private final Path directory;
  /** The master, then the workers, in start order. */
  private final List<Process> daemons = new ArrayList<>();
  private final List<Path> daemonLogs = new ArrayList<>();
  private String masterUrl;

  private SparkStandaloneCluster(Path sparkHome, Path directory) {
    this.sparkHome = sparkHome;
    this.directory = directory;
  }

  /**
   * A master and {@code workers} registered workers of 1 core and {@code workerMemory} each; logs
   * and the workers' directories (executor logs) in {@code directory}.
   */
  static SparkStandaloneCluster start(Path directory, int workers, String workerMemory)
      throws IOException, InterruptedException {
    SparkStandaloneCluster cluster = new SparkStandaloneCluster(assembleSparkHome(), directory);
    try {
      Process master = cluster.launch("master", List.of("org.apache.spark.deploy.master.Master", "--host",
          "127.0.0.1", "--port", "0", "--webui-port", "0"));
      cluster.masterUrl = cluster.await("master", master, MASTER_URL).group(1);
      List<Process> started = new ArrayList<>();
      for (int i = 1; i <= workers; i++) {
        Path workDir = Files.createDirectories(directory.resolve("worker-" + i + "-work"));
        started.add(cluster.launch("worker-" + i, List.of("org.apache.spark.deploy.worker.Worker", "--host",
            "127.0.0.1", "--cores", "1", "--memory", workerMemory, "--webui-port", "0", "--work-dir",
            workDir.toString(), cluster.masterUrl)));
      }
      for (int i = 0; i < workers; i++) { // all launched first: their JVMs start side by side
        cluster.await("worker-" + (i + 1), started.get(i), REGISTERED);
      }
      return cluster;
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  /** spark://127.0.0.1:PORT, the port the master chose. */
  String masterUrl() {
    return masterUrl;
  }

  /** The processes the workers started (executors), alive now. */
  List<ProcessHandle> executors() {
    return daemons.subList(1, daemons.size()).stream().flatMap(Process::descendants).toList();
  }

  /** The master, the workers and every process they started (the executors), alive now. */
  List<ProcessHandle> processes() {
    List<ProcessHandle> all = new ArrayList<>();
    for (Process daemon : daemons) {
      all.add(daemon.toHandle());
      daemon.descendants().forEach(all::add);
    }
    return all;
  }

  /** Every line the executors printed to standard output (the bridge's progress lines go there). */
  List<String> executorOutput() throws IOException {
    List<String> lines = new ArrayList<>();
    for (Path file : executorLogs("stdout")) {
      lines.addAll(Files.readAllLines(file));
    }
    return lines;
  }

  /** The last lines of every daemon's log and of every executor's stdout and stderr, for failure messages. */
  String diagnostics() {
    StringBuilder text = new StringBuilder();
    List<Path> files = new ArrayList<>(daemonLogs);
    try {
      files.addAll(executorLogs("stdout|stderr"));
    } catch (IOException e) {
      text.append("(listing ").append(directory).append(": ").append(e.getMessage()).append(")\n");
    }
    for (Path file : files) {
      text.append("---- ").append(file).append('\n');
      try {
        List<String> lines = Files.readAllLines(file);
        lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(line -> text.append(line).append('\n'));
      } catch (IOException e) {
        text.append("(unreadable: ").append(e.getMessage()).append(")\n");
      }
    }
    return text.toString();
  }

  /** The executors' files named by {@code names} (a regular expression), in the workers' directories. */
  private List<Path> executorLogs(String names) throws IOException {
    try (Stream<Path> files = Files.walk(directory)) {
      return files.filter(file -> file.getFileName().toString().matches(names)).sorted().toList();
    }
  }

  /**
   * Workers first, by SIGTERM (a worker's shutdown hook kills its executors), then the master;
   * whatever is left after {@link #STOP_TIMEOUT} — daemons or executors — is killed.
   */
  @Override
  public void close() throws InterruptedException {
    List<ProcessHandle> started = processes();
    for (int i = daemons.size() - 1; i >= 0; i--) {
      Process daemon = daemons.get(i);
      daemon.destroy();
      if (!daemon.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        daemon.destroyForcibly();
      }
    }
    for (ProcessHandle process : started) {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.onExit().completeOnTimeout(process, STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
      }
    }
  }

  /** Starts {@code mainAndArgs} as a JVM named {@code name}, its output in name.log. */
  private Process launch(String name, List<String> mainAndArgs) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")); // control plane only: start fast
    command.addAll(List.of(System.getProperty("partita.test.jvmOpens", "").trim().split("\\s+")));
    command.addAll(List.of("-cp", sparkHome.resolve("conf") + "/:" + sparkHome.resolve("jars") + "/*"));
    command.addAll(mainAndArgs);
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
    Map<String, String> environment = builder.environment();
    environment.put("SPARK_HOME", sparkHome.toString());
    environment.put("SPARK_SCALA_VERSION", "2.13");
    environment.put("SPARK_LOCAL_IP", "127.0.0.1");
    environment.remove("SPARK_CONF_DIR");
    Path log = directory.resolve(name + ".log");
    Process process = builder.redirectOutput(log.toFile()).start();
    daemons.add(process);
    daemonLogs.add(log);
    return process;
  }

  /**
   * Polls the log of {@code name} until a line matches {@code ready}; fails when its JVM exits
   * first or after {@link #START_TIMEOUT}.
   */
  private Matcher await(String name, Process process, Pattern ready) throws IOException, InterruptedException {
    Path log = daemonLogs.get(daemons.indexOf(process));
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      Matcher matcher = ready.matcher(Files.readString(log));
      if (matcher.find()) {
        return matcher;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("Spark " + name + " exited with status " + process.exitValue() + " before"
            + " logging '" + ready.pattern() + "':\n" + diagnostics());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Spark " + name + " did not log '" + ready.pattern() + "' within "
            + START_TIMEOUT.toSeconds() + " s:\n" + diagnostics());
      }
      process.waitFor(200, TimeUnit.MILLISECONDS); // its exit ends the wait early
    }
  }

  /** it-tests/target/spark-home made afresh: links in jars/ to the deploy runtime classpath, conf/log4j2.properties. */
  private static Path assembleSparkHome() throws IOException {
    Path home = ROOT.resolve("it-tests/target/spark-home");
    if (Files.exists(home)) {
      try (Stream<Path> old = Files.walk(home)) { // links and directories only: the linked jars stay
        for (Path path : old.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(path);
        }
      }
    }
    Path jars = Files.createDirectories(home.resolve("jars"));
    for (Path jar : PartitaProcess.deployClasspath()) {
      Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar); // two jars of one name fail here, loudly
    }
    Files.writeString(Files.createDirectories(home.resolve("conf")).resolve("log4j2.properties"), LOG4J);
    return home;
  }
}
