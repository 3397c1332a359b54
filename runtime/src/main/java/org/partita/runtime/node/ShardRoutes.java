package org.partita.runtime.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import com.google.protobuf.Message;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.partita.partitioner.PlanProtos;
import org.partita.partitioner.ShardId;
import org.partita.proto.ConnectShardsProto;
import org.partita.proto.ShardAddressProto;
import org.partita.runtime.driver.DriverInbox;
import org.partita.runtime.shard.ShardEngine;
import org.partita.runtime.wire.MessageLimit;

/**
 * A shard engine's outbox on Akka: the actor references of the session's other shards (filled in
 * by {@link ConnectShardsProto}) and of the driver. A shard on another node whose node has
 * {@link ShardLinks} is sent to through them, when this node has them too; a shard in this JVM
 * gets its messages handed over directly ({@link SameProcessRefs}); the rest goes through Artery. Refuses a message larger than the configured frame here, by name ({@link MessageLimit}).
 */
final class ShardRoutes implements ShardEngine.Outbox {
  private final ActorRef<DriverInbox.Command> driver;
  /** The driver's queue itself when the driver is in this JVM (SameProcessRefs), else null. */
  private final Consumer<Message> driverSink;
  private final long maxMessageBytes;
  private final ShardLinks links;
  private final Map<ShardId, ActorRef<ShardActor.Command>> shards = new HashMap<>();
  /** Shards reached through links: their node's links endpoint and their actor reference. */
  private final Map<ShardId, ShardAddressProto> linked = new HashMap<>();

  ShardRoutes(ActorRef<DriverInbox.Command> driver, Consumer<Message> driverSink, long maxMessageBytes,
      ShardLinks links) {
    this.driver = driver;
    this.driverSink = driverSink;
    this.maxMessageBytes = maxMessageBytes;
    this.links = links;
  }

  void connect(ConnectShardsProto connect, ActorSystem<?> system) {
    for (ShardAddressProto address : connect.getShardsList()) {
      ShardId shard = PlanProtos.fromProto(address.getShard());
      ActorRef<ShardActor.Command> ref = SameProcessRefs.resolve(system, address.getActorRef());
      shards.put(shard, ref);
      // Local scope: a shard of this node, or of another node in this JVM (handed over directly).
      if (links != null && !address.getLinksEndpoint().isEmpty() && !ref.path().address().hasLocalScope()) {
        linked.put(shard, address);
      }
    }
  }

  @Override
  public void toShard(ShardId shard, Message message) {
    ActorRef<ShardActor.Command> target = shards.get(shard);
    if (target == null) {
      throw new IllegalStateException("no address for shard " + shard + " (session not connected?)");
    }
    MessageLimit.check(message, "shard " + shard, maxMessageBytes);
    ShardAddressProto viaLinks = linked.get(shard);
    if (viaLinks != null) {
      links.send(viaLinks.getLinksEndpoint(), viaLinks.getActorRef(), message);
    } else {
      target.tell(new ShardActor.Wire(message));
    }
  }

  @Override
  public void toDriver(Message message) {
    MessageLimit.check(message, "the driver", maxMessageBytes);
    if (driverSink != null) {
      driverSink.accept(message);
    } else {
      driver.tell(new DriverInbox.Wire(message));
    }
  }
}
