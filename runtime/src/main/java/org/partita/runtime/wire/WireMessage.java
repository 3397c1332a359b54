package org.partita.runtime.wire;

import com.google.protobuf.Message;

/**
 * A protobuf message on its way to one kind of actor. Every actor message that can cross nodes
 * implements this and is serialized by {@link WireSerializer} (bound in partita-node.conf); the
 * protobuf is the whole payload.
 */
public interface WireMessage {
  Message proto();

  /** Which kind of actor receives it, so the receiving node can rebuild the right envelope. */
  Destination destination();

  enum Destination { SHARD, DRIVER, NODE }
}
