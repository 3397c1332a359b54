package org.partita.runtime.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.Behaviors;
import org.partita.models.tensor.TensorCodec;
import org.partita.proto.LinkProbeProto;
import org.partita.proto.LinkProbeReplyProto;
import org.partita.runtime.driver.DriverInbox;

/**
 * Answers link probes: decodes each payload into floats, as a shard decodes activations, and
 * acknowledges it. It lives under /user like shard actors, so probes take the same large-message
 * lane and measure what activations and gradients see.
 */
final class LinkEcho {
  static final String NAME = "link-echo";

  private LinkEcho() {}

  static Behavior<NodeGuardian.Command> create(String node) {
    return Behaviors.setup(context -> {
      // Reached in-process from a driver in this JVM, as shards are; the guardian registers it.
      String sameProcessKey = SameProcessRefs.keyOf(context.getSystem(), context.getSelf());
      float[][] decoded = {new float[0]};
      return Behaviors.receive(NodeGuardian.Command.class)
          .onMessage(NodeGuardian.Wire.class, wire -> {
            if (!(wire.proto() instanceof LinkProbeProto probe)) {
              context.getLog().warn("link echo of {} ignores {}", node, wire.proto().getDescriptorForType().getName());
              return Behaviors.same();
            }
            LinkProbeReplyProto.Builder reply = LinkProbeReplyProto.newBuilder().setSequence(probe.getSequence())
                .setNode(node);
            try {
              int elements = Math.toIntExact(TensorCodec.elementCount(probe.getPayload(), "link probe payload"));
              if (decoded[0].length < elements) {
                decoded[0] = new float[elements];
              }
              TensorCodec.decodeInto(probe.getPayload(), decoded[0], 0, elements,
                  "link probe " + probe.getSequence() + " on " + node);
            } catch (RuntimeException e) {
              reply.setError(e.getMessage());
            }
            ActorRef<DriverInbox.Command> replyTo = SameProcessRefs.resolve(context.getSystem(), probe.getReplyTo());
            replyTo.tell(new DriverInbox.Wire(reply.build()));
            return Behaviors.same();
          })
          .onSignal(PostStop.class, stop -> {
            SameProcessRefs.unregister(sameProcessKey);
            return Behaviors.same();
          })
          .build();
    });
  }
}
