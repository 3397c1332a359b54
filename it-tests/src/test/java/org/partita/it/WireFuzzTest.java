package org.partita.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.WireFormat;
import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.partita.runtime.wire.WireMessage;
import org.partita.runtime.wire.WireSerializer;

/**
 * Fuzzes the one deserializer of every message between nodes, {@link WireSerializer#fromBinary},
 * with 10,000 frames under every manifest it accepts (each destination × each message type of
 * runtime.proto) and some it must refuse: random byte strings (0 and 1 bytes, up to 64 KiB),
 * fields declaring huge lengths, deeply nested groups, and mutations of valid encoded messages of
 * every type (bit flips, truncations, extensions, byte edits, tags with other field numbers or
 * wire types, inflated lengths, splices, and frames under another type's manifest). Each frame is
 * decoded from a heap buffer between other bytes (the aliasing path) and from a direct buffer.
 * Each must decode to the manifest's message — the same one both ways, the same one protobuf's
 * own strict parser reads from the bytes — or be refused with NotSerializableException naming the
 * manifest; any other Throwable (OutOfMemoryError, StackOverflowError, …) fails the test. The
 * seed is fixed and printed; the whole run has a deadline and the slowest frame is reported.
 */
class WireFuzzTest {
  private static final long SEED = 0x5EC0_2025L;
  private static final int FRAMES = 10_000;
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final List<String> DESTINATIONS = List.of("SHARD", "DRIVER", "NODE");
  /** Manifests a node must refuse whatever the bytes. */
  private static final List<String> FOREIGN_MANIFESTS = List.of("", "|", "SHARD|", "|partita.LayerOutputProto",
      "SHARD|partita.TensorProto", "SHARD|com.example.Exploit", "NOWHERE|partita.LayerOutputProto",
      "shard|partita.LayerOutputProto", "SHARD|partita.LayerOutputProto|x", "java.util.HashMap");

  private final WireSerializer serializer = new WireSerializer(null);
  private final Map<String, Message> samples = runtimeSamples(new Random(SEED));
  private final List<String> typeNames = new ArrayList<>(samples.keySet());
  private volatile String current = "(not started)";

  /** A frame and where it came from. */
  private record Frame(String category, String manifest, byte[] bytes, String how) {
    String describe() {
      String hex = HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 48));
      return category + " (" + how + ") under '" + manifest + "', " + bytes.length + " bytes: " + hex
          + (bytes.length > 48 ? "…" : "");
    }
  }

  private static final class Tally {
    int frames;
    int accepted;
    int refused;
  }

  @Test
  void tenThousandRandomAndMutatedFramesAreDecodedOrRefusedByName() throws Exception {
    System.out.println("wire fuzz: seed " + SEED + ", " + FRAMES + " frames, " + samples.size()
        + " message types × " + DESTINATIONS.size() + " destinations");
    ExecutorService runner = Executors.newSingleThreadExecutor(task -> {
      Thread thread = new Thread(task, "wire-fuzz");
      thread.setDaemon(true); // a frame that hangs the parser must not keep the test JVM alive
      return thread;
    });
    Map<String, Tally> tallies = new LinkedHashMap<>();
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    long[] slowest = {0};
    String[] slowestFrame = {""};
    long start = System.nanoTime();
    Future<?> run = runner.submit(() -> {
      Random random = new Random(SEED);
      for (int i = 0; i < FRAMES; i++) {
        Frame frame = frame(i, random);
        current = "frame " + i + ": " + frame.describe();
        long began = System.nanoTime();
        boolean accepted = decode(frame, failures);
        long took = System.nanoTime() - began;
        if (took > slowest[0]) {
          slowest[0] = took;
          slowestFrame[0] = current;
        }
        Tally tally = tallies.computeIfAbsent(frame.category(), category -> new Tally());
        tally.frames++;
        if (accepted) {
          tally.accepted++;
        } else {
          tally.refused++;
        }
      }
    });
    try {
      run.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      run.cancel(true);
      throw new AssertionError("the fuzz run did not finish within " + DEADLINE.toSeconds() + " s; at " + current);
    } catch (ExecutionException e) {
      throw new AssertionError("the fuzz loop itself failed at " + current, e.getCause());
    } finally {
      runner.shutdownNow();
    }
    double seconds = (System.nanoTime() - start) / 1e9;

    int accepted = 0;
    int refused = 0;
    System.out.println(String.format("%-22s %7s %9s %8s", "category", "frames", "accepted", "refused"));
    for (Map.Entry<String, Tally> entry : tallies.entrySet()) {
      Tally tally = entry.getValue();
      System.out.println(String.format("%-22s %7d %9d %8d", entry.getKey(), tally.frames, tally.accepted,
          tally.refused));
      accepted += tally.accepted;
      refused += tally.refused;
    }
    System.out.printf("wire fuzz: %d frames in %.1f s, accepted %d, refused %d, failures %d; slowest %.2f ms (%s)%n",
        FRAMES, seconds, accepted, refused, failures.size(), slowest[0] / 1e6, slowestFrame[0]);
    assertTrue(failures.isEmpty(), failures.size() + " frames broke the contract, e.g.:\n"
        + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
    assertEquals(FRAMES, accepted + refused, "every frame is counted once");
  }

  /**
   * Decodes {@code frame} both ways and checks the contract; true if it was accepted. A breach is
   * added to {@code failures} (and counted as refused).
   */
  private boolean decode(Frame frame, List<String> failures) {
    Object heap;
    Object direct;
    try {
      heap = outcome(frame, false);
      direct = outcome(frame, true);
    } catch (Throwable e) {
      failures.add(frame.describe() + ": threw " + e);
      return false;
    }
    Message strict = strictParse(frame);
    if (heap instanceof NotSerializableException || direct instanceof NotSerializableException) {
      for (Object refusal : new Object[] {heap, direct}) {
        if (!(refusal instanceof NotSerializableException refused)) {
          failures.add(frame.describe() + ": one buffer refused it, the other decoded " + refusal);
        } else if (!refused.getMessage().contains("'" + frame.manifest() + "'")
            && !refused.getMessage().contains(frame.manifest() + ":")) {
          failures.add(frame.describe() + ": the refusal does not name the manifest: " + refused.getMessage());
        }
      }
      if (strict != null) {
        failures.add(frame.describe() + ": refused, but protobuf's own parser reads " + strict);
      }
      return false;
    }
    WireMessage fromHeap = (WireMessage) heap;
    WireMessage fromDirect = (WireMessage) direct;
    String expected = frame.manifest();
    if (!serializer.manifest(fromHeap).equals(expected)) {
      failures.add(frame.describe() + ": decoded as " + serializer.manifest(fromHeap));
    } else if (!fromHeap.proto().equals(fromDirect.proto())) {
      failures.add(frame.describe() + ": heap and direct buffers decode differently");
    } else if (strict == null) {
      failures.add(frame.describe() + ": accepted, but protobuf's own parser refuses these bytes");
    } else if (!strict.equals(fromHeap.proto())) {
      failures.add(frame.describe() + ": accepted as something else than protobuf's own parser reads");
    }
    return true;
  }

  /** What fromBinary returns, or the NotSerializableException it throws; anything else propagates. */
  private Object outcome(Frame frame, boolean direct) throws Exception {
    ByteBuffer buffer;
    if (direct) {
      buffer = ByteBuffer.allocateDirect(frame.bytes().length);
      buffer.put(frame.bytes()).flip();
    } else {
      // Between other bytes, as in a transport frame: a decoder that reads outside its slice shows.
      byte[] padded = new byte[7 + frame.bytes().length + 5];
      java.util.Arrays.fill(padded, (byte) 0x0a);
      System.arraycopy(frame.bytes(), 0, padded, 7, frame.bytes().length);
      buffer = ByteBuffer.wrap(padded, 7, frame.bytes().length);
    }
    try {
      return serializer.fromBinary(buffer, frame.manifest());
    } catch (NotSerializableException refused) {
      return refused;
    }
  }

  /** The manifest's type parsed by its generated parser from a byte array (the strict path), or null. */
  private Message strictParse(Frame frame) {
    int bar = frame.manifest().indexOf('|');
    if (bar < 0 || !DESTINATIONS.contains(frame.manifest().substring(0, bar))) {
      return null;
    }
    Message sample = samples.get(frame.manifest().substring(bar + 1));
    if (sample == null) {
      return null;
    }
    try {
      return sample.getParserForType().parseFrom(frame.bytes());
    } catch (InvalidProtocolBufferException refused) {
      return null;
    }
  }

  // ---- frames ----

  /** Frame {@code i}: about a fifth random, the rest mutations of valid messages of every type. */
  private Frame frame(int i, Random random) {
    String type = typeNames.get(i % typeNames.size());
    String manifest = DESTINATIONS.get(random.nextInt(DESTINATIONS.size())) + "|" + type;
    byte[] valid = samples.get(type).toByteArray();
    int kind = i % 20;
    return switch (kind) {
      case 0, 1, 2 -> randomBytes(random, manifest);
      case 3 -> new Frame("random/foreign", FOREIGN_MANIFESTS.get(random.nextInt(FOREIGN_MANIFESTS.size())),
          bytes(random, random.nextInt(64)), "random bytes");
      case 4 -> hugeLength(random, manifest);
      case 5 -> deepNesting(random, manifest);
      case 6, 7 -> bitFlips(random, manifest, valid);
      case 8 -> new Frame("truncated", manifest, java.util.Arrays.copyOf(valid, random.nextInt(Math.max(1,
          valid.length))), "cut to a shorter prefix");
      case 9 -> extended(random, manifest, valid);
      case 10, 11 -> byteEdit(random, manifest, valid);
      case 12, 13 -> tagRewrite(random, manifest, valid);
      case 14 -> inflatedLength(random, manifest, valid);
      case 15 -> splice(random, manifest, valid);
      case 16 -> otherManifest(random, valid, type);
      default -> bitFlips(random, manifest, valid);
    };
  }

  private static Frame randomBytes(Random random, String manifest) {
    int pick = random.nextInt(10);
    int length = switch (pick) {
      case 0 -> 0;
      case 1 -> 1;
      case 2, 3, 4 -> 2 + random.nextInt(32);
      case 5, 6, 7 -> random.nextInt(4096);
      default -> random.nextInt(64 << 10);
    };
    return new Frame("random", manifest, bytes(random, length), "random bytes");
  }

  /** A length-delimited field (random number) declaring up to 2^64-1 bytes with a few following. */
  private static Frame hugeLength(Random random, String manifest) {
    long[] lengths = {Integer.MAX_VALUE, 1L << 31, 0xffff_ffffL, 1L << 32, Long.MAX_VALUE, -1L, Integer.MIN_VALUE,
        (64L << 20) + 1};
    long length = lengths[random.nextInt(lengths.length)];
    int field = 1 + random.nextInt(9);
    return new Frame("huge-length", manifest, HostileFrames.declaredLength(field, length, bytes(random,
        random.nextInt(16))), "field " + field + " declares " + Long.toUnsignedString(length) + " bytes");
  }

  /** Start-group tags nested 10^3..10^5 deep, or length-delimited fields nested inside each other. */
  private static Frame deepNesting(Random random, String manifest) {
    int depth = new int[] {1_000, 10_000, 100_000}[random.nextInt(3)];
    int field = 1 + random.nextInt(9);
    if (random.nextBoolean()) {
      byte[] groups = new byte[depth];
      java.util.Arrays.fill(groups, (byte) HostileFrames.tag(field, WireFormat.WIRETYPE_START_GROUP));
      return new Frame("deep-nesting", manifest, groups, depth + " nested groups of field " + field);
    }
    byte[] nested = new byte[0];
    for (int level = 0; level < Math.min(depth, 2_000); level++) {
      nested = HostileFrames.declaredLength(field, nested.length, nested);
    }
    return new Frame("deep-nesting", manifest, nested, Math.min(depth, 2_000) + " nested length-delimited field "
        + field);
  }

  private static Frame bitFlips(Random random, String manifest, byte[] valid) {
    byte[] bytes = valid.clone();
    int flips = 1 + random.nextInt(8);
    for (int f = 0; f < flips && bytes.length > 0; f++) {
      bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
    }
    return new Frame("bit-flips", manifest, bytes, flips + " bits flipped");
  }

  private static Frame extended(Random random, String manifest, byte[] valid) {
    byte[] tail = bytes(random, 1 + random.nextInt(64));
    byte[] bytes = java.util.Arrays.copyOf(valid, valid.length + tail.length);
    System.arraycopy(tail, 0, bytes, valid.length, tail.length);
    return new Frame("extended", manifest, bytes, tail.length + " random bytes appended");
  }

  /** One byte changed, inserted or deleted. */
  private static Frame byteEdit(Random random, String manifest, byte[] valid) {
    int at = random.nextInt(valid.length + 1);
    byte value = (byte) random.nextInt(256);
    ByteBuffer edited = ByteBuffer.allocate(valid.length + 1);
    edited.put(valid, 0, at);
    String how;
    int edit = random.nextInt(3);
    if (edit == 0 && at < valid.length) {
      edited.put(value).put(valid, at + 1, valid.length - at - 1);
      how = "byte " + at + " set to " + (value & 0xff);
    } else if (edit == 1 && at < valid.length) {
      edited.put(valid, at + 1, valid.length - at - 1);
      how = "byte " + at + " deleted";
    } else {
      edited.put(value).put(valid, at, valid.length - at);
      how = "byte " + (value & 0xff) + " inserted at " + at;
    }
    return new Frame("byte-edit", manifest, java.util.Arrays.copyOf(edited.array(), edited.position()), how);
  }

  /** A top-level tag given another field number, or its own number with another wire type (0–7). */
  private static Frame tagRewrite(Random random, String manifest, byte[] valid) {
    List<Integer> positions = HostileFrames.tagPositions(valid);
    int position = positions.get(random.nextInt(positions.size()));
    int oldTag = HostileFrames.tagAt(valid, position);
    int field = WireFormat.getTagFieldNumber(oldTag);
    int tag;
    String how;
    if (random.nextBoolean()) {
      int renumbered = random.nextBoolean() ? 1 + random.nextInt(20) : 1 + random.nextInt((1 << 29) - 1);
      tag = HostileFrames.tag(renumbered, WireFormat.getTagWireType(oldTag));
      how = "field " + field + " renumbered " + renumbered;
    } else {
      int wireType = random.nextInt(8);
      tag = HostileFrames.tag(field, wireType);
      how = "field " + field + " given wire type " + wireType;
    }
    return new Frame("tag-rewrite", manifest, HostileFrames.withTag(valid, position, tag), how);
  }

  /** A length-delimited top-level field's length raised past the frame's end, or to a random 64-bit value. */
  private static Frame inflatedLength(Random random, String manifest, byte[] valid) {
    List<Integer> delimited = HostileFrames.tagPositions(valid).stream().filter(position ->
        WireFormat.getTagWireType(HostileFrames.tagAt(valid, position)) == WireFormat.WIRETYPE_LENGTH_DELIMITED)
        .toList();
    if (delimited.isEmpty()) {
      return bitFlips(random, manifest, valid);
    }
    int position = delimited.get(random.nextInt(delimited.size()));
    long length = random.nextBoolean() ? valid.length + random.nextInt(1 << 20) : random.nextLong();
    return new Frame("inflated-length", manifest, HostileFrames.withDeclaredLength(valid, position, length), "field "
        + WireFormat.getTagFieldNumber(HostileFrames.tagAt(valid, position)) + " declares "
        + Long.toUnsignedString(length) + " bytes");
  }

  /** The start of this valid frame joined to the end of another type's. */
  private Frame splice(Random random, String manifest, byte[] valid) {
    byte[] other = samples.get(typeNames.get(random.nextInt(typeNames.size()))).toByteArray();
    int head = random.nextInt(valid.length + 1);
    int tail = random.nextInt(other.length + 1);
    byte[] bytes = java.util.Arrays.copyOf(valid, head + other.length - tail);
    System.arraycopy(other, tail, bytes, head, other.length - tail);
    return new Frame("splice", manifest, bytes, head + " bytes of it + " + (other.length - tail) + " of another");
  }

  /** A valid frame of one type under another type's manifest. */
  private Frame otherManifest(Random random, byte[] valid, String type) {
    String other = typeNames.get(random.nextInt(typeNames.size()));
    return new Frame("other-manifest", DESTINATIONS.get(random.nextInt(DESTINATIONS.size())) + "|" + other, valid,
        "a valid " + type);
  }

  private static byte[] bytes(Random random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  // ---- valid samples ----

  /** A message of every type of runtime.proto with every field set (nested messages three levels deep). */
  private static Map<String, Message> runtimeSamples(Random random) {
    Map<String, Message> samples = new LinkedHashMap<>();
    for (Descriptor type : org.partita.proto.Runtime.getDescriptor().getMessageTypes()) {
      try {
        Message empty = (Message) Class.forName("org.partita.proto." + type.getName())
            .getMethod("getDefaultInstance").invoke(null);
        samples.put(type.getFullName(), filled(empty.newBuilderForType(), random, 0).build());
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("generated class of " + type.getFullName() + " not found", e);
      }
    }
    return samples;
  }

  private static Message.Builder filled(Message.Builder builder, Random random, int depth) {
    for (FieldDescriptor field : builder.getDescriptorForType().getFields()) {
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth >= 3) {
        continue;
      }
      int count = field.isRepeated() ? 1 + random.nextInt(3) : 1;
      for (int k = 0; k < count; k++) {
        Object value = field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
            ? filled(builder.newBuilderForField(field), random, depth + 1).build() : value(field, random);
        if (field.isRepeated()) {
          builder.addRepeatedField(field, value);
        } else {
          builder.setField(field, value);
        }
      }
    }
    return builder;
  }

  private static Object value(FieldDescriptor field, Random random) {
    return switch (field.getJavaType()) {
      case INT -> 1 + random.nextInt(1000);
      case LONG -> 1 + (long) random.nextInt(1 << 30) * 7;
      case FLOAT -> random.nextFloat();
      case DOUBLE -> random.nextDouble();
      case BOOLEAN -> true;
      case STRING -> "näme-" + random.nextInt(1000);
      case BYTE_STRING -> ByteString.copyFrom(bytes(random, 4 * (1 + random.nextInt(16))));
      case ENUM -> {
        List<EnumValueDescriptor> values = field.getEnumType().getValues();
        yield values.get(values.size() > 1 ? 1 + random.nextInt(values.size() - 1) : 0);
      }
      case MESSAGE -> throw new IllegalArgumentException("messages are filled recursively");
    };
  }
}
