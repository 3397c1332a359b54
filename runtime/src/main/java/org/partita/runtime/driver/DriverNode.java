package org.partita.runtime.driver;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.SpawnProtocol;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.receptionist.Receptionist;
import com.google.protobuf.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.partita.models.io.SpecProtos;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.UnitRange;
import org.partita.models.network.ModelSpec;
import org.partita.models.tensor.TensorCodec;
import org.partita.models.train.TrainingConfig;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PlanProtos;
import org.partita.partitioner.ShardId;
import org.partita.partitioner.StagePlan;
import org.partita.partitioner.StateResharding;
import org.partita.proto.AssignShardProto;
import org.partita.proto.ConnectShardsProto;
import org.partita.proto.DescribeNodeProto;
import org.partita.proto.LinkProbeProto;
import org.partita.proto.LinkProbeReplyProto;
import org.partita.proto.NodeInfoProto;
import org.partita.proto.NodeLostProto;
import org.partita.proto.ShardAddressProto;
import org.partita.proto.ShardFailureProto;
import org.partita.proto.ShardReadyProto;
import org.partita.proto.ShardStateChunkProto;
import org.partita.proto.ShardStateProto;
import org.partita.proto.ShardsConnectedProto;
import org.partita.runtime.ClusterException;
import org.partita.runtime.DistributedTrainer;
import org.partita.runtime.LinkMeasurement;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.TrainingCluster;
import org.partita.runtime.WorkerInfo;
import org.partita.runtime.node.NodeGuardian;
import org.partita.runtime.node.NodeSystems;
import org.partita.runtime.node.SameProcessRefs;
import org.partita.runtime.node.ShardActor;
import org.partita.runtime.shard.RingAllReduce;
import org.partita.runtime.shard.StateChunks;

/**
 * The driver's node: joins the cluster with role "driver", finds the workers through the
 * receptionist, and places sessions' shards on them. Every wait is bounded by the start timeout
 * and fails with what was found so far.
 */
public final class DriverNode implements TrainingCluster {
  public static final String ROLE = "driver";

  private final ActorSystem<SpawnProtocol.Command> system;
  private final RuntimeSettings settings;
  private final ActorRefResolver resolver;
  // Concurrent: the membership watcher removes lost workers while sessions look guardians up.
  private final Map<String, ActorRef<NodeGuardian.Command>> guardians = new ConcurrentHashMap<>();
  private final Map<String, ActorRef<NodeGuardian.Command>> linkEchoes = new ConcurrentHashMap<>();
  private final List<WorkerInfo> workers = new ArrayList<>();
  private final AtomicInteger sessions = new AtomicInteger();
  /** Inboxes of open sessions, told when a worker is lost. */
  private final Set<BlockingQueue<Message>> sessionInboxes = ConcurrentHashMap.newKeySet();
  private final Set<String> lostAddresses = ConcurrentHashMap.newKeySet();

  private DriverNode(ActorSystem<SpawnProtocol.Command> system, RuntimeSettings settings) {
    this.system = system;
    this.settings = settings;
    this.resolver = ActorRefResolver.get(system);
    spawn(MembershipWatcher.create(this::workerLost), "membership");
  }

  /**
   * A worker left or became unreachable: it is no longer offered for plans, and every open session
   * hears of it (a session with shards there aborts its step and fails with the node named).
   */
  private synchronized void workerLost(String address, String how) {
    if (!lostAddresses.add(address)) {
      return;
    }
    String name = address;
    for (java.util.Iterator<WorkerInfo> it = workers.iterator(); it.hasNext(); ) {
      WorkerInfo worker = it.next();
      if (worker.address().equals(address)) {
        name = worker.name();
        it.remove();
        guardians.remove(name);
        linkEchoes.remove(name);
      }
    }
    NodeLostProto lost = NodeLostProto.newBuilder().setNode(name).setAddress(address).setReason(how).build();
    for (BlockingQueue<Message> inbox : sessionInboxes) {
      inbox.add(lost);
    }
  }

  /** Starts the driver on host:port (0 = any); with no seeds it founds the cluster. */
  public static DriverNode start(String host, int port, List<String> seeds, RuntimeSettings settings) {
    return new DriverNode(NodeSystems.start(SpawnProtocol.create(),
        NodeSystems.config(ROLE, host, port, seeds, settings)), settings);
  }

  /** "akka://partita@host:port", what workers give as their seed. */
  public String address() {
    return NodeSystems.address(system);
  }

  /** Waits until {@code count} workers have registered, then asks each to describe itself. */
  public DriverNode awaitWorkers(int count) {
    if (!discover(count, settings.startTimeout())) {
      throw new ClusterException("only " + workers().size() + " of " + count + " workers joined the cluster at "
          + address() + " within " + settings.startTimeout().toSeconds() + " s: " + workers());
    }
    return this;
  }

  @Override
  public boolean awaitWorkers(int count, Duration wait) {
    return discover(count, wait);
  }

  /**
   * Finds at least {@code count} live workers through the receptionist within {@code wait} and
   * asks each to describe itself; false (the known workers unchanged) if fewer turned up.
   */
  private synchronized boolean discover(int count, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    Set<ActorRef<NodeGuardian.Command>> found = Set.of();
    while (found.size() < count) {
      found = findWorkers();
      if (found.size() >= count) {
        break;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      sleep(100);
    }
    deadline = Math.max(deadline, System.nanoTime() + settings.startTimeout().toNanos());
    BlockingQueue<Message> replies = new LinkedBlockingQueue<>();
    ActorRef<DriverInbox.Command> inbox = spawnInbox(replies, "describe-" + sessions.incrementAndGet());
    for (ActorRef<NodeGuardian.Command> guardian : found) {
      guardian.tell(new NodeGuardian.Wire(DescribeNodeProto.newBuilder()
          .setReplyTo(resolver.toSerializationFormat(inbox)).build()));
    }
    List<NodeInfoProto> infos = new ArrayList<>();
    while (infos.size() < found.size()) {
      Message reply = take(replies, deadline, "descriptions from " + found.size() + " workers (got " + infos.size() + ")");
      if (reply instanceof NodeInfoProto info) {
        infos.add(info);
      }
    }
    inbox.tell(new DriverInbox.Stop());
    infos.sort(Comparator.comparing((NodeInfoProto info) -> info.getName().length()).thenComparing(NodeInfoProto::getName));
    guardians.clear();
    linkEchoes.clear();
    workers.clear();
    for (NodeInfoProto info : infos) {
      if (guardians.put(info.getName(), resolver.resolveActorRef(info.getGuardianRef())) != null) {
        throw new ClusterException("two workers are called '" + info.getName() + "'; give each node its own name");
      }
      linkEchoes.put(info.getName(), SameProcessRefs.resolve(system, info.getLinkEchoRef()));
      workers.add(new WorkerInfo(info.getName(), info.getAddress(), info.getCores(), info.getMaxMemoryBytes(),
          info.getBlas(), info.getProcess()));
    }
    return true;
  }

  @Override
  public synchronized List<WorkerInfo> workers() {
    return List.copyOf(workers);
  }

  @Override
  public DistributedTrainer trainer(ModelSpec model, TrainingConfig config, PartitionPlan plan) {
    return trainer(model, config, plan, null);
  }

  @Override
  public DistributedTrainer trainer(ModelSpec model, TrainingConfig config, PartitionPlan plan,
      ShardStateProto whole) {
    TrainingSession.checkSupported(model, config, plan);
    checkMessageSizes(model, plan, settings.maxMessageBytes());
    for (Map.Entry<ShardId, String> placed : plan.placement().entrySet()) {
      if (!guardians.containsKey(placed.getValue())) {
        throw new IllegalArgumentException("plan places shard " + placed.getKey() + " on node '" + placed.getValue()
            + "', which is not a worker of this cluster " + guardians.keySet());
      }
    }
    // The node's incarnation in the name: shards of a crashed earlier driver with the same session
    // number may still be stopping on the workers, and shard actor names must be unique there.
    String session = "s" + sessions.incrementAndGet() + "-" + Long.toHexString(akka.cluster.typed.Cluster.get(system)
        .selfMember().uniqueAddress().longUid());
    BlockingQueue<Message> queue = new LinkedBlockingQueue<>();
    sessionInboxes.add(queue);
    ActorRef<DriverInbox.Command> inbox = spawnInbox(queue, "driver-" + session);
    String driver = resolver.toSerializationFormat(inbox);
    long deadline = System.nanoTime() + settings.startTimeout().toNanos();

    AssignShardProto.Builder assign = AssignShardProto.newBuilder().setModel(SpecProtos.toProto(model))
        .setPlan(PlanProtos.toProto(plan)).setOptimizer(SpecProtos.toProto(config.optimizer()))
        .setSession(session).setDriver(driver);
    for (ShardId shard : plan.shards()) {
      guardians.get(plan.placement().get(shard)).tell(new NodeGuardian.Wire(
          assign.setShard(PlanProtos.toProto(shard)).build()));
    }
    Map<ShardId, ActorRef<ShardActor.Command>> refs = new LinkedHashMap<>();
    ConnectShardsProto.Builder connect = ConnectShardsProto.newBuilder();
    List<String> errors = new ArrayList<>();
    while (refs.size() + errors.size() < plan.shards().size()) {
      Message reply = take(queue, deadline, "creating " + plan.shards().size() + " shards (" + refs.size() + " ready)");
      if (reply instanceof ShardReadyProto ready) {
        ShardId shard = PlanProtos.fromProto(ready.getShard());
        if (!ready.getError().isEmpty()) {
          errors.add("shard " + shard + " on " + ready.getNode() + ": " + ready.getError());
          continue;
        }
        refs.put(shard, SameProcessRefs.resolve(system, ready.getActorRef()));
        connect.addShards(ShardAddressProto.newBuilder().setShard(ready.getShard()).setNode(ready.getNode())
            .setActorRef(ready.getActorRef()).setLinksEndpoint(ready.getLinksEndpoint()));
      }
    }
    Map<ShardId, String> nodes = new LinkedHashMap<>(plan.placement());
    AkkaTransport transport = new AkkaTransport(refs, nodes, queue, inbox, settings.maxMessageBytes(),
        () -> sessionInboxes.remove(queue));
    if (!errors.isEmpty()) {
      transport.close("another shard could not be created");
      throw new ClusterException("could not place " + plan.describe() + ": " + String.join("; ", errors));
    }
    if (whole != null) {
      // In 4 MiB chunks on the shards' large-message lane; a shard restores them before it reads
      // the routing table below (one sender, so in order), and answers that only once restored.
      for (Map.Entry<ShardId, ActorRef<ShardActor.Command>> shard : refs.entrySet()) {
        ShardStateProto part = StateResharding.split(model, whole, plan, shard.getKey());
        for (ShardStateChunkProto chunk : StateChunks.split(PlanProtos.toProto(shard.getKey()), part)) {
          shard.getValue().tell(new ShardActor.Wire(chunk));
        }
      }
    }
    ConnectShardsProto table = connect.build();
    for (ActorRef<ShardActor.Command> shard : refs.values()) {
      shard.tell(new ShardActor.Wire(table));
    }
    int connected = 0;
    while (connected < refs.size()) {
      Message reply = take(queue, deadline, "connecting shards (" + connected + " of " + refs.size() + ")");
      if (reply instanceof ShardsConnectedProto) {
        connected++;
      } else if (reply instanceof ShardFailureProto failure) {
        transport.close("shard " + PlanProtos.fromProto(failure.getShard()) + " failed to start");
        throw new ClusterException("could not start " + plan.describe() + ": shard "
            + PlanProtos.fromProto(failure.getShard()) + " failed: " + failure.getMessage());
      }
    }
    return new TrainingSession(model, config, plan, transport, settings, whole == null ? 0 : whole.getStep());
  }

  @Override
  public LinkMeasurement measureLink(String worker, int payloadBytes, int messages, int window) {
    ActorRef<NodeGuardian.Command> echo = linkEchoes.get(worker);
    if (echo == null) {
      throw new IllegalArgumentException("no worker '" + worker + "' in this cluster " + linkEchoes.keySet());
    }
    if (payloadBytes < 0 || payloadBytes % Float.BYTES != 0 || messages < 1 || window < 1) {
      throw new IllegalArgumentException("link measurement needs a payload that is a whole number of floats and at"
          + " least one message and a window of one; got " + payloadBytes + " bytes, " + messages + " messages, window "
          + window);
    }
    if (payloadBytes + 4096L > settings.maxMessageBytes()) {
      throw new IllegalArgumentException("a probe of " + payloadBytes + " bytes exceeds the message limit of "
          + settings.maxMessageBytes() + " bytes");
    }
    BlockingQueue<Message> replies = new LinkedBlockingQueue<>();
    ActorRef<DriverInbox.Command> inbox = spawnInbox(replies, "link-" + sessions.incrementAndGet());
    try {
      float[] payload = new float[payloadBytes / Float.BYTES];
      LinkProbeProto.Builder probe = LinkProbeProto.newBuilder().setReplyTo(resolver.toSerializationFormat(inbox));
      long deadline = System.nanoTime() + settings.stepTimeout().toNanos();
      long start = System.nanoTime();
      int sent = 0;
      int acknowledged = 0;
      while (acknowledged < messages) {
        while (sent < messages && sent - acknowledged < window) {
          // Encoded per message, as shards encode every tensor they send.
          echo.tell(new NodeGuardian.Wire(probe.setSequence(sent++)
              .setPayload(TensorCodec.encode(payload, 0, 1, payload.length)).build()));
        }
        Message reply = take(replies, deadline, "acknowledgements of link probes from " + worker + " (" + acknowledged
            + " of " + messages + ")");
        if (reply instanceof LinkProbeReplyProto ack) {
          if (!ack.getError().isEmpty()) {
            throw new ClusterException("link probe " + ack.getSequence() + " failed on " + worker + ": " + ack.getError());
          }
          acknowledged++;
        }
      }
      return new LinkMeasurement(worker, payloadBytes, messages, window, (System.nanoTime() - start) / 1e9);
    } finally {
      inbox.tell(new DriverInbox.Stop());
    }
  }

  /** Stops the driver node (and with it every session's inbox); see {@link NodeSystems#terminate}. */
  @Override
  public void close() {
    NodeSystems.terminate(system, java.time.Duration.ofSeconds(30), "driver node " + address());
  }


  /**
   * Refuses a plan whose largest activation or gradient message exceeds the limit, before any
   * shard is placed. Evaluation uses batches of the training size.
   */
  static void checkMessageSizes(ModelSpec model, PartitionPlan plan, long maxMessageBytes) {
    int batch = plan.globalBatch();
    long microBatch = (batch + plan.microBatches() - 1) / plan.microBatches();
    long largestRows = model.inputShape().size();
    String what = "the model inputs for " + microBatch + " samples";
    for (StagePlan stage : plan.stages()) {
      for (int layer = stage.firstLayer(); layer < stage.endLayer(); layer++) {
        LayerSpec spec = model.layers().get(layer);
        for (int p = 0; p < stage.sliceCount(); p++) {
          UnitRange units = stage.units(layer, p);
          long rows = (long) units.size() * spec.rowsPerUnit();
          if (rows > largestRows) {
            largestRows = rows;
            what = "outputs of layer " + layer + " (" + spec.describe() + ") units " + units + " for " + microBatch
                + " samples";
          }
        }
      }
    }
    // The protobuf envelope (step, sender, layer, units, shape) adds well under 4 KiB.
    long bytes = largestRows * microBatch * Float.BYTES + 4096;
    long allReducePiece = (long) RingAllReduce.PIECE_FLOATS * Float.BYTES + 4096;
    if (plan.replicas() > 1 && allReducePiece > bytes) {
      bytes = allReducePiece;
      what = "gradient all-reduce pieces among " + plan.replicas() + " replicas";
    }
    if (bytes > maxMessageBytes) {
      throw new IllegalArgumentException("plan " + plan.describe() + " sends messages of "
          + String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0) + " (" + what
          + ") but the message limit is " + (maxMessageBytes >> 20) + " MiB; use more micro-batches, more"
          + " slices or raise the limit (--max-message)");
    }
  }

  private Set<ActorRef<NodeGuardian.Command>> findWorkers() {
    try {
      Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
          replyTo -> Receptionist.find(NodeGuardian.KEY, replyTo), Duration.ofSeconds(5), system.scheduler())
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      Set<ActorRef<NodeGuardian.Command>> live = new java.util.HashSet<>(listing.getServiceInstances(NodeGuardian.KEY));
      live.removeIf(guardian -> lostAddresses.contains(guardian.path().address().toString()));
      return live;
    } catch (Exception e) {
      throw new ClusterException("the receptionist of the driver at " + address() + " did not answer: " + e, e);
    }
  }

  /** An inbox feeding {@code queue}, which shards in this JVM hand their messages to directly. */
  private ActorRef<DriverInbox.Command> spawnInbox(BlockingQueue<Message> queue, String name) {
    ActorRef<DriverInbox.Command> inbox = spawn(DriverInbox.create(queue), name);
    SameProcessRefs.registerSink(SameProcessRefs.register(system, inbox), queue::add);
    return inbox;
  }

  private <T> ActorRef<T> spawn(akka.actor.typed.Behavior<T> behavior, String name) {
    try {
      return AskPattern.<SpawnProtocol.Command, ActorRef<T>>ask(system,
          replyTo -> new SpawnProtocol.Spawn<>(behavior, name, Props.empty(), replyTo), Duration.ofSeconds(10),
          system.scheduler()).toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new ClusterException("could not start actor " + name + " on the driver: " + e, e);
    }
  }

  private static Message take(BlockingQueue<Message> queue, long deadline, String waitingFor) {
    try {
      Message message = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (message == null) {
        throw new ClusterException("timed out waiting for " + waitingFor);
      }
      return message;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterException("interrupted while waiting for " + waitingFor, e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterException("interrupted while waiting for workers", e);
    }
  }
}
