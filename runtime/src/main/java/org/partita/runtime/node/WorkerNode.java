package org.partita.runtime.node;

import akka.actor.typed.ActorSystem;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import org.partita.runtime.LocalSamples;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.TlsSettings;

/** A running worker node: an ActorSystem whose guardian hosts shards. */
public final class WorkerNode implements AutoCloseable {
  public static final String ROLE = "worker";
  /** A node joins within seconds; one that is no member after this long is told what may keep it out. */
  public static final Duration JOIN_WARNING = Duration.ofSeconds(15);
  private static final String LINKS = "partita.runtime.links.";

  private final String name;
  private final ActorSystem<NodeGuardian.Command> system;
  private final ShardLinks links;

  private WorkerNode(String name, ActorSystem<NodeGuardian.Command> system, ShardLinks links) {
    this.name = name;
    this.system = system;
    this.links = links;
  }

  public static WorkerNode start(String name, String host, int port, List<String> seeds, RuntimeSettings settings) {
    return start(name, host, port, seeds, settings, List.of());
  }

  /** A worker keeping {@code localSamples} in memory, which the replicas' first shards placed here feed from. */
  public static WorkerNode start(String name, String host, int port, List<String> seeds, RuntimeSettings settings,
      List<LocalSamples> localSamples) {
    Config config = NodeSystems.config(ROLE, host, port, seeds, settings);
    ShardLinks links = settings.tls() != null && config.getBoolean(LINKS + "enabled")
        ? ShardLinks.start(name, host, config.getInt(LINKS + "port"), settings.tls(), settings.maxMessageBytes())
        : null;
    try {
      ActorSystem<NodeGuardian.Command> system = NodeSystems.start(NodeGuardian.create(name,
          settings.maxMessageBytes(), localSamples, links), config);
      if (links != null) {
        links.deliverTo(system);
        system.getWhenTerminated().thenRun(links::close);
      }
      return new WorkerNode(name, system, links);
    } catch (RuntimeException e) {
      if (links != null) {
        links.close();
      }
      throw e;
    }
  }

  /** The node's shard links (TLS clusters, unless turned off), or empty: its shards talk through Artery. */
  public java.util.Optional<ShardLinks> links() {
    return java.util.Optional.ofNullable(links);
  }

  public String name() {
    return name;
  }

  public String address() {
    return NodeSystems.address(system);
  }

  /**
   * Stops the node (leaving the cluster) when this JVM is asked to stop (SIGTERM, SIGINT), for a
   * node that is the process's whole purpose.
   */
  public WorkerNode stopWithJvm() {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        stop(Duration.ofSeconds(20));
      } catch (RuntimeException e) {
        System.err.println("worker " + name + ": " + e.getMessage());
      }
    }, "stop-" + name));
    return this;
  }

  /**
   * Says on stderr, once, if the node is still no cluster member {@code wait} after this call. A node
   * that no seed admits — its certificate signed by another CA, plain TCP against a TLS cluster, no
   * seed at that address — otherwise shows only Akka's "Couldn't join seed nodes", and the seed logs
   * nothing at all.
   */
  public WorkerNode warnUnlessMemberWithin(Duration wait, List<String> seeds, TlsSettings tls) {
    system.scheduler().scheduleOnce(wait, () -> {
      if (Cluster.get(system).selfMember().status() == MemberStatus.removed()) {
        System.err.println("worker " + name + " is no cluster member " + wait.toSeconds() + " s after it started: no"
            + " seed of " + seeds + " admitted it. Check that a seed runs there and that both sides talk the same: "
            + (tls == null ? "this node talks plain TCP; a cluster that talks mutual TLS needs --tls DIR with a key"
                + " store its CA signed ('partita certs')"
                : "this node talks mutual TLS with " + tls.keyStore() + ", which the seeds' CA must have signed"));
      }
    }, system.executionContext());
    return this;
  }

  /** Blocks until the node stops (it left the cluster or was shut down). */
  public void awaitTermination() {
    system.getWhenTerminated().toCompletableFuture().join();
  }

  /** Stops the node, waiting up to {@code timeout} (see {@link NodeSystems#terminate}). */
  public void stop(Duration timeout) {
    NodeSystems.terminate(system, timeout, "worker " + name);
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(30));
  }
}
