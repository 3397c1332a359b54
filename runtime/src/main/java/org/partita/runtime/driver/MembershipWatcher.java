package org.partita.runtime.driver;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Down;
import akka.cluster.typed.Subscribe;
import java.util.function.BiConsumer;
import org.partita.runtime.node.WorkerNode;

/**
 * Tells the driver node when a worker leaves the cluster (stopped, or removed) or becomes
 * unreachable (crashed, cut off), with the member's address and how it went.
 *
 * <p>An unreachable member — a worker the driver now gives up on, or a crashed earlier driver — is
 * downed. Left in the cluster it would block convergence for good: nodes joining later would stay
 * "weakly up", nodes leaving would wait out their shutdown timeouts, and its shards' watchers
 * would never learn it is gone. A downed node that was only cut off must restart to rejoin.
 */
final class MembershipWatcher {
  private MembershipWatcher() {}

  static Behavior<ClusterEvent.ClusterDomainEvent> create(BiConsumer<String, String> workerLost) {
    return Behaviors.setup(context -> {
      ActorRef<ClusterEvent.ClusterDomainEvent> self = context.getSelf();
      Cluster cluster = Cluster.get(context.getSystem());
      cluster.subscriptions().tell(Subscribe.create(self.narrow(), ClusterEvent.MemberEvent.class));
      cluster.subscriptions().tell(Subscribe.create(self.narrow(), ClusterEvent.ReachabilityEvent.class));
      return Behaviors.receive(ClusterEvent.ClusterDomainEvent.class)
          .onMessage(ClusterEvent.MemberLeft.class, event -> report(workerLost, event.member(), "left the cluster"))
          .onMessage(ClusterEvent.MemberExited.class, event -> report(workerLost, event.member(), "left the cluster"))
          .onMessage(ClusterEvent.MemberRemoved.class, event -> report(workerLost, event.member(),
              "was removed from the cluster"))
          .onMessage(ClusterEvent.UnreachableMember.class, event -> {
            cluster.manager().tell(new Down(event.member().address()));
            return report(workerLost, event.member(), "became unreachable (crashed, stopped or cut off)");
          })
          .build();
    });
  }

  private static Behavior<ClusterEvent.ClusterDomainEvent> report(BiConsumer<String, String> workerLost, Member member,
      String how) {
    if (member.getRoles().contains(WorkerNode.ROLE)) {
      workerLost.accept(member.address().toString(), how);
    }
    return Behaviors.same();
  }
}
