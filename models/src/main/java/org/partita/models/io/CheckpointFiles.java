package org.partita.models.io;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.partita.models.data.DataFormatException;
import org.partita.models.train.FaultPoint;
import org.partita.proto.CheckpointManifestProto;
import org.partita.proto.ShardFileRefProto;
import org.partita.proto.ShardIdProto;
import org.partita.proto.ShardStateProto;

/**
 * The checkpoint directory format: {@code manifest.pb} plus one {@code shard-rR-sS-pP-stepN.pb}
 * per shard. Every file is written to a temporary name, forced to disk and renamed; shard files
 * carry the step in their name, so a new checkpoint never overwrites the files the current
 * manifest names; the manifest — renamed into place last — records each shard file's size and
 * SHA-256, and only then are the files of older checkpoints deleted. A crash at any moment
 * therefore leaves the old complete checkpoint or the new complete one; a damaged or swapped
 * file is detected on reading and named.
 */
public final class CheckpointFiles {
  public static final String MANIFEST = "manifest.pb";

  private CheckpointFiles() {}

  public static String shardFileName(ShardIdProto shard, long step) {
    return "shard-r" + shard.getReplica() + "-s" + shard.getStage() + "-p" + shard.getSlice() + "-step" + step + ".pb";
  }

  /** Writes a shard's state atomically into {@code directory}; returns the reference for the manifest. */
  public static ShardFileRefProto writeShard(Path directory, ShardStateProto state) throws IOException {
    return writeShard(directory, state.getShard(), state.getStep(), state.getSerializedSize(), state::writeTo);
  }

  /**
   * {@link #writeShard(Path, ShardStateProto)} from a {@link StateStream}: the state goes to disk
   * piece by piece, its digest taken on the way, never held whole in memory.
   */
  public static ShardFileRefProto writeShard(Path directory, ShardIdProto shard, long step, StateStream state)
      throws IOException {
    return writeShard(directory, shard, step, state.size(), state::writeTo);
  }

  private interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  private static ShardFileRefProto writeShard(Path directory, ShardIdProto shard, long step, long expectedSize,
      Content content) throws IOException {
    String name = shardFileName(shard, step);
    Path file = directory.resolve(name);
    MessageDigest digest = sha256();
    long[] size = {0};
    writeAtomically(file, out -> {
      OutputStream counted = new FilterOutputStream(new DigestOutputStream(out, digest)) {
        private boolean halfReached;

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
          this.out.write(bytes, offset, length);
          counted(length);
        }

        @Override
        public void write(int b) throws IOException {
          this.out.write(b);
          counted(1);
        }

        /** The fault point for tests that kill a writer mid-file: half the bytes on disk. */
        private void counted(int length) throws IOException {
          size[0] += length;
          if (!halfReached && size[0] >= expectedSize / 2) {
            halfReached = true;
            flush();
            FaultPoint.reach(FaultPoint.Moment.CHECKPOINT_WRITE, step, file);
          }
        }
      };
      content.writeTo(counted);
      counted.flush();
    });
    return ShardFileRefProto.newBuilder().setShard(shard).setFileName(name).setSizeBytes(size[0])
        .setSha256(ByteString.copyFrom(digest.digest())).build();
  }

  /**
   * Writes the manifest atomically — after every shard file it names is on disk — then deletes the
   * shard files of earlier checkpoints in the directory, which no manifest names any more.
   */
  public static void writeManifest(Path directory, CheckpointManifestProto manifest) throws IOException {
    Path target = directory.resolve(MANIFEST);
    byte[] bytes = manifest.toByteArray();
    int half = bytes.length / 2;
    writeAtomically(target, out -> {
      out.write(bytes, 0, half);
      out.flush();
      FaultPoint.reach(FaultPoint.Moment.CHECKPOINT_WRITE, manifest.getStep(), target);
      out.write(bytes, half, bytes.length - half);
    });
    java.util.Set<String> current = new java.util.HashSet<>();
    manifest.getShardsList().forEach(shard -> current.add(shard.getFileName()));
    try (var files = Files.list(directory)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        if (name.startsWith("shard-") && name.endsWith(".pb") && !current.contains(name)) {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  public static CheckpointManifestProto readManifest(Path directory) throws IOException {
    Path file = directory.resolve(MANIFEST);
    byte[] bytes = readAll(file, "checkpoint manifest");
    CheckpointManifestProto manifest = parse(file, bytes, CheckpointManifestProto.parser());
    // created_unix_millis has the highest field number, so the writer puts it last: a manifest cut
    // between two fields still parses, but without it. Every Partita manifest has it.
    if (manifest.getCreatedUnixMillis() == 0) {
      throw new DataFormatException(file, bytes.length == 0 ? "checkpoint manifest is empty"
          : "checkpoint manifest ends before its last field (created_unix_millis); the file is truncated");
    }
    try {
      SpecProtos.checkVersion(manifest.getFormatVersion(), "checkpoint manifest");
    } catch (IllegalArgumentException e) {
      throw new DataFormatException(file, e.getMessage(), e);
    }
    return manifest;
  }

  /** Reads a shard file and checks it against its manifest entry (size, SHA-256, shard id, version). */
  public static ShardStateProto readShard(Path directory, ShardFileRefProto reference) throws IOException {
    Path file = directory.resolve(reference.getFileName());
    if (!file.normalize().startsWith(directory.normalize())) {
      throw new DataFormatException(file, "shard file name in the manifest leaves the checkpoint directory");
    }
    byte[] bytes = readAll(file, "checkpoint shard file");
    if (bytes.length != reference.getSizeBytes()) {
      throw new DataFormatException(file, "has " + bytes.length + " bytes but the manifest records "
          + reference.getSizeBytes() + "; the file is truncated or from another checkpoint");
    }
    byte[] digest = sha256(bytes);
    if (!ByteString.copyFrom(digest).equals(reference.getSha256())) {
      throw new DataFormatException(file, "SHA-256 " + HexFormat.of().formatHex(digest) + " does not match the "
          + "manifest's " + HexFormat.of().formatHex(reference.getSha256().toByteArray()) + "; the file is corrupt");
    }
    ShardStateProto state = parse(file, bytes, ShardStateProto.parser());
    try {
      SpecProtos.checkVersion(state.getFormatVersion(), "shard state");
    } catch (IllegalArgumentException e) {
      throw new DataFormatException(file, e.getMessage(), e);
    }
    if (!state.getShard().equals(reference.getShard())) {
      throw new DataFormatException(file, "holds shard " + state.getShard().toString().replace('\n', ' ')
          + " but the manifest lists it for " + reference.getShard().toString().replace('\n', ' '));
    }
    return state;
  }

  private static <T extends MessageLite> T parse(Path file, byte[] bytes, com.google.protobuf.Parser<T> parser)
      throws DataFormatException {
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new DataFormatException(file, "is not a valid checkpoint file (" + e.getMessage() + ")", e);
    }
  }

  private static byte[] readAll(Path file, String what) throws IOException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new DataFormatException(file, what + " not found", e);
    }
  }

  /**
   * temp file → force → rename over the target → force the directory, so the rename is durable:
   * readers see the old file or the new one, never half of one. Used for every file Partita persists.
   */
  public static void writeAtomically(Path target, byte[] bytes) throws IOException {
    writeAtomically(target, out -> out.write(bytes));
  }

  private static void writeAtomically(Path target, Content content) throws IOException {
    Path directory = target.toAbsolutePath().getParent();
    Files.createDirectories(directory);
    Path temporary = Files.createTempFile(directory, "." + target.getFileName() + ".", ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        content.writeTo(out);
        out.flush();
        channel.force(true);
      }
      try {
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException(target + ": the file system cannot rename atomically, so checkpoints cannot be "
            + "written safely here", e);
      }
      try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
        dir.force(true);
      } catch (IOException ignored) {
        // Some file systems cannot open a directory for syncing; the rename itself has happened.
      }
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  static byte[] sha256(byte[] bytes) {
    return sha256().digest(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
