package org.partita.runtime.driver;

import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.Behaviors;
import com.google.protobuf.Message;
import java.util.concurrent.BlockingQueue;
import org.partita.runtime.node.SameProcessRefs;
import org.partita.runtime.wire.WireMessage;

/**
 * The driver's mailbox for one session: every message shards and nodes send to the driver is put
 * on a queue that the session's thread polls with a deadline. The driver's logic stays plain
 * sequential Java (TrainingSession); this actor only gives it an address.
 */
public final class DriverInbox {
  private DriverInbox() {}

  public interface Command {}

  public record Wire(Message proto) implements Command, WireMessage {
    @Override
    public Destination destination() {
      return Destination.DRIVER;
    }
  }

  /** The session is over (local only). */
  record Stop() implements Command {}

  public static Behavior<Command> create(BlockingQueue<Message> queue) {
    return Behaviors.setup(context -> {
      // Shards in this JVM send here directly until the inbox stops; DriverNode registers it.
      String sameProcessKey = SameProcessRefs.keyOf(context.getSystem(), context.getSelf());
      return Behaviors.receive(Command.class)
          .onMessage(Wire.class, wire -> {
            queue.add(wire.proto());
            return Behaviors.same();
          })
          .onMessage(Stop.class, stop -> Behaviors.stopped())
          .onSignal(PostStop.class, stop -> {
            SameProcessRefs.unregister(sameProcessKey);
            return Behaviors.same();
          })
          .build();
    });
  }
}
