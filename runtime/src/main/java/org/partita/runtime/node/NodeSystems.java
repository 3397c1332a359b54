package org.partita.runtime.node;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Adapter;
import akka.cluster.Cluster;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.partita.runtime.ClusterException;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.TlsSettings;
import org.slf4j.LoggerFactory;

/**
 * Builds node ActorSystems: every node of a cluster is called "partita" and differs only in its
 * host, port, seed nodes and role, so driver and workers always agree on serializers and frames.
 */
public final class NodeSystems {
  public static final String SYSTEM_NAME = "partita";
  private static final String NODE_DEFAULTS = "partita-node.conf";

  private NodeSystems() {}

  /**
   * Configuration for a node on host:port (0 = any free port) that joins through {@code seeds}
   * ("akka://partita@host:port"); no seeds means the node forms a new cluster by joining itself.
   */
  public static Config config(String role, String host, int port, List<String> seeds, RuntimeSettings settings) {
    Config config = ConfigFactory.empty()
        .withValue("akka.cluster.roles", ConfigValueFactory.fromIterable(List.of(role)))
        .withValue("akka.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds))
        .withValue("akka.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(host))
        .withValue("akka.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
        .withValue("akka.remote.artery.advanced.maximum-large-frame-size",
            ConfigValueFactory.fromAnyRef(frameBytes(settings.maxMessageBytes())))
        // Either the settings or -Dpartita.runtime.same-process-delivery=off turns it off.
        .withValue(SameProcessRefs.ENABLED, ConfigValueFactory.fromAnyRef(settings.sameProcessDelivery()
            && SameProcessRefs.enabled(defaults())));
    TlsSettings tls = settings.tls();
    if (tls == null) {
      if (!isLoopback(host)) {
        throw new IllegalArgumentException("node on " + host + ": plain TCP is allowed on loopback only; between"
            + " machines nodes talk mutual TLS — make certificates with 'partita certs' and give them (--tls DIR)");
      }
    } else {
      String engine = "akka.remote.artery.ssl.config-ssl-engine.";
      config = config.withValue("akka.remote.artery.transport", ConfigValueFactory.fromAnyRef("tls-tcp"))
          .withValue(engine + "key-store", ConfigValueFactory.fromAnyRef(tls.keyStore().toAbsolutePath().toString()))
          .withValue(engine + "trust-store",
              ConfigValueFactory.fromAnyRef(tls.trustStore().toAbsolutePath().toString()))
          .withValue(engine + "key-store-password", ConfigValueFactory.fromAnyRef(tls.password()))
          .withValue(engine + "key-password", ConfigValueFactory.fromAnyRef(tls.password()))
          .withValue(engine + "trust-store-password", ConfigValueFactory.fromAnyRef(tls.password()))
          .withValue(engine + "protocol", ConfigValueFactory.fromAnyRef("TLSv1.2"))
          .withValue(engine + "enabled-algorithms", ConfigValueFactory.fromIterable(
              List.of("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")))
          .withValue(engine + "require-mutual-authentication", ConfigValueFactory.fromAnyRef(true))
          .withValue(engine + "hostname-verification", ConfigValueFactory.fromAnyRef(false));
    }
    return config.withFallback(defaults());
  }

  /**
   * -D overrides, then application.conf, then partita-node.conf (next to this class), then every
   * jar's reference.conf — Partita's settings above Akka's whatever the classpath order.
   */
  static Config defaults() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    return ConfigFactory.defaultOverrides(loader).withFallback(ConfigFactory.defaultApplication(loader))
        .withFallback(ConfigFactory.parseResources(NodeSystems.class, NODE_DEFAULTS,
            ConfigParseOptions.defaults().setAllowMissing(false)))
        .withFallback(ConfigFactory.defaultReference(loader)).resolve();
  }

  /** 127.0.0.0/8, ::1 or localhost. */
  static boolean isLoopback(String host) {
    try {
      return java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException("node host '" + host + "' does not resolve: " + e.getMessage(), e);
    }
  }

  /** Starts a node; with no seeds it joins itself and becomes the first member. */
  public static <T> ActorSystem<T> start(Behavior<T> guardian, Config config) {
    ActorSystem<T> system = ActorSystem.create(guardian, SYSTEM_NAME, config);
    if (config.getStringList("akka.cluster.seed-nodes").isEmpty()) {
      akka.cluster.typed.Cluster cluster = akka.cluster.typed.Cluster.get(system);
      cluster.manager().tell(akka.cluster.typed.Join.create(cluster.selfMember().address()));
    }
    return system;
  }

  /**
   * Terminates a node's ActorSystem and waits up to {@code timeout}. A node that has left the
   * cluster but whose remoting does not stop in time is only reported: Artery's termination can
   * hang for good after a TLS connection failed (akka/akka-core#29162; seen after a peer was killed
   * and, rarely, after an orderly session over TLS), and nothing is lost by not waiting. A node still
   * in the cluster after {@code timeout} is an error naming {@code what}.
   */
  public static void terminate(ActorSystem<?> system, Duration timeout, String what) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      if (!Cluster.get(Adapter.toClassic(system)).isTerminated()) {
        throw new ClusterException(what + " did not leave the cluster within " + timeout.toSeconds()
            + " s", e);
      }
      LoggerFactory.getLogger(NodeSystems.class).warn("{} left the cluster, but its remoting did not stop"
          + " within {} s; not waiting longer", what, timeout.toSeconds());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterException("interrupted while " + what + " stopped", e);
    } catch (ExecutionException e) {
      throw new ClusterException(what + " failed while stopping: " + e.getCause(), e);
    }
  }

  /** The node's address as seeds name it, e.g. "akka://partita@127.0.0.1:25520". */
  public static String address(ActorSystem<?> system) {
    return akka.cluster.typed.Cluster.get(system).selfMember().address().toString();
  }

  /** The frame must hold the largest message plus its envelope. */
  private static long frameBytes(long maxMessageBytes) {
    return maxMessageBytes + (64 << 10);
  }
}
