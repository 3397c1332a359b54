package org.partita.runtime;

/**
 * Messages of {@code payloadBytes} tensor bytes sent from the driver to {@code worker} through the
 * runtime (protobuf, serializer, Artery, decode on arrival), at most {@code window} unacknowledged
 * at a time; {@code seconds} from the first send to the last acknowledgement.
 */
public record LinkMeasurement(String worker, int payloadBytes, int messages, int window, double seconds) {
  public double bytesPerSecond() {
    return (double) payloadBytes * messages / seconds;
  }

  /** Wall time per message; with a window of 1 this is the round trip of one message and its ack. */
  public double secondsPerMessage() {
    return seconds / messages;
  }
}
