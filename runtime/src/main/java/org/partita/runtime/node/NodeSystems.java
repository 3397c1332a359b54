package org.partita.runtime.node;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import org.partita.runtime.RuntimeSettings;

/**
 * Builds node ActorSystems: every node of a cluster is called "partita" and differs only in its
 * host, port, seed nodes and role, so driver and workers always agree on serializers and frames.
 */
public final class NodeSystems {
  public static final String SYSTEM_NAME = "partita";

  private NodeSystems() {}

  /**
   * Configuration for a node on host:port (0 = any free port) that joins through {@code seeds}
   * ("akka://partita@host:port"); no seeds means the node forms a new cluster by joining itself.
   */
  public static Config config(String role, String host, int port, List<String> seeds, RuntimeSettings settings) {
    return ConfigFactory.empty()
        .withValue("akka.cluster.roles", ConfigValueFactory.fromIterable(List.of(role)))
        .withValue("akka.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds))
        .withValue("akka.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(host))
        .withValue("akka.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
        .withValue("akka.remote.artery.advanced.maximum-large-frame-size",
            ConfigValueFactory.fromAnyRef(frameBytes(settings.maxMessageBytes())))
        .withFallback(ConfigFactory.load());
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

  /** The node's address as seeds name it, e.g. "akka://partita@127.0.0.1:25520". */
  public static String address(ActorSystem<?> system) {
    return akka.cluster.typed.Cluster.get(system).selfMember().address().toString();
  }

  /** The frame must hold the largest message plus its envelope. */
  private static long frameBytes(long maxMessageBytes) {
    return maxMessageBytes + (64 << 10);
  }
}
