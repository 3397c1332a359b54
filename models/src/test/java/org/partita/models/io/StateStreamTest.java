package org.partita.models.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.blas.Blas;
import org.partita.models.data.SyntheticData;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.proto.ShardStateProto;

/** The streamed state parses to the captured state, however it is read: in chunks of any size or to a file. */
class StateStreamTest {
  @TempDir
  Path directory;

  private static LocalTrainer trained() {
    ModelSpec spec = StandardModels.mlp(4);
    LocalTrainer trainer = new LocalTrainer(spec, new TrainingConfig(1, 32, 3, OptimizerSpec.adam(1e-3f)), Blas.get());
    trainer.fit(SyntheticData.blobs("blobs", spec.inputShape(), 10, 64, 1f, 5), null, TrainingListener.NONE);
    return trainer;
  }

  @Test
  void chunksOfAnySizeJoinToTheCapturedState() throws Exception {
    LocalTrainer trainer = trained();
    ShardStateProto captured = ShardStates.capture(ModelCheckpoint.WHOLE_MODEL, 7, trainer.optimizer());
    for (int chunk : new int[] {1 << 20, 4096, 777_777, Integer.MAX_VALUE}) {
      StateStream stream = ShardStates.stream(ModelCheckpoint.WHOLE_MODEL, 7, trainer.optimizer());
      // A few bytes more than captured: each tensor's values come as a second occurrence of its field.
      assertTrue(stream.size() >= captured.getSerializedSize() && stream.size() < captured.getSerializedSize() + 100,
          stream.size() + " vs " + captured.getSerializedSize());
      ByteString joined = ByteString.EMPTY;
      for (ByteString part = stream.read(chunk); !part.isEmpty(); part = stream.read(chunk)) {
        assertTrue(part.size() == chunk || stream.position() == stream.size(), "short chunk before the end");
        joined = joined.concat(part);
      }
      assertEquals(stream.size(), joined.size());
      assertEquals(captured, ShardStateProto.parseFrom(joined), "chunk size " + chunk);
    }
  }

  @Test
  void streamedShardFileHasTheSizeAndDigestOfItsBytes() throws Exception {
    LocalTrainer trainer = trained();
    var reference = CheckpointFiles.writeShard(directory, ModelCheckpoint.WHOLE_MODEL, 7,
        ShardStates.stream(ModelCheckpoint.WHOLE_MODEL, 7, trainer.optimizer()));
    byte[] written = Files.readAllBytes(directory.resolve(reference.getFileName()));
    assertEquals(written.length, reference.getSizeBytes());
    assertEquals(ByteString.copyFrom(CheckpointFiles.sha256(written)), reference.getSha256());
    assertEquals(ShardStates.capture(ModelCheckpoint.WHOLE_MODEL, 7, trainer.optimizer()),
        ShardStateProto.parseFrom(written));
    ByteArrayOutputStream whole = new ByteArrayOutputStream();
    ShardStates.stream(ModelCheckpoint.WHOLE_MODEL, 7, trainer.optimizer()).writeTo(whole);
    assertEquals(written.length, whole.size());
  }
}
