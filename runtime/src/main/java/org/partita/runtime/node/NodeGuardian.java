package org.partita.runtime.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import akka.cluster.typed.Cluster;
import com.google.protobuf.Message;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.partita.models.blas.Blas;
import org.partita.models.io.SpecProtos;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PlanProtos;
import org.partita.partitioner.ShardId;
import org.partita.proto.AssignShardProto;
import org.partita.proto.DescribeNodeProto;
import org.partita.proto.NodeInfoProto;
import org.partita.proto.ShardReadyProto;
import org.partita.runtime.LocalSamples;
import org.partita.runtime.driver.DriverInbox;
import org.partita.runtime.shard.ShardEngine;
import org.partita.runtime.wire.WireMessage;

/**
 * The guardian of a worker node: registers the node with the receptionist under {@link #KEY},
 * describes it to drivers, creates shard actors on request and keeps a {@link LinkEcho} for link
 * measurements. A node may keep replicas' samples ({@link LocalSamples}) for their shards to feed. A shard that cannot be created
 * (bad spec, not enough memory) is reported back with the reason instead of an actor.
 */
public final class NodeGuardian extends AbstractBehavior<NodeGuardian.Command> {
  public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "partita-worker");
  static final String SHARD_DISPATCHER = "partita.runtime.shard-dispatcher";

  public interface Command {}

  public record Wire(Message proto) implements Command, WireMessage {
    @Override
    public Destination destination() {
      return Destination.NODE;
    }
  }

  private final String name;
  private final long maxMessageBytes;
  private final ActorRefResolver resolver;
  private final ActorRef<Command> linkEcho;
  private final Map<Integer, LocalSamples> localSamples;
  private final ShardLinks links;

  public static Behavior<Command> create(String name, long maxMessageBytes) {
    return create(name, maxMessageBytes, List.of(), null);
  }

  /**
   * A node that keeps {@code localSamples}: the replicas' first shards placed here feed from them.
   * With {@code links} (or null), its shards send to other nodes' shards through them.
   */
  public static Behavior<Command> create(String name, long maxMessageBytes, List<LocalSamples> localSamples,
      ShardLinks links) {
    Map<Integer, LocalSamples> byReplica = new HashMap<>();
    for (LocalSamples samples : localSamples) {
      if (byReplica.put(samples.replica(), samples) != null) {
        throw new IllegalArgumentException("node " + name + " was given two sets of samples of replica "
            + samples.replica());
      }
    }
    return Behaviors.setup(context -> new NodeGuardian(context, name, maxMessageBytes, Map.copyOf(byReplica), links));
  }

  private NodeGuardian(ActorContext<Command> context, String name, long maxMessageBytes,
      Map<Integer, LocalSamples> localSamples, ShardLinks links) {
    super(context);
    this.name = name;
    this.maxMessageBytes = maxMessageBytes;
    this.links = links;
    this.localSamples = localSamples;
    this.resolver = ActorRefResolver.get(context.getSystem());
    this.linkEcho = context.spawn(LinkEcho.create(name), LinkEcho.NAME);
    SameProcessRefs.register(context.getSystem(), linkEcho);
    context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(Wire.class, this::onWire).build();
  }

  private Behavior<Command> onWire(Wire wire) {
    if (wire.proto() instanceof DescribeNodeProto describe) {
      return onDescribe(describe);
    }
    if (wire.proto() instanceof AssignShardProto assign) {
      return onAssign(assign);
    }
    getContext().getLog().warn("node {} ignores {}", name, wire.proto().getDescriptorForType().getName());
    return this;
  }

  private Behavior<Command> onDescribe(DescribeNodeProto describe) {
    ActorRef<DriverInbox.Command> replyTo = resolver.resolveActorRef(describe.getReplyTo());
    replyTo.tell(new DriverInbox.Wire(NodeInfoProto.newBuilder().setName(name)
        .setAddress(Cluster.get(getContext().getSystem()).selfMember().address().toString())
        .setCores(Runtime.getRuntime().availableProcessors()).setMaxMemoryBytes(Runtime.getRuntime().maxMemory())
        .setGuardianRef(resolver.toSerializationFormat(getContext().getSelf()))
        .setLinkEchoRef(resolver.toSerializationFormat(linkEcho))
        .setProcess(ManagementFactory.getRuntimeMXBean().getName())
        .setBlas(Blas.get().describe()).build()));
    return this;
  }

  private Behavior<Command> onAssign(AssignShardProto assign) {
    ActorRef<DriverInbox.Command> driver = resolver.resolveActorRef(assign.getDriver());
    ShardId shard = PlanProtos.fromProto(assign.getShard());
    ShardReadyProto.Builder ready = ShardReadyProto.newBuilder().setShard(assign.getShard()).setNode(name);
    try {
      ModelSpec model = SpecProtos.fromProto(assign.getModel(), "assignment of shard " + shard);
      PartitionPlan plan = PlanProtos.fromProto(assign.getPlan(), "assignment of shard " + shard);
      OptimizerSpec optimizer = SpecProtos.fromProto(assign.getOptimizer(), "assignment of shard " + shard);
      ShardRoutes routes = new ShardRoutes(SameProcessRefs.resolve(getContext().getSystem(), assign.getDriver()),
          SameProcessRefs.sink(getContext().getSystem(), assign.getDriver()), maxMessageBytes, links);
      ShardEngine engine = new ShardEngine(shard, name, model, plan, optimizer, Blas.get(), routes,
          localSamples.get(shard.replica()));
      if (assign.hasInitialState()) {
        engine.restoreState(assign.getInitialState(), "initial state of shard " + shard);
      }
      String actorName = "shard-" + assign.getSession() + "-r" + shard.replica() + "-s" + shard.stage() + "-p"
          + shard.slice();
      ActorRef<ShardActor.Command> actor = getContext().spawn(ShardActor.create(engine, routes, driver), actorName,
          DispatcherSelector.fromConfig(SHARD_DISPATCHER));
      SameProcessRefs.register(getContext().getSystem(), actor);
      ready.setActorRef(resolver.toSerializationFormat(actor));
      if (links != null) {
        ready.setLinksEndpoint(links.endpoint());
      }
    } catch (RuntimeException | OutOfMemoryError e) {
      ready.setError(e.getMessage() == null ? e.toString() : e.getMessage());
    }
    driver.tell(new DriverInbox.Wire(ready.build()));
    return this;
  }
}
