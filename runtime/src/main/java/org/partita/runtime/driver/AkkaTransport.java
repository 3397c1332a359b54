package org.partita.runtime.driver;

import akka.actor.typed.ActorRef;
import com.google.protobuf.Message;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.partita.partitioner.ShardId;
import org.partita.proto.ReleaseShardProto;
import org.partita.runtime.node.ShardActor;
import org.partita.runtime.wire.MessageLimit;

/** A session's shards as actors on cluster nodes; driver messages arrive in the session's inbox queue. */
final class AkkaTransport implements ShardTransport {
  private final Map<ShardId, ActorRef<ShardActor.Command>> shards;
  private final Map<ShardId, String> nodes;
  private final BlockingQueue<Message> inbox;
  private final ActorRef<DriverInbox.Command> inboxActor;
  private final long maxMessageBytes;
  private final Runnable onClose;

  AkkaTransport(Map<ShardId, ActorRef<ShardActor.Command>> shards, Map<ShardId, String> nodes,
      BlockingQueue<Message> inbox, ActorRef<DriverInbox.Command> inboxActor, long maxMessageBytes, Runnable onClose) {
    this.shards = Map.copyOf(shards);
    this.nodes = Map.copyOf(nodes);
    this.inbox = inbox;
    this.inboxActor = inboxActor;
    this.maxMessageBytes = maxMessageBytes;
    this.onClose = onClose;
  }

  @Override
  public void send(ShardId shard, Message message) {
    MessageLimit.check(message, "shard " + shard + " on " + nodeOf(shard), maxMessageBytes);
    shards.get(shard).tell(new ShardActor.Wire(message));
  }

  @Override
  public Message poll(Duration timeout) throws InterruptedException {
    return inbox.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public String nodeOf(ShardId shard) {
    return nodes.getOrDefault(shard, "?");
  }

  @Override
  public void close(String reason) {
    ReleaseShardProto release = ReleaseShardProto.newBuilder().setReason(reason).build();
    for (ActorRef<ShardActor.Command> shard : shards.values()) {
      shard.tell(new ShardActor.Wire(release));
    }
    inboxActor.tell(new DriverInbox.Stop());
    onClose.run();
  }
}
