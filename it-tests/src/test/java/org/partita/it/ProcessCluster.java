package org.partita.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.TlsCertificates;
import org.partita.runtime.TlsSettings;
import org.partita.runtime.driver.DriverNode;

/**
 * Worker JVMs ({@code partita node}) and other {@code partita} processes on loopback, all talking
 * mutual TLS with certificates of one CA for "driver" and {@link #NODES}. The certificates are made
 * once per build in it-tests/target/certs and shared by the test classes: keytool runs about twenty
 * times for them, a minute on a busy 2-core machine. Closing the cluster stops every process it
 * started that is still running, last started first.
 */
final class ProcessCluster implements AutoCloseable {
  static final Duration NODE_START = Duration.ofSeconds(90);
  static final Duration NODE_STOP = Duration.ofSeconds(20);
  /** The worker names there are certificates for. */
  static final List<String> NODES = List.of("node-1", "node-2", "node-3", "node-4", "node-5", "node-6");
  private static final Path CERTIFICATES = PartitaJvm.ROOT.resolve("it-tests/target/certs");

  private final Path certificates;
  private final List<PartitaJvm> processes = new ArrayList<>();
  private final List<DriverNode> drivers = new ArrayList<>();

  private ProcessCluster(Path certificates) {
    this.certificates = certificates;
  }

  /** A cluster whose members use the shared certificates, made now if this build has none yet. */
  static ProcessCluster start() throws IOException {
    if (!Files.isRegularFile(CERTIFICATES.resolve(TlsSettings.PASSWORD_FILE))) {
      Path fresh = Files.createTempDirectory(CERTIFICATES.getParent(), "certs-");
      List<String> names = new ArrayList<>(List.of("driver"));
      names.addAll(NODES);
      TlsCertificates.generate(fresh, names);
      Files.move(fresh, CERTIFICATES, StandardCopyOption.ATOMIC_MOVE);
    }
    return new ProcessCluster(CERTIFICATES);
  }

  Path certificates() {
    return certificates;
  }

  /** Driver settings over mutual TLS with driver.p12; other limits as given. */
  RuntimeSettings driverSettings(RuntimeSettings settings) {
    return settings.withTls(TlsSettings.fromDirectory(certificates, "driver"));
  }

  /** A driver in this JVM, closed with the cluster after the processes; with no seeds it founds the cluster. */
  DriverNode startDriver(List<String> seeds, RuntimeSettings settings) {
    DriverNode driver = DriverNode.start("127.0.0.1", 0, seeds, driverSettings(settings));
    drivers.add(driver);
    return driver;
  }

  /**
   * Starts worker nodes {@code names} joining through {@code seed} (port 0: any free one) and waits
   * until each has printed that it is up.
   */
  List<PartitaJvm> startWorkers(List<String> names, String seed, List<String> jvmFlags) throws Exception {
    List<PartitaJvm> started = new ArrayList<>();
    for (String name : names) {
      started.add(launchWorker(name, seed, jvmFlags));
    }
    for (PartitaJvm worker : started) {
      awaitUp(worker);
    }
    return started;
  }

  /** Starts worker node {@code name} joining through {@code seed}, without waiting for it: see {@link #awaitUp}. */
  PartitaJvm launchWorker(String name, String seed, List<String> jvmFlags) throws IOException {
    return start(name, jvmFlags, List.of("node", "--name", name, "--seed", seed, "--tls", certificates.toString()));
  }

  /** The first node of a cluster of processes: it listens on {@code port} and joins itself. */
  PartitaJvm startSeedWorker(String name, int port) throws Exception {
    String seed = "akka://partita@127.0.0.1:" + port;
    PartitaJvm worker = start(name, List.of(), List.of("node", "--name", name, "--port", String.valueOf(port),
        "--seed", seed, "--tls", certificates.toString()));
    awaitUp(worker);
    return worker;
  }

  /** Any other {@code partita} command, e.g. a driver's {@code train}. */
  PartitaJvm start(String name, List<String> jvmFlags, List<String> arguments) throws IOException {
    PartitaJvm process = PartitaJvm.start(name, jvmFlags, arguments);
    processes.add(process);
    return process;
  }

  static void awaitUp(PartitaJvm worker) throws InterruptedException {
    worker.awaitLine(line -> line.startsWith("worker " + worker.name() + " up at "), "the line 'worker "
        + worker.name() + " up at'", NODE_START);
  }

  @Override
  public void close() {
    // SIGTERM to all first, so the nodes leave the cluster together instead of one after another.
    processes.forEach(PartitaJvm::requestStop);
    long start = System.nanoTime();
    RuntimeException first = null;
    for (int i = processes.size() - 1; i >= 0; i--) {
      try {
        processes.get(i).close();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    for (DriverNode driver : drivers) {
      try {
        driver.close();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    System.out.printf("cluster of %d processes and %d driver(s) in this JVM stopped in %.1f s%n", processes.size(),
        drivers.size(), (System.nanoTime() - start) / 1e9);
    if (first != null) {
      throw first;
    }
  }
}
