package org.partita.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.CommandRunner.Outcome;
import org.partita.models.data.FashionMnist;
import org.partita.models.data.IdxFile;

/** {@code partita evaluate} and {@code predict} on a run's checkpoint agree with the run and with each other. */
class ModelCommandsTest {
  @TempDir
  static Path directory;
  private static double trainedAccuracy;

  @BeforeAll
  static void train() {
    Outcome outcome = CommandRunner.run("train", "--model", "mlp", "--epochs", "1", "--train-samples", "3000",
        "--out", directory.resolve("run").toString());
    assertEquals(ExitCode.OK, outcome.exitCode(), outcome.err());
    trainedAccuracy = Double.parseDouble(outcome.out().replaceAll("(?s).*RESULT test_accuracy=([0-9.]+).*", "$1"));
  }

  @Test
  void evaluateReproducesTheRunsTestAccuracyAndPredictAgrees() throws Exception {
    Outcome evaluated = CommandRunner.run("evaluate", "--checkpoint", directory.resolve("run/checkpoint").toString());
    assertEquals(ExitCode.OK, evaluated.exitCode(), evaluated.err());
    double accuracy = Double.parseDouble(evaluated.out().replaceAll("(?s).*RESULT test_accuracy=([0-9.]+).*", "$1"));
    assertEquals(trainedAccuracy, accuracy, 1e-9, evaluated.out());

    Path csv = directory.resolve("predictions.csv");
    Path images = FashionMnist.DEBIAN_DIRECTORY.resolve("t10k-images-idx3-ubyte.gz");
    Outcome predicted = CommandRunner.run("predict", "--checkpoint", directory.resolve("run/checkpoint").toString(),
        "--images", images.toString(), "--out", csv.toString());
    assertEquals(ExitCode.OK, predicted.exitCode(), predicted.err());
    List<String> lines = Files.readAllLines(csv);
    assertEquals(10_001, lines.size(), "header and one line per image");
    byte[] labels = IdxFile.read(FashionMnist.DEBIAN_DIRECTORY.resolve("t10k-labels-idx1-ubyte.gz"), 1).values();
    int right = 0;
    for (int i = 1; i < lines.size(); i++) {
      right += Integer.parseInt(lines.get(i).split(",")[1]) == labels[i - 1] ? 1 : 0;
    }
    assertEquals(accuracy, right / 10_000.0, 1e-9, "predict's classes give evaluate's accuracy");
  }

  /** The same images as CSV (label first, Fashion-MNIST's CSV layout) get the same classes. */
  @Test
  void csvImagesArePredictedLikeIdx() throws Exception {
    IdxFile idx = IdxFile.read(FashionMnist.DEBIAN_DIRECTORY.resolve("t10k-images-idx3-ubyte.gz"), 3);
    StringBuilder csv = new StringBuilder("label");
    for (int j = 1; j <= 784; j++) {
      csv.append(",pixel").append(j);
    }
    csv.append('\n');
    for (int i = 0; i < 50; i++) {
      csv.append(7);
      for (int j = 0; j < 784; j++) {
        csv.append(',').append(idx.values()[i * 784 + j] & 0xff);
      }
      csv.append('\n');
    }
    Path images = directory.resolve("images.csv");
    Files.writeString(images, csv);
    Path fromCsv = directory.resolve("from-csv.csv");
    Outcome predicted = CommandRunner.run("predict", "--checkpoint", directory.resolve("run/checkpoint").toString(),
        "--images", images.toString(), "--out", fromCsv.toString());
    assertEquals(ExitCode.OK, predicted.exitCode(), predicted.err());
    Path fromIdx = directory.resolve("from-idx.csv");
    CommandRunner.run("predict", "--checkpoint", directory.resolve("run/checkpoint").toString(), "--images",
        FashionMnist.DEBIAN_DIRECTORY.resolve("t10k-images-idx3-ubyte.gz").toString(), "--out", fromIdx.toString());
    assertEquals(Files.readAllLines(fromIdx).subList(0, 51), Files.readAllLines(fromCsv));

    Files.writeString(images, "1,2,3\n");
    Outcome bad = CommandRunner.run("predict", "--checkpoint", directory.resolve("run/checkpoint").toString(),
        "--images", images.toString(), "--out", fromCsv.toString());
    assertEquals(ExitCode.BAD_INPUT, bad.exitCode());
    assertTrue(bad.err().contains("images.csv") && bad.err().contains("line 1 has 3 values"), bad.err());
  }

  /**
   * A labelled CSV of pixel intensities (Fashion-MNIST's CSV layout, label first) evaluates an
   * image model as its IDX images do: intensities scaled as bytes are, labels from the "label" column.
   */
  @Test
  void csvOfLabelledImagesEvaluatesLikeTheImages() throws Exception {
    IdxFile idx = IdxFile.read(FashionMnist.DEBIAN_DIRECTORY.resolve("t10k-images-idx3-ubyte.gz"), 3);
    byte[] labels = IdxFile.read(FashionMnist.DEBIAN_DIRECTORY.resolve("t10k-labels-idx1-ubyte.gz"), 1).values();
    StringBuilder csv = new StringBuilder("label");
    for (int j = 1; j <= 784; j++) {
      csv.append(",pixel").append(j);
    }
    csv.append('\n');
    for (int i = 0; i < 200; i++) {
      csv.append(labels[i]);
      for (int j = 0; j < 784; j++) {
        csv.append(',').append(idx.values()[i * 784 + j] & 0xff);
      }
      csv.append('\n');
    }
    Path labelled = Files.writeString(directory.resolve("labelled.csv"), csv);
    Outcome evaluated = CommandRunner.run("evaluate", "--checkpoint", directory.resolve("run/checkpoint").toString(),
        "--data", labelled.toString());
    assertEquals(ExitCode.OK, evaluated.exitCode(), evaluated.err());
    Path predictions = directory.resolve("first-200.csv");
    Outcome predicted = CommandRunner.run("predict", "--checkpoint", directory.resolve("run/checkpoint").toString(),
        "--data", FashionMnist.DEBIAN_DIRECTORY.resolve("t10k-images-idx3-ubyte.gz").toString(), "--out",
        predictions.toString());
    assertEquals(ExitCode.OK, predicted.exitCode(), predicted.err());
    List<String> lines = Files.readAllLines(predictions);
    int right = 0;
    for (int i = 0; i < 200; i++) {
      right += Integer.parseInt(lines.get(i + 1).split(",")[1]) == labels[i] ? 1 : 0;
    }
    assertTrue(evaluated.out().contains(String.format(java.util.Locale.ROOT, "RESULT test_accuracy=%.4f",
        right / 200.0)), evaluated.out() + " vs " + right + "/200");
  }

  @Test
  void missingOrDamagedInputsAreNamed() throws Exception {
    Outcome noImages = CommandRunner.run("predict", "--checkpoint", directory.resolve("run/checkpoint").toString(),
        "--images", directory.resolve("nothing-idx3-ubyte").toString(), "--out", directory.resolve("p.csv").toString());
    assertEquals(ExitCode.BAD_INPUT, noImages.exitCode());
    assertTrue(noImages.err().contains("nothing-idx3-ubyte"), noImages.err());

    Path damaged = directory.resolve("damaged");
    Files.createDirectories(damaged);
    try (var files = Files.list(directory.resolve("run/checkpoint"))) {
      for (Path file : files.toList()) {
        Files.copy(file, damaged.resolve(file.getFileName()));
      }
    }
    Path shard;
    try (var files = Files.list(damaged)) {
      shard = files.filter(file -> !file.getFileName().toString().startsWith("manifest")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(shard);
    bytes[bytes.length / 2] ^= 0x5a;
    Files.write(shard, bytes);
    Outcome corrupt = CommandRunner.run("evaluate", "--checkpoint", damaged.toString());
    assertEquals(ExitCode.BAD_INPUT, corrupt.exitCode(), corrupt.out());
    assertTrue(corrupt.err().contains(shard.getFileName().toString()), corrupt.err());
  }

  /**
   * A checkpoint written before preparations were saved (the same one with the field cleared)
   * predicts and evaluates exactly as the new one: its Fashion-MNIST statistics are computed again.
   */
  @Test
  void checkpointsWithoutAPreparationStillPredictTheSame() throws Exception {
    Path old = directory.resolve("old-checkpoint");
    Files.createDirectories(old);
    try (var files = Files.list(directory.resolve("run/checkpoint"))) {
      for (Path file : files.toList()) {
        Files.copy(file, old.resolve(file.getFileName()));
      }
    }
    org.partita.proto.CheckpointManifestProto manifest = org.partita.models.io.CheckpointFiles.readManifest(old);
    assertTrue(manifest.getDataPosition().hasPreparation());
    org.partita.models.io.CheckpointFiles.writeManifest(old, manifest.toBuilder().setDataPosition(
        manifest.getDataPosition().toBuilder().clearPreparation()).build());
    Path images = FashionMnist.DEBIAN_DIRECTORY.resolve("t10k-images-idx3-ubyte.gz");
    Path fromNew = directory.resolve("new.csv");
    Path fromOld = directory.resolve("old.csv");
    for (Path[] pair : new Path[][] {{directory.resolve("run/checkpoint"), fromNew}, {old, fromOld}}) {
      Outcome predicted = CommandRunner.run("predict", "--checkpoint", pair[0].toString(), "--images",
          images.toString(), "--out", pair[1].toString());
      assertEquals(ExitCode.OK, predicted.exitCode(), predicted.err());
    }
    assertEquals(Files.readAllLines(fromNew), Files.readAllLines(fromOld));
    Outcome evaluated = CommandRunner.run("evaluate", "--checkpoint", old.toString());
    assertEquals(ExitCode.OK, evaluated.exitCode(), evaluated.err());
    assertTrue(evaluated.out().contains(String.format(java.util.Locale.ROOT, "RESULT test_accuracy=%.4f",
        trainedAccuracy)), evaluated.out());
  }
}
