package org.partita.runtime.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.ActorSystem;
import com.google.protobuf.Message;
import com.typesafe.config.Config;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The shard actors, driver inboxes and link echoes of every node in this JVM, by the reference
 * string other nodes know them by. Several nodes share a JVM in an embedded cluster and in a Spark executor that
 * runs several tasks; between them Artery would serialize every activation, gradient and
 * all-reduce piece, copy it through loopback TCP and parse it again, and on a small machine that
 * work competes with the shards' own compute (2 embedded replicas of the CNN spent ~20 ms of CPU
 * per step in Artery's threads). A node that resolves a reference registered here gets the actor
 * itself, and its {@code tell} only enqueues the message: the messages are immutable protobufs,
 * built from fresh copies of the tensors (TensorCodec), so sharing them is safe.
 *
 * <p>Only data-path actors register; membership, failure detection, death watch and the driver's
 * control messages to guardians stay on Artery. A node whose system is stopped takes its actors'
 * entries with it (each unregisters when it stops), so messages to it go nowhere, as messages to
 * a dead remote node do; so do messages to an actor that stopped before its spawner registered
 * it. {@code partita.runtime.same-process-delivery = off} (RuntimeSettings)
 * sends everything through Artery.
 */
public final class SameProcessRefs {
  public static final String ENABLED = "partita.runtime.same-process-delivery";

  private static final ConcurrentHashMap<String, ActorRef<?>> REFS = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<String, Consumer<Message>> SINKS = new ConcurrentHashMap<>();
  private static final AtomicLong HITS = new AtomicLong();
  private static final AtomicLong MISSES = new AtomicLong();

  private SameProcessRefs() {}

  /**
   * Makes {@code ref} reachable in-process under its reference string; returns the key to
   * {@link #unregister}. The spawner registers, right after {@code spawn} returns and before it
   * hands the reference to anyone: an actor's own setup runs later, on its dispatcher, and a node
   * that resolved the reference before then got Artery's route for the whole session (one in three
   * runs of 2 embedded MLP replicas did, at 2.6 ms per step instead of 1.5).
   */
  public static String register(ActorSystem<?> system, ActorRef<?> ref) {
    String key = keyOf(system, ref);
    REFS.put(key, ref);
    return key;
  }

  /** The key {@code ref} is registered under, for the actor to {@link #unregister} itself when it stops. */
  public static String keyOf(ActorSystem<?> system, ActorRef<?> ref) {
    return ActorRefResolver.get(system).toSerializationFormat(ref);
  }

  public static void unregister(String key) {
    REFS.remove(key);
    SINKS.remove(key);
  }

  /**
   * Also lets senders in this JVM skip the actor registered under {@code key} and hand its wire
   * messages to {@code sink} themselves: for an actor that only passes them on to a queue (the
   * driver's inbox), that saves a wake-up of a dispatcher thread per message.
   */
  public static void registerSink(String key, Consumer<Message> sink) {
    SINKS.put(key, sink);
  }

  /** The sink registered for {@code serialized} when it lives in this JVM and delivery is on, else null. */
  public static Consumer<Message> sink(ActorSystem<?> system, String serialized) {
    return enabled(system.settings().config()) ? SINKS.get(serialized) : null;
  }

  /**
   * The actor behind {@code serialized}: itself when it lives in this JVM and {@code system} has
   * same-process delivery on, else the reference Artery resolves.
   */
  @SuppressWarnings("unchecked")
  public static <T> ActorRef<T> resolve(ActorSystem<?> system, String serialized) {
    if (enabled(system.settings().config())) {
      ActorRef<?> local = REFS.get(serialized);
      if (local != null) {
        HITS.incrementAndGet();
        return (ActorRef<T>) local;
      }
      MISSES.incrementAndGet();
    }
    return ActorRefResolver.get(system).resolveActorRef(serialized);
  }

  /** How many resolutions found an actor of this JVM (for tests and diagnostics). */
  public static long hits() {
    return HITS.get();
  }

  /**
   * How many resolutions, with delivery on, found no actor of this JVM and went to Artery: in a
   * cluster whose nodes all share one JVM, any is a route that serializes for nothing.
   */
  public static long misses() {
    return MISSES.get();
  }

  static boolean enabled(Config config) {
    return config.hasPath(ENABLED) && config.getBoolean(ENABLED);
  }
}
