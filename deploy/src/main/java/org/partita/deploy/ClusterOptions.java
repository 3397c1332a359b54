package org.partita.deploy;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.partita.runtime.EmbeddedCluster;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.TlsSettings;
import org.partita.runtime.TrainingCluster;
import org.partita.runtime.WorkerInfo;
import org.partita.runtime.driver.DriverNode;
import picocli.CommandLine.Option;

/**
 * {@code --seeds}, {@code --tls} and {@code --host}: where the workers of a command that runs a plan
 * come from. Without {@code --seeds}, an embedded cluster of N nodes in this process on loopback;
 * with it, a driver node that joins a running cluster (partita node processes, started by hand,
 * by deploy/bin/local-cluster or by bench/bin/netsim) and waits for N of its workers. Shared by
 * {@code partita train} and {@code partita bench}; each keeps its own {@code --nodes}.
 */
public final class ClusterOptions {
  @Option(names = "--seeds", split = ",",
      description = "Drive a running cluster instead of an embedded one: members to join through (HOST:PORT or"
          + " akka://partita@HOST:PORT); --nodes is then how many of its workers to wait for and use.")
  List<String> seeds;

  @Option(names = "--tls",
      description = "With --seeds: directory made by 'partita certs' (the driver uses driver.p12).")
  Path tls;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "With --seeds: address this driver binds and advertises (default: ${DEFAULT-VALUE}).")
  String host;

  /** True with --seeds: the workers are other processes, possibly on other hosts. */
  public boolean joinsRunningCluster() {
    return seeds != null;
  }

  /** Refuses --tls or --host without --seeds, and a TLS directory without the driver's stores, before any work. */
  public void validate() {
    if ((tls != null || !"127.0.0.1".equals(host)) && seeds == null) {
      throw new IllegalArgumentException("--tls and --host are for driving a running cluster; give --seeds too");
    }
    if (tls != null) {
      TlsSettings.fromDirectory(tls, "driver"); // a missing store or password is named before any work
    }
  }

  /** "N embedded nodes" or "N workers of a running cluster", for banners. */
  public String describe(int nodes) {
    String plural = nodes == 1 ? "" : "s";
    return seeds != null ? nodes + " worker" + plural + " of a running cluster" : nodes + " embedded node" + plural;
  }

  /**
   * An embedded cluster of {@code nodes} workers, or with --seeds a driver joined to the running
   * cluster once {@code nodes} of its workers are up (bounded by the settings' start timeout).
   */
  public TrainingCluster start(int nodes, RuntimeSettings settings, PrintStream console) {
    long start = System.nanoTime();
    String plural = nodes == 1 ? "" : "s";
    if (seeds != null) {
      RuntimeSettings joining = tls == null ? settings : settings.withTls(TlsSettings.fromDirectory(tls, "driver"));
      List<String> addresses = seeds.stream().map(seed -> seed.startsWith("akka://") ? seed : "akka://partita@" + seed)
          .toList();
      console.printf(Locale.ROOT, "cluster: joining %s%s, waiting for %d worker%s …%n", String.join(", ", addresses),
          tls == null ? " (plain TCP, loopback)" : " (mutual TLS)", nodes, plural);
      DriverNode driver = DriverNode.start(host, 0, addresses, joining);
      try {
        driver.awaitWorkers(nodes);
      } catch (RuntimeException e) {
        driver.close();
        throw e;
      }
      console.printf(Locale.ROOT, "cluster: %d workers up in %.1f s (driver %s): %s%n", driver.workers().size(),
          (System.nanoTime() - start) / 1e9, driver.address(),
          String.join(", ", driver.workers().stream().map(WorkerInfo::name).toList()));
      return driver;
    }
    console.printf(Locale.ROOT, "cluster: starting %d embedded worker node%s and a driver on loopback …%n", nodes,
        plural);
    EmbeddedCluster cluster = EmbeddedCluster.start(nodes, settings);
    console.printf(Locale.ROOT, "cluster: %d workers up in %.1f s (driver %s)%n", cluster.workers().size(),
        (System.nanoTime() - start) / 1e9, cluster.driverAddress());
    return cluster;
  }

  /**
   * The first {@code nodes} of the live workers: a running cluster may have more than asked for,
   * and the rest stand by (to replace a lost one on re-planning).
   */
  public static List<WorkerInfo> firstWorkers(List<WorkerInfo> live, int nodes, PrintStream console) {
    if (live.size() <= nodes) {
      return live;
    }
    console.printf(Locale.ROOT, "cluster: using %d of %d workers (--nodes %d)%n", nodes, live.size(), nodes);
    return live.subList(0, nodes);
  }
}
