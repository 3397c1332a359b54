package org.partita.bench;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.partita.models.tensor.TensorCodec;
import org.partita.proto.LinkProbeProto;
import org.partita.runtime.LinkMeasurement;
import org.partita.runtime.TlsSettings;
import org.partita.runtime.node.ShardActor;
import org.partita.runtime.node.ShardLinks;

/**
 * Two {@link ShardLinks} on loopback, the way two TLS worker nodes use them: tensors sent from one
 * to an actor behind the other, which decodes each into floats (as a shard does, and as the link
 * echo does for the Artery rows). Acknowledgements do not travel back over the network: the
 * receiving actor frees a window slot in this process, so a window of 1 times one way, not a
 * round trip.
 */
final class ShardLinkPair implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(120);

  private final ShardLinks sender;
  private final ShardLinks receiver;
  private final ActorSystem<Void> system;
  private final String targetRef;
  private final Semaphore window = new Semaphore(0);

  ShardLinkPair(TlsSettings tls) {
    sender = ShardLinks.start("bench-sender", "127.0.0.1", 0, tls, 64L << 20);
    receiver = ShardLinks.start("bench-receiver", "127.0.0.1", 0, tls, 64L << 20);
    float[][] decoded = {new float[0]};
    akka.actor.typed.Behavior<ShardActor.Command> sink = Behaviors.receive(ShardActor.Command.class)
        .onMessage(ShardActor.Wire.class, wire -> {
          LinkProbeProto probe = (LinkProbeProto) wire.proto();
          int elements = Math.toIntExact(TensorCodec.elementCount(probe.getPayload(), "link probe payload"));
          if (decoded[0].length < elements) {
            decoded[0] = new float[elements];
          }
          TensorCodec.decodeInto(probe.getPayload(), decoded[0], 0, elements, "link probe " + probe.getSequence());
          window.release();
          return Behaviors.same();
        }).build();
    // Links deliver to actors under /user, as shards are: the sink is the guardian's child.
    CompletableFuture<ActorRef<ShardActor.Command>> spawned = new CompletableFuture<>();
    system = ActorSystem.create(Behaviors.setup(context -> {
      spawned.complete(context.spawn(sink, "bench-sink"));
      return Behaviors.empty();
    }), "partita", ConfigFactory.parseString("akka.actor.provider = local\nakka.loglevel = WARNING"));
    receiver.deliverTo(system);
    targetRef = ActorRefResolver.get(system).toSerializationFormat(spawned.join());
  }

  LinkMeasurement measure(int payloadBytes, int messages, int inFlight) throws InterruptedException {
    LinkProbeProto.Builder probe = LinkProbeProto.newBuilder()
        .setPayload(TensorCodec.encode(new float[payloadBytes / Float.BYTES], 0, 1, payloadBytes / Float.BYTES));
    window.drainPermits();
    window.release(inFlight);
    long start = System.nanoTime();
    for (int i = 0; i < messages; i++) {
      if (!window.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("shard link: message " + i + " of " + messages + " not delivered within "
            + WAIT.toSeconds() + " s");
      }
      sender.send(receiver.endpoint(), targetRef, probe.setSequence(i).build());
    }
    if (!window.tryAcquire(inFlight, WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("shard link: the last messages were not delivered within " + WAIT.toSeconds()
          + " s");
    }
    return new LinkMeasurement("shard link", payloadBytes, messages, inFlight, (System.nanoTime() - start) / 1e9);
  }

  @Override
  public void close() {
    sender.close();
    receiver.close();
    system.terminate();
  }
}
