package org.partita.it;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Subscribe;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.node.NodeSystems;

/**
 * The seed of a test cluster, in this JVM: a node built like every Partita node (NodeSystems, role
 * "seed") that founds the cluster and records every member it ever hears of, with the latest
 * status, from the cluster's own membership events. A node that was a member for a moment and
 * then removed is still in {@link #everSeen}.
 */
final class SeedNode implements AutoCloseable {
  private final ActorSystem<ClusterEvent.MemberEvent> system;
  private final Map<String, MemberStatus> everSeen;

  private SeedNode(ActorSystem<ClusterEvent.MemberEvent> system, Map<String, MemberStatus> everSeen) {
    this.system = system;
    this.everSeen = everSeen;
  }

  static SeedNode start(RuntimeSettings settings) {
    Map<String, MemberStatus> everSeen = new ConcurrentHashMap<>();
    ActorSystem<ClusterEvent.MemberEvent> system = NodeSystems.start(recording(everSeen),
        NodeSystems.config("seed", "127.0.0.1", 0, List.of(), settings));
    return new SeedNode(system, everSeen);
  }

  private static Behavior<ClusterEvent.MemberEvent> recording(Map<String, MemberStatus> everSeen) {
    return Behaviors.setup(context -> {
      Cluster.get(context.getSystem()).subscriptions()
          .tell(Subscribe.create(context.getSelf(), ClusterEvent.MemberEvent.class));
      return Behaviors.receiveMessage(event -> {
        everSeen.put(event.member().address().toString(), event.member().status());
        return Behaviors.same();
      });
    });
  }

  String address() {
    return NodeSystems.address(system);
  }

  /** The seed's artery port, where every peer connects first. */
  int port() {
    return (Integer) Cluster.get(system).selfMember().address().getPort().get();
  }

  /** Every address that was ever a member, with the status of its latest event. */
  Map<String, MemberStatus> everSeen() {
    return new TreeMap<>(everSeen);
  }

  /** Addresses of the members that are Up now, in the seed's view. */
  Set<String> upMembers() {
    return StreamSupport.stream(Cluster.get(system).state().getMembers().spliterator(), false)
        .filter(member -> member.status() == MemberStatus.up()).map(Member::address).map(Object::toString)
        .collect(Collectors.toCollection(java.util.TreeSet::new));
  }

  /** Waits up to {@code timeout} for {@code address} to be Up; false if it is not. */
  boolean awaitUp(String address, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!upMembers().contains(address)) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(100);
    }
    return true;
  }

  @Override
  public void close() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
