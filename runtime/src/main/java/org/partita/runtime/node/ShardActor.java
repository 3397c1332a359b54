package org.partita.runtime.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import com.google.protobuf.Message;
import org.partita.partitioner.PlanProtos;
import org.partita.proto.ConnectShardsProto;
import org.partita.proto.ReleaseShardProto;
import org.partita.proto.ShardsConnectedProto;
import org.partita.runtime.driver.DriverInbox;
import org.partita.runtime.shard.ShardEngine;
import org.partita.runtime.wire.WireMessage;

/**
 * One model shard on a node: an actor around a {@link ShardEngine}, which owns the parameters,
 * optimizer state and activation buffers and does all the mathematics. The actor adds an address,
 * the session's routing table ({@link ConnectShardsProto}) and an end: {@link ReleaseShardProto},
 * or its driver's end — a driver that crashed never releases its shards, and they would hold their
 * memory on the node for good.
 *
 * <p>Threading: the engine and its buffers are touched only by this actor's message handling,
 * on the shard dispatcher. Nothing survives a stop: state lives on in checkpoints, not here.
 */
public final class ShardActor extends AbstractBehavior<ShardActor.Command> {

  public interface Command {}

  /** Any runtime protobuf for this shard, from the driver or another shard. */
  public record Wire(Message proto) implements Command, WireMessage {
    @Override
    public Destination destination() {
      return Destination.SHARD;
    }
  }

  private final ShardEngine engine;
  private final ShardRoutes routes;
  private final ActorRef<DriverInbox.Command> driver;
  private final String sameProcessKey;

  static Behavior<Command> create(ShardEngine engine, ShardRoutes routes, ActorRef<DriverInbox.Command> driver) {
    return Behaviors.setup(context -> new ShardActor(context, engine, routes, driver));
  }

  private ShardActor(ActorContext<Command> context, ShardEngine engine, ShardRoutes routes,
      ActorRef<DriverInbox.Command> driver) {
    super(context);
    this.engine = engine;
    this.routes = routes;
    this.driver = driver;
    // Registered by the guardian that spawned it (SameProcessRefs.register says why not here).
    this.sameProcessKey = SameProcessRefs.keyOf(context.getSystem(), context.getSelf());
    context.watch(driver);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(Wire.class, this::onWire)
        .onSignal(Terminated.class, this::onDriverGone)
        .onSignal(PostStop.class, stop -> {
          SameProcessRefs.unregister(sameProcessKey);
          return this;
        }).build();
  }

  private Behavior<Command> onWire(Wire wire) {
    if (wire.proto() instanceof ConnectShardsProto connect) {
      return onConnect(connect);
    }
    if (wire.proto() instanceof ReleaseShardProto release) {
      getContext().getLog().debug("shard {} released: {}", engine.id(), release.getReason());
      return Behaviors.stopped();
    }
    engine.handle(wire.proto());
    return this;
  }

  private Behavior<Command> onDriverGone(Terminated terminated) {
    getContext().getLog().info("shard {} stops: its driver {} is gone", engine.id(), terminated.getRef().path());
    return Behaviors.stopped();
  }

  private Behavior<Command> onConnect(ConnectShardsProto connect) {
    routes.connect(connect, getContext().getSystem());
    driver.tell(new DriverInbox.Wire(ShardsConnectedProto.newBuilder().setShard(PlanProtos.toProto(engine.id())).build()));
    return this;
  }
}
