package org.partita.it;

import akka.actor.AbstractActor;
import akka.actor.ActorRef;
import akka.actor.ActorSystem;
import akka.actor.ExtendedActorSystem;
import akka.actor.Props;
import akka.serialization.SerializerWithStringManifest;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.TlsSettings;
import org.partita.runtime.node.NodeSystems;
import org.partita.runtime.wire.WireSerializer;

/**
 * A peer that the cluster trusts (its certificate is signed by the cluster's CA) but that sends
 * what no Partita node sends: frames it forges under {@link WireSerializer}'s serializer id with any
 * manifest and any payload ({@link Forged}), and Java-serialized objects ({@link JavaObject}, Akka's
 * JavaSerializer, which it has switched on). It runs Artery over the same TLS as the nodes but is
 * no cluster member (provider "remote"). Whatever reaches its inbox — a node's replies, still
 * encoded — lands in a queue.
 */
public final class RoguePeer implements AutoCloseable {
  private static final Duration STOP_WAIT = Duration.ofSeconds(15);
  private final ActorSystem system;
  private final ActorRef inbox;
  private final BlockingQueue<Forged> received = new LinkedBlockingQueue<>();

  /** A frame as it travels: a manifest and payload bytes under WireSerializer's id. */
  public record Forged(String manifest, byte[] payload) {}

  /** Any Java-serializable object, for a message a node must never deserialize. */
  public record JavaObject(String note) implements Serializable {}

  /** Writes and reads {@link Forged} frames verbatim, under WireSerializer's identifier. */
  public static final class ForgingSerializer extends SerializerWithStringManifest {
    public ForgingSerializer(ExtendedActorSystem system) {}

    @Override
    public int identifier() {
      return WireSerializer.IDENTIFIER;
    }

    @Override
    public String manifest(Object message) {
      return ((Forged) message).manifest();
    }

    @Override
    public byte[] toBinary(Object message) {
      return ((Forged) message).payload();
    }

    @Override
    public Object fromBinary(byte[] bytes, String manifest) {
      return new Forged(manifest, bytes);
    }
  }

  private static final class Collector extends AbstractActor {
    private final BlockingQueue<Forged> received;

    Collector(BlockingQueue<Forged> received) {
      this.received = received;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder().match(Forged.class, received::add).build();
    }
  }

  private RoguePeer(ActorSystem system) {
    this.system = system;
    this.inbox = system.actorOf(Props.create(Collector.class, () -> new Collector(received)), "inbox");
  }

  /** Starts on a free loopback port with {@code tls}: a key store the cluster's CA signed. */
  static RoguePeer start(TlsSettings tls) {
    Config forging = ConfigFactory.parseString(String.join("\n",
        "akka.actor.provider = remote",
        "akka.actor.allow-java-serialization = on",
        "akka.actor.warn-about-java-serializer-usage = off",
        "akka.actor.serializers.partita-wire = \"" + ForgingSerializer.class.getName() + "\"",
        "akka.actor.serialization-bindings {",
        "  \"" + Forged.class.getName() + "\" = partita-wire",
        "  \"" + JavaObject.class.getName() + "\" = java",
        "}"));
    Config node = NodeSystems.config("rogue", "127.0.0.1", 0, List.of(), RuntimeSettings.defaults().withTls(tls));
    return new RoguePeer(ActorSystem.create("rogue", forging.withFallback(node)));
  }

  /** The inbox in Akka's string form, for the reply_to fields of requests. */
  String inboxRef() {
    return inbox.path().toSerializationFormatWithAddress(((ExtendedActorSystem) system).provider().getDefaultAddress());
  }

  /** Sends {@code message} to the actor at {@code path} (e.g. "akka://partita@127.0.0.1:4711/user"). */
  void send(String path, Object message) {
    ((ExtendedActorSystem) system).provider().resolveActorRef(path).tell(message, inbox);
  }

  /** The next frame that reached the inbox within {@code timeout}, or null. */
  Forged nextReceived(Duration timeout) throws InterruptedException {
    return received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Terminates the peer's ActorSystem. Akka's TLS transport sometimes does not finish terminating
   * (akka/akka-core#29162, open); the peer is only this test's tool, so that is said, not failed on,
   * and its threads end with the test JVM.
   */
  @Override
  public void close() throws InterruptedException {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      System.out.println("rogue peer's ActorSystem did not terminate within " + STOP_WAIT.toSeconds() + " s: " + e);
    }
  }
}
