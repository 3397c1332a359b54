package org.partita.deploy.tensorboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.optim.LearningRateSchedule;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.optim.UpdateRule;
import org.partita.models.train.EpochMetrics;
import org.partita.models.train.Evaluation;
import org.partita.models.train.StepMetrics;
import org.partita.proto.TensorBoardEventProto;
import org.partita.proto.TensorBoardSummaryProto;

/**
 * The event file read back as TensorBoard reads it: every record's length and data checksums
 * (TFRecord's masked CRC-32C, recomputed here from its definition), the version record first, then
 * one event per step and per epoch with the values given.
 */
class TensorBoardLogTest {
  @TempDir
  Path run;

  @Test
  void crc32cIsTheCastagnoliChecksum() {
    CRC32C crc = new CRC32C();
    crc.update("123456789".getBytes(StandardCharsets.US_ASCII));
    assertEquals(0xE3069283L, crc.getValue(), "the standard check value of CRC-32C");
    assertEquals(mask(0xE3069283), EventFile.maskedCrc32c("123456789".getBytes(StandardCharsets.US_ASCII), 0, 9));
  }

  @Test
  void stepsAndEpochsReadBackWithValidChecksums() throws Exception {
    OptimizerSpec optimizer = new OptimizerSpec(new UpdateRule.Sgd(), 0.1f,
        new LearningRateSchedule.Cosine(4, 0.001f, 0), 0, 0);
    Path file;
    try (TensorBoardLog log = TensorBoardLog.open(run, optimizer, message -> { throw new AssertionError(message); })) {
      file = log.path();
      for (int s = 0; s < 4; s++) {
        log.onStep(new StepMetrics(0, 1, s, 4, s + 1, 2.0 - 0.25 * s, 0.1 * s, 1000 + s));
      }
      log.onEpoch(new EpochMetrics(0, 1.5, 0.2, new Evaluation(1.25, 0.375, 100), 3.5));
    }
    assertEquals(run.resolve("tb"), file.getParent());
    assertTrue(file.getFileName().toString().startsWith("events.out.tfevents."), file.toString());

    List<TensorBoardEventProto> events = readRecords(Files.readAllBytes(file));
    assertEquals(6, events.size(), "the version, 4 steps, 1 epoch");
    assertEquals(EventFile.FILE_VERSION, events.get(0).getFileVersion());
    assertTrue(events.get(0).getWallTime() > 1.6e9, "seconds since 1970: " + events.get(0).getWallTime());
    for (int s = 0; s < 4; s++) {
      TensorBoardEventProto event = events.get(1 + s);
      assertEquals(s + 1, event.getStep());
      Map<String, Float> values = values(event);
      assertEquals(List.of("train/loss", "train/accuracy", "train/samples_per_second", "train/learning_rate"),
          List.copyOf(values.keySet()));
      assertEquals((float) (2.0 - 0.25 * s), values.get("train/loss"));
      assertEquals((float) (0.1 * s), values.get("train/accuracy"));
      assertEquals(1000f + s, values.get("train/samples_per_second"));
      assertEquals(optimizer.learningRateAt(s), values.get("train/learning_rate"), "the rate step " + s + " used");
    }
    assertEquals(0.1f, values(events.get(1)).get("train/learning_rate"));
    TensorBoardEventProto epoch = events.get(5);
    assertEquals(4, epoch.getStep(), "at the epoch's last step");
    assertEquals(Map.of("epoch/train_loss", 1.5f, "epoch/train_accuracy", 0.2f, "epoch/seconds", 3.5f,
        "epoch/test_loss", 1.25f, "epoch/test_accuracy", 0.375f), values(epoch));
  }

  /** TFRecord: uint64 length, masked CRC of it, data, masked CRC of the data; every checksum checked. */
  private static List<TensorBoardEventProto> readRecords(byte[] bytes) throws Exception {
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    List<TensorBoardEventProto> events = new ArrayList<>();
    while (in.hasRemaining()) {
      int start = in.position();
      long length = in.getLong();
      assertEquals(mask(crc(bytes, start, 8)), in.getInt(), "length checksum of record " + events.size());
      int dataStart = in.position();
      byte[] data = new byte[(int) length];
      in.get(data);
      assertEquals(mask(crc(bytes, dataStart, (int) length)), in.getInt(), "data checksum of record " + events.size());
      events.add(TensorBoardEventProto.parseFrom(data));
    }
    return events;
  }

  private static Map<String, Float> values(TensorBoardEventProto event) {
    Map<String, Float> values = new LinkedHashMap<>();
    for (TensorBoardSummaryProto.Value value : event.getSummary().getValueList()) {
      values.put(value.getTag(), value.getSimpleValue());
    }
    return values;
  }

  private static int crc(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    return (int) crc.getValue();
  }

  private static int mask(int crc) {
    return ((crc >>> 15) | (crc << 17)) + 0xa282ead8;
  }
}
