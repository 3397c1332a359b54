package org.partita.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.blas.Blas;
import org.partita.models.data.DataFormatException;
import org.partita.models.data.Dataset;
import org.partita.models.data.SyntheticData;
import org.partita.models.layers.Shape;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.LearningRateSchedule;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.optim.UpdateRule;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.proto.CheckpointManifestProto;
import org.partita.proto.ModelSpecProto;

class ModelCheckpointTest {
  @TempDir
  Path directory;

  private static final OptimizerSpec ADAM = new OptimizerSpec(UpdateRule.Adam.defaults(), 0.01f,
      new LearningRateSchedule.Cosine(100, 1e-4f, 5), 1e-4f, 5f);

  private static LocalTrainer trained(ModelSpec spec, int epochs) {
    LocalTrainer trainer = new LocalTrainer(spec, new TrainingConfig(epochs, 32, 3, ADAM), Blas.get());
    Dataset data = SyntheticData.blobs("blobs", spec.inputShape(), 10, 96, 1f, 5);
    trainer.fit(data, null, TrainingListener.NONE);
    return trainer;
  }

  @Test
  void savedModelLoadsWithIdenticalWeightsAndOptimizerState() throws IOException {
    ModelSpec spec = StandardModels.cnn(9);
    LocalTrainer trainer = trained(spec, 1);
    ModelCheckpoint.save(directory, spec, trainer.optimizer(), new ModelCheckpoint.Position(trainer.step(), 1, 0, 3));

    ModelCheckpoint.Saved saved = ModelCheckpoint.read(directory);
    assertEquals(spec, saved.model());
    assertEquals(ADAM, saved.optimizer());
    assertEquals(new ModelCheckpoint.Position(3, 1, 0, 3), saved.position());
    LocalTrainer restored = new LocalTrainer(saved.model(), new TrainingConfig(1, 32, 3, saved.optimizer()), Blas.get());
    ModelCheckpoint.restore(saved, restored.optimizer());
    assertEquals(trainer.optimizer().updates(), restored.optimizer().updates());
    for (int p = 0; p < trainer.network().parameters().size(); p++) {
      assertArrayEquals(trainer.network().parameters().get(p).value().data,
          restored.network().parameters().get(p).value().data, "parameter " + p);
      assertArrayEquals(trainer.optimizer().slot(p, 1), restored.optimizer().slot(p, 1), "Adam v of parameter " + p);
    }
  }

  @Test
  void everyStandardModelSpecRoundTripsThroughProto() {
    for (String name : StandardModels.NAMES) {
      ModelSpec spec = StandardModels.byName(name, 77);
      ModelSpecProto proto = SpecProtos.toProto(spec);
      assertEquals(spec, SpecProtos.fromProto(proto, "test"));
    }
  }

  @Test
  void layerVariantsRoundTripThroughProto() {
    Shape image = new Shape(3, 9, 8);
    var conv = new org.partita.models.layers.Conv2DSpec(image, 4, new org.partita.models.layers.Window(3, 2, 2, 1),
        org.partita.models.layers.Activation.TANH);
    var pool = new org.partita.models.layers.MaxPool2DSpec(conv.outputShape(),
        org.partita.models.layers.Window.square(3, 1, 0));
    var average = new org.partita.models.layers.AvgPool2DSpec(pool.outputShape(),
        new org.partita.models.layers.Window(2, 1, 1, 0));
    var global = org.partita.models.layers.AvgPool2DSpec.global(average.outputShape());
    var flatten = new org.partita.models.layers.FlattenSpec(global.outputShape());
    int features = flatten.outputShape().size();
    ModelSpec spec = new ModelSpec("variants", image, List.of(conv, pool, average, global, flatten,
        new org.partita.models.layers.DropoutSpec(Shape.vector(features), 0.1f),
        new org.partita.models.layers.DenseSpec(features, 3, org.partita.models.layers.Activation.SIGMOID)),
        org.partita.models.loss.Loss.MEAN_SQUARED_ERROR, -5);
    assertEquals(spec, SpecProtos.fromProto(SpecProtos.toProto(spec), "test"));
    for (OptimizerSpec optimizer : List.of(ADAM, OptimizerSpec.sgd(0.5f), new OptimizerSpec(
        new UpdateRule.Momentum(0.8f, true), 0.1f, new LearningRateSchedule.StepDecay(7, 0.3f), 0f, 0f))) {
      assertEquals(optimizer, SpecProtos.fromProto(SpecProtos.toProto(optimizer), "test"));
    }
  }

  @Test
  void recurrentVariantsRoundTripThroughProto() {
    ModelSpec spec = new ModelSpec("recurrent", Shape.vector(5), List.of(
        new org.partita.models.layers.EmbeddingSpec(20, 3, 5),
        new org.partita.models.layers.SimpleRnnSpec(3, 4, 5, true),
        new org.partita.models.layers.GruSpec(4, 6, 5, true),
        new org.partita.models.layers.LstmSpec(6, 2, 5, false, 0.5f)),
        org.partita.models.loss.Loss.SOFTMAX_CROSS_ENTROPY, 8);
    assertEquals(spec, SpecProtos.fromProto(SpecProtos.toProto(spec), "test"));
  }

  @Test
  void invalidSpecFromTheWireNamesTheField() {
    ModelSpecProto broken = SpecProtos.toProto(StandardModels.cnn(1)).toBuilder()
        .setLayers(2, SpecProtos.toProto(StandardModels.cnn(1)).getLayers(2).toBuilder()
            .setConv2D(SpecProtos.toProto(StandardModels.cnn(1)).getLayers(2).getConv2D().toBuilder().setStride(0)))
        .build();
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> SpecProtos.fromProto(broken, "peer w2"));
    assertTrue(error.getMessage().startsWith("peer w2: layers[2].conv2d: window needs"), error.getMessage());
  }

  @Test
  void corruptShardFileIsRejectedByName() throws IOException {
    ModelSpec spec = StandardModels.mlp(1);
    LocalTrainer trainer = trained(spec, 1);
    ModelCheckpoint.save(directory, spec, trainer.optimizer(), new ModelCheckpoint.Position(3, 1, 0, 3));
    Path shard = onlyShardFile();
    byte[] bytes = Files.readAllBytes(shard);
    bytes[bytes.length / 2] ^= 0x40;
    Files.write(shard, bytes);

    ModelCheckpoint.Saved saved = ModelCheckpoint.read(directory);
    LocalTrainer fresh = new LocalTrainer(spec, new TrainingConfig(1, 32, 3, ADAM), Blas.get());
    DataFormatException error = assertThrows(DataFormatException.class,
        () -> ModelCheckpoint.restore(saved, fresh.optimizer()));
    assertEquals(shard, error.file());
    assertTrue(error.getMessage().contains("does not match the manifest"), error.getMessage());

    Files.write(shard, java.util.Arrays.copyOf(bytes, 100));
    error = assertThrows(DataFormatException.class, () -> ModelCheckpoint.restore(saved, fresh.optimizer()));
    assertTrue(error.getMessage().contains("truncated"), error.getMessage());
  }

  /**
   * A crash after the new shard file is renamed into place but before the new manifest is: the
   * old manifest still names the old shard file, which is still there and intact.
   */
  @Test
  void crashBeforeTheManifestLeavesThePreviousCheckpointValid() throws IOException {
    ModelSpec spec = StandardModels.mlp(1);
    LocalTrainer trainer = trained(spec, 1);
    ModelCheckpoint.save(directory, spec, trainer.optimizer(), new ModelCheckpoint.Position(3, 1, 0, 3));
    float[] before = trainer.network().parameters().get(0).value().data.clone();
    trainer.fit(SyntheticData.blobs("more", spec.inputShape(), 10, 64, 1f, 6), null, TrainingListener.NONE);
    CheckpointFiles.writeShard(directory,
        ShardStates.capture(ModelCheckpoint.WHOLE_MODEL, trainer.step(), trainer.optimizer()));
    Files.write(directory.resolve(".manifest.pb.123.tmp"), new byte[] {1, 2, 3});   // a half-written manifest

    ModelCheckpoint.Saved saved = ModelCheckpoint.read(directory);
    LocalTrainer restored = new LocalTrainer(spec, new TrainingConfig(1, 32, 3, ADAM), Blas.get());
    ModelCheckpoint.restore(saved, restored.optimizer());
    assertArrayEquals(before, restored.network().parameters().get(0).value().data);
  }

  @Test
  void checkpointOfAnotherModelIsRefusedNamingTheTensor() throws IOException {
    ModelSpec spec = StandardModels.mlp(1);
    LocalTrainer trainer = trained(spec, 1);
    ModelCheckpoint.save(directory, spec, trainer.optimizer(), new ModelCheckpoint.Position(3, 1, 0, 3));
    ModelSpec other = new ModelSpec("mlp", Shape.vector(784), List.of(
        new org.partita.models.layers.DenseSpec(784, 300, org.partita.models.layers.Activation.RELU),
        new org.partita.models.layers.DenseSpec(300, 10, org.partita.models.layers.Activation.IDENTITY)),
        spec.loss(), 1);
    LocalTrainer wrong = new LocalTrainer(other, new TrainingConfig(1, 32, 3, ADAM), Blas.get());
    DataFormatException error = assertThrows(DataFormatException.class,
        () -> ModelCheckpoint.restore(ModelCheckpoint.read(directory), wrong.optimizer()));
    assertTrue(error.getMessage().contains("layer 0 WEIGHTS"), error.getMessage());
  }

  @Test
  void missingAndGarbageManifestsAreNamed() throws IOException {
    DataFormatException missing = assertThrows(DataFormatException.class, () -> ModelCheckpoint.read(directory));
    assertTrue(missing.getMessage().contains("manifest.pb") && missing.getMessage().contains("not found"));
    Files.write(directory.resolve(CheckpointFiles.MANIFEST), new byte[] {(byte) 0xff, (byte) 0xff, 0x01});
    DataFormatException garbage = assertThrows(DataFormatException.class, () -> ModelCheckpoint.read(directory));
    assertTrue(garbage.getMessage().contains("not a valid checkpoint file"), garbage.getMessage());
  }

  /** Protobuf has no end marker: a manifest cut between two fields parses, so its last field is required. */
  @Test
  void manifestCutBetweenFieldsIsNamed() throws IOException {
    ModelSpec spec = StandardModels.mlp(3);
    LocalTrainer trainer = new LocalTrainer(spec, new TrainingConfig(1, 32, 3, ADAM), Blas.get());
    ModelCheckpoint.save(directory, spec, trainer.optimizer(), new ModelCheckpoint.Position(0, 0, 0, 3));
    Path manifest = directory.resolve(CheckpointFiles.MANIFEST);
    CheckpointManifestProto whole = CheckpointManifestProto.parseFrom(Files.readAllBytes(manifest));
    Files.write(manifest, whole.toBuilder().clearCreatedUnixMillis().build().toByteArray()); // the cut's result
    DataFormatException cut = assertThrows(DataFormatException.class, () -> ModelCheckpoint.read(directory));
    assertTrue(cut.getMessage().startsWith(manifest.toString()) && cut.getMessage().contains("truncated"),
        cut.getMessage());
    Files.write(manifest, new byte[0]);
    DataFormatException empty = assertThrows(DataFormatException.class, () -> ModelCheckpoint.read(directory));
    assertTrue(empty.getMessage().contains("manifest is empty"), empty.getMessage());
  }

  private Path onlyShardFile() throws IOException {
    try (var files = Files.list(directory)) {
      List<Path> shards = files.filter(f -> f.getFileName().toString().startsWith("shard-")).toList();
      assertEquals(1, shards.size(), shards.toString());
      return shards.get(0);
    }
  }

  /**
   * A checkpoint keeps how its samples were prepared — statistics bit for bit, names, the format —
   * before the field that shows the manifest whole; a manifest written without it reads as none.
   */
  @Test
  void dataPreparationTravelsWithTheCheckpoint() throws IOException {
    ModelSpec spec = StandardModels.mlp(2);
    LocalTrainer trainer = new LocalTrainer(spec, new TrainingConfig(1, 32, 3, ADAM), Blas.get());
    org.partita.models.data.DataPreparation preparation = new org.partita.models.data.DataPreparation(
        org.partita.models.data.DataFormat.CSV, new org.partita.models.data.Standardization(new double[] {0.1, 1e-300},
            new double[] {Math.PI, 0}), List.of("a", "b"), List.of(), List.of("price", "age"),
        new org.partita.models.data.Standardization(new double[] {250, 7}, new double[] {20.5, 3}));
    Path with = directory.resolve("with");
    ModelCheckpoint.save(with, spec, trainer.optimizer(), preparation, new ModelCheckpoint.Position(0, 0, 0, 3));
    CheckpointManifestProto manifest = CheckpointFiles.readManifest(with);
    assertEquals(preparation, ModelCheckpoint.preparation(manifest, with).orElseThrow());
    byte[] bytes = manifest.toByteArray();
    int last = com.google.protobuf.CodedOutputStream.computeInt64Size(10, manifest.getCreatedUnixMillis());
    CheckpointManifestProto cut = CheckpointManifestProto.parseFrom(java.util.Arrays.copyOf(bytes, bytes.length - last));
    assertEquals(0, cut.getCreatedUnixMillis(), "created_unix_millis is the last field");
    assertEquals(preparation, ModelCheckpoint.preparation(cut, with).orElseThrow(), "written before it");

    Path without = directory.resolve("without");
    ModelCheckpoint.save(without, spec, trainer.optimizer(), new ModelCheckpoint.Position(0, 0, 0, 3));
    assertTrue(ModelCheckpoint.preparation(CheckpointFiles.readManifest(without), without).isEmpty());
  }
}
