package org.partita.runtime.wire;

import com.google.protobuf.Message;

/**
 * The largest message a node sends. Checked by the sender because Artery drops an oversized
 * message with only a log line on the sending node, and the receiver waits in vain.
 */
public final class MessageLimit {
  private MessageLimit() {}

  /** Refuses a message over {@code maxBytes}, naming its type, size and receiver. */
  public static void check(Message message, String to, long maxBytes) {
    long size = message.getSerializedSize();
    if (size > maxBytes) {
      throw new IllegalArgumentException(message.getDescriptorForType().getName() + " to " + to + " is "
          + String.format(java.util.Locale.ROOT, "%.1f MiB", size / 1048576.0) + ", over the " + (maxBytes >> 20)
          + " MiB message limit; use more micro-batches or raise the limit (--max-message)");
    }
  }
}
