package org.partita.runtime.driver;

import com.google.protobuf.Message;
import java.time.Duration;
import org.partita.partitioner.ShardId;

/**
 * How a {@link TrainingSession} reaches its shards once they are placed and connected: Akka actors
 * across nodes, or engines called directly in this thread. Messages to the driver arrive through
 * {@link #poll}.
 */
public interface ShardTransport {
  void send(ShardId shard, Message message);

  /** The next message for the driver, or null if none arrives within {@code timeout}. */
  Message poll(Duration timeout) throws InterruptedException;

  /** Name of the node holding the shard, for messages. */
  String nodeOf(ShardId shard);

  /** Stops the session's shards and frees what the transport holds. */
  void close(String reason);
}
