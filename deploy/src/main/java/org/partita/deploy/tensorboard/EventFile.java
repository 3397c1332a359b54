package org.partita.deploy.tensorboard;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import org.partita.proto.TensorBoardEventProto;
import org.partita.proto.TensorBoardSummaryProto;

/**
 * A TensorBoard event file: {@code DIR/events.out.tfevents.<unix seconds>.<host>}, a sequence of
 * TFRecords each holding one {@link TensorBoardEventProto}; the first says the file's version, the
 * others hold scalar summaries. A record is its length (uint64, little-endian), the masked CRC-32C
 * of those 8 bytes, the data, and the masked CRC-32C of the data — so a reader can tell a record
 * cut short by a crash from a whole one. Writes are buffered; {@link #flush} makes them visible to a
 * TensorBoard reading the file while the run goes on.
 *
 * <p>Threading: one writer at a time.
 */
public final class EventFile implements AutoCloseable {
  /** What TensorBoard expects in the first record. */
  public static final String FILE_VERSION = "brain.Event:2";
  private static final int MASK_DELTA = 0xa282ead8;

  /** One value of a summary: the chart ({@code tag}) and its y at the record's step. */
  public record Scalar(String tag, double value) {}

  private final Path path;
  private final OutputStream out;
  private final ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
  private final ByteBuffer footer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);

  private EventFile(Path path, OutputStream out) {
    this.path = path;
    this.out = out;
  }

  /** Creates the directory and a new file in it named as TensorBoard looks for, and writes the version record. */
  public static EventFile create(Path directory) throws IOException {
    Files.createDirectories(directory);
    long now = System.currentTimeMillis();
    Path path = directory.resolve("events.out.tfevents." + now / 1000 + "." + hostName());
    EventFile file = new EventFile(path, new BufferedOutputStream(Files.newOutputStream(path), 1 << 16));
    file.record(TensorBoardEventProto.newBuilder().setWallTime(now / 1e3).setFileVersion(FILE_VERSION).build());
    return file;
  }

  public Path path() {
    return path;
  }

  /** One event at optimizer step {@code step}, wall time now, holding {@code scalars}. */
  public void scalars(long step, List<Scalar> scalars) throws IOException {
    TensorBoardSummaryProto.Builder summary = TensorBoardSummaryProto.newBuilder();
    for (Scalar scalar : scalars) {
      if (Double.isFinite(scalar.value())) {
        summary.addValue(TensorBoardSummaryProto.Value.newBuilder().setTag(scalar.tag())
            .setSimpleValue((float) scalar.value()));
      }
    }
    record(TensorBoardEventProto.newBuilder().setWallTime(System.currentTimeMillis() / 1e3).setStep(step)
        .setSummary(summary).build());
  }

  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  private void record(TensorBoardEventProto event) throws IOException {
    byte[] data = event.toByteArray();
    header.clear();
    header.putLong(data.length);
    header.putInt(maskedCrc32c(header.array(), 0, 8));
    out.write(header.array(), 0, 12);
    out.write(data);
    footer.clear();
    footer.putInt(maskedCrc32c(data, 0, data.length));
    out.write(footer.array(), 0, 4);
  }

  /**
   * CRC-32C of the bytes, rotated right by 15 bits plus a constant: TFRecord's mask, so that a
   * checksum of data that holds checksums does not look like a valid one.
   */
  public static int maskedCrc32c(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    int value = (int) crc.getValue();
    return ((value >>> 15) | (value << 17)) + MASK_DELTA;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
