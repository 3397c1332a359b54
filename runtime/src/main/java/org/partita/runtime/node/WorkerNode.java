package org.partita.runtime.node;

import akka.actor.typed.ActorSystem;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.partita.runtime.LocalSamples;
import org.partita.runtime.RuntimeSettings;

/** A running worker node: an ActorSystem whose guardian hosts shards. */
public final class WorkerNode implements AutoCloseable {
  public static final String ROLE = "worker";

  private final String name;
  private final ActorSystem<NodeGuardian.Command> system;

  private WorkerNode(String name, ActorSystem<NodeGuardian.Command> system) {
    this.name = name;
    this.system = system;
  }

  public static WorkerNode start(String name, String host, int port, List<String> seeds, RuntimeSettings settings) {
    return start(name, host, port, seeds, settings, List.of());
  }

  /** A worker keeping {@code localSamples} in memory, which the replicas' first shards placed here feed from. */
  public static WorkerNode start(String name, String host, int port, List<String> seeds, RuntimeSettings settings,
      List<LocalSamples> localSamples) {
    return new WorkerNode(name, NodeSystems.start(NodeGuardian.create(name, settings.maxMessageBytes(), localSamples),
        NodeSystems.config(ROLE, host, port, seeds, settings)));
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

  /** Blocks until the node stops (it left the cluster or was shut down). */
  public void awaitTermination() {
    system.getWhenTerminated().toCompletableFuture().join();
  }

  /** Stops the node, waiting up to {@code timeout}; an unfinished stop is reported, not hidden. */
  public void stop(Duration timeout) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("worker " + name + " did not stop within " + timeout, e);
    } catch (Exception e) {
      throw new IllegalStateException("worker " + name + " failed while stopping: " + e, e);
    }
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(30));
  }
}
