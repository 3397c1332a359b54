package org.partita.runtime.driver;

import com.google.protobuf.Message;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.partita.models.blas.Blas;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.ShardId;
import org.partita.partitioner.StateResharding;
import org.partita.proto.ShardStateProto;
import org.partita.runtime.LocalSamples;
import org.partita.runtime.shard.ShardEngine;

/**
 * Every shard engine of a plan in this thread, messages delivered in FIFO order through a queue
 * instead of a network: the protocol without Akka. Tests use it to check the algorithm apart from
 * the transport, and it shows what the actors add (nothing to the mathematics).
 */
public final class DirectTransport implements ShardTransport {
  private final Map<ShardId, ShardEngine> engines = new LinkedHashMap<>();
  private final ArrayDeque<Delivery> toShards = new ArrayDeque<>();
  private final ArrayDeque<Message> toDriver = new ArrayDeque<>();

  public DirectTransport(ModelSpec model, PartitionPlan plan, OptimizerSpec optimizer, Blas blas) {
    this(model, plan, optimizer, blas, null);
  }

  /** Engines that start from {@code whole} (null: the model's initial weights), each with its part. */
  public DirectTransport(ModelSpec model, PartitionPlan plan, OptimizerSpec optimizer, Blas blas, ShardStateProto whole) {
    this(model, plan, optimizer, blas, whole, List.of());
  }

  /** Engines as above whose replicas keep {@code localSamples}, which each replica's first shard feeds from. */
  public DirectTransport(ModelSpec model, PartitionPlan plan, OptimizerSpec optimizer, Blas blas, ShardStateProto whole,
      List<LocalSamples> localSamples) {
    Map<Integer, LocalSamples> byReplica = new java.util.HashMap<>();
    localSamples.forEach(samples -> byReplica.put(samples.replica(), samples));
    for (ShardId shard : plan.shards()) {
      engines.put(shard, new ShardEngine(shard, "local", model, plan, optimizer, blas, new ShardEngine.Outbox() {
        @Override
        public void toShard(ShardId to, Message message) {
          toShards.add(new Delivery(to, message));
        }

        @Override
        public void toDriver(Message message) {
          toDriver.add(message);
        }
      }, byReplica.get(shard.replica())));
      if (whole != null) {
        engines.get(shard).restoreState(StateResharding.split(model, whole, plan, shard), "initial state of " + shard);
      }
    }
  }

  @Override
  public void send(ShardId shard, Message message) {
    toShards.add(new Delivery(shard, message));
  }

  /** Delivers queued shard messages until the driver has one; null when everything is quiet. */
  @Override
  public Message poll(Duration timeout) {
    while (toDriver.isEmpty() && !toShards.isEmpty()) {
      Delivery next = toShards.poll();
      ShardEngine engine = engines.get(next.shard());
      if (engine != null) {
        engine.handle(next.message());
      }
    }
    return toDriver.poll();
  }

  @Override
  public String nodeOf(ShardId shard) {
    return "local";
  }

  @Override
  public void close(String reason) {
    engines.clear();
  }

  private record Delivery(ShardId shard, Message message) {}
}
