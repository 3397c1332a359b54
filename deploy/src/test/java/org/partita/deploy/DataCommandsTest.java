package org.partita.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.jblas.FloatMatrix;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.CommandRunner.Outcome;
import org.partita.models.blas.Blas;
import org.partita.models.data.DataFormat;
import org.partita.models.data.DataPreparation;
import org.partita.models.data.SampleData;
import org.partita.models.data.Targets;
import org.partita.models.io.ModelFiles;
import org.partita.models.layers.BatchContext;
import org.partita.models.layers.Shape;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.partitioner.LoadedCheckpoint;

/**
 * train, evaluate and predict on your own data as a user runs them: a CSV of flowers with named
 * classes, trained from the file exactly as from the same arrays in memory, held-out rows,
 * predictions in the classes' names, and bad files refused before anything is written.
 */
class DataCommandsTest {
  @TempDir
  static Path directory;
  private static final String[] CLASSES = {"setosa", "versicolor", "virginica"};
  private static Path model;
  private static Path flowers;
  private static float[][] rows;
  private static int[] labels;

  /** 90 flowers of 4 measurements around three centres; the class is the last column. */
  @BeforeAll
  static void writeFiles() throws Exception {
    model = Files.writeString(directory.resolve("iris.pbtxt"), """
        format_version: 1
        name: "iris"
        input_shape: 4
        init_seed: 11
        layers { dense { inputs: 4 outputs: 8 activation: RELU } }
        layers { dense { inputs: 8 outputs: 3 activation: IDENTITY } }
        loss { kind: SOFTMAX_CROSS_ENTROPY }
        """);
    SplittableRandom random = new SplittableRandom(5);
    rows = new float[90][4];
    labels = new int[90];
    StringBuilder csv = new StringBuilder("sepal_length,sepal_width,petal_length,petal_width,species\n");
    for (int i = 0; i < rows.length; i++) {
      labels[i] = random.nextInt(3);
      for (int j = 0; j < 4; j++) {
        rows[i][j] = (float) (10 * labels[i] + j + random.nextGaussian());
        csv.append(String.format(Locale.ROOT, "%.3f,", rows[i][j]));
        rows[i][j] = Float.parseFloat(String.format(Locale.ROOT, "%.3f", rows[i][j]));
      }
      csv.append(CLASSES[labels[i]]).append('\n');
    }
    flowers = Files.writeString(directory.resolve("flowers.csv"), csv);
  }

  /**
   * CSV → train → checkpoint gives exactly the weights of the reference trainer fed the same
   * arrays in memory, standardised per feature; predict's classes are that model's.
   */
  @Test
  void csvTrainingEqualsTrainingOnTheSameArraysAndPredictAgrees() throws Exception {
    Path run = directory.resolve("run");
    Outcome trained = CommandRunner.run("train", "--model", model.toString(), "--data", flowers.toString(), "--epochs",
        "3", "--batch", "16", "--lr", "0.01", "--schedule", "constant", "--seed", "4", "--out", run.toString());
    assertEquals(ExitCode.OK, trained.exitCode(), trained.err());
    assertTrue(trained.out().contains("RESULT final_train_loss="), trained.out());

    ModelSpec spec = ModelFiles.resolve(model.toString(), 4, "--model");
    float[] features = new float[90 * 4];
    for (int i = 0; i < 90; i++) {
      System.arraycopy(rows[i], 0, features, i * 4, 4);
    }
    SampleData data = new SampleData("memory", DataFormat.CSV, Shape.vector(4), features,
        new Targets.Classes(List.of(CLASSES), labels), List.of(), List.of());
    DataPreparation preparation = DataPreparation.fit(data, DataPreparation.Normalization.AUTO, 4);
    LocalTrainer reference = new LocalTrainer(spec, new TrainingConfig(3, 16, 4, OptimizerSpec.adam(0.01f)), Blas.get());
    reference.fit(preparation.prepare(data), null, TrainingListener.NONE);

    LoadedCheckpoint saved = LoadedCheckpoint.read(run.resolve("checkpoint"));
    assertEquals(preparation.features(), saved.preparation().features());
    assertEquals(List.of(CLASSES), saved.preparation().classNames());
    LocalTrainer fromFile = new LocalTrainer(spec, new TrainingConfig(1, 1, 4, saved.optimizer()), Blas.get());
    fromFile.restore(saved.whole(), saved.position().step(), "checkpoint");
    for (int p = 0; p < reference.network().parameters().size(); p++) {
      assertArrayEquals(reference.network().parameters().get(p).value().data,
          fromFile.network().parameters().get(p).value().data, "parameter " + p);
    }

    Path predictions = directory.resolve("species.csv");
    Outcome predicted = CommandRunner.run("predict", "--checkpoint", run.resolve("checkpoint").toString(), "--data",
        flowers.toString(), "--out", predictions.toString());
    assertEquals(ExitCode.OK, predicted.exitCode(), predicted.err());
    List<String> lines = Files.readAllLines(predictions);
    assertEquals("index,class,class_name,probability,p_setosa,p_versicolor,p_virginica", lines.get(0));
    FloatMatrix inputs = new FloatMatrix(4, 90, features.clone());
    FloatMatrix logits = reference.network().forward(inputs, BatchContext.inference());
    for (int i = 0; i < 90; i++) {
      String[] cells = lines.get(i + 1).split(",");
      int best = org.partita.models.loss.Loss.argmax(logits.data, i * 3, 3);
      assertEquals(best, Integer.parseInt(cells[1]), "sample " + i);
      assertEquals("\"" + CLASSES[best] + "\"", cells[2]);
    }
  }

  /** Held-out rows every epoch, evaluate reproducing the run's held-out accuracy from the checkpoint. */
  @Test
  void validationSplitIsEvaluatedEveryEpochAndAgain() throws Exception {
    Path run = directory.resolve("held");
    Outcome trained = CommandRunner.run("train", "--model", model.toString(), "--data", flowers.toString(),
        "--validation-split", "0.2", "--epochs", "4", "--batch", "16", "--lr", "0.02", "--out", run.toString());
    assertEquals(ExitCode.OK, trained.exitCode(), trained.err());
    assertTrue(trained.out().contains("data: 72 training and 18 held-out samples"), trained.out());
    double accuracy = Double.parseDouble(trained.out().replaceAll("(?s).*RESULT test_accuracy=([0-9.]+).*", "$1"));
    assertTrue(accuracy > 0.9, "three well separated classes: " + accuracy);
    Outcome evaluated = CommandRunner.run("evaluate", "--checkpoint", run.resolve("checkpoint").toString(), "--data",
        flowers.toString(), "--validation-split", "0.2");
    assertEquals(ExitCode.OK, evaluated.exitCode(), evaluated.err());
    assertTrue(evaluated.out().contains("on 18 samples") && evaluated.out().contains(String.format(Locale.ROOT,
        "RESULT test_accuracy=%.4f", accuracy)), evaluated.out());
  }

  /**
   * --early-stop on held-out accuracy: once every held-out flower is right it cannot improve, so
   * training ends two epochs later; RUN/best holds the first perfect epoch, which evaluate confirms.
   */
  @Test
  void earlyStoppingKeepsTheBestCheckpointBesideTheLast() throws Exception {
    Path run = directory.resolve("early");
    Outcome trained = CommandRunner.run("train", "--model", model.toString(), "--data", flowers.toString(),
        "--validation-split", "0.2", "--epochs", "40", "--batch", "16", "--lr", "0.05", "--monitor", "test_accuracy",
        "--early-stop", "2", "--out", run.toString());
    assertEquals(ExitCode.OK, trained.exitCode(), trained.err());
    String metrics = Files.readString(run.resolve("metrics.json"));
    assertTrue(metrics.contains("\"stopped_early\": true") && metrics.contains("\"best_test_accuracy\": 1.0"),
        metrics);
    int best = Integer.parseInt(metrics.replaceAll("(?s).*\"best_epoch\": (\\d+).*", "$1"));
    int trainedEpochs = Integer.parseInt(metrics.replaceAll("(?s).*\"epochs_trained\": (\\d+).*", "$1"));
    assertEquals(best + 2, trainedEpochs, metrics);
    assertTrue(trained.out().contains("early stop: test_accuracy did not improve for 2 epochs; best epoch " + best),
        trained.out());
    assertTrue(Files.exists(run.resolve("best/manifest.pb")) && Files.exists(run.resolve("checkpoint/manifest.pb")));
    Outcome evaluated = CommandRunner.run("evaluate", "--checkpoint", run.resolve("best").toString(), "--data",
        flowers.toString(), "--validation-split", "0.2");
    assertTrue(evaluated.out().contains("RESULT test_accuracy=1.0000"), evaluated.out() + evaluated.err());

    Outcome nothingHeldOut = CommandRunner.run("train", "--model", model.toString(), "--data", flowers.toString(),
        "--early-stop", "3", "--out", directory.resolve("never-early").toString());
    assertEquals(ExitCode.BAD_INPUT, nothingHeldOut.exitCode());
    assertTrue(nothingHeldOut.err().contains("--early-stop and --monitor watch held-out data"), nothingHeldOut.err());
    assertFalse(Files.exists(directory.resolve("never-early")));
  }

  /**
   * A regression with two targets (loss mse, a linear last layer): R² every epoch and in r2.png,
   * RMSE, MAE and R² in the targets' units in metrics.json, reproduced by evaluate, and predict's
   * values in those units.
   */
  @Test
  void csvRegressionWithTwoTargets() throws Exception {
    Path linear = Files.writeString(directory.resolve("linear.pbtxt"), """
        format_version: 1
        name: "linear"
        input_shape: 3
        init_seed: 2
        layers { dense { inputs: 3 outputs: 2 activation: IDENTITY } }
        loss { kind: MEAN_SQUARED_ERROR }
        """);
    SplittableRandom random = new SplittableRandom(9);
    StringBuilder csv = new StringBuilder("a,price,b,c,age\n");
    for (int i = 0; i < 200; i++) {
      double a = random.nextGaussian();
      double b = random.nextGaussian() * 5;
      double c = random.nextDouble();
      csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%.4f,%.4f,%.4f%n", a, 300 + 40 * a - 8 * b
          + random.nextGaussian(), b, c, 10 * c - 5 + 0.1 * random.nextGaussian()));
    }
    Path houses = Files.writeString(directory.resolve("houses.csv"), csv);
    Path run = directory.resolve("regression");
    Outcome trained = CommandRunner.run("train", "--model", linear.toString(), "--data", houses.toString(), "--label",
        "price,age", "--validation-split", "0.25", "--epochs", "40", "--batch", "16", "--lr", "0.05", "--monitor",
        "test_r2", "--out", run.toString());
    assertEquals(ExitCode.OK, trained.exitCode(), trained.err());
    assertTrue(trained.out().contains(" R² ") && !trained.out().contains("acc "), trained.out());
    String result = trained.out().replaceAll("(?s).*(RESULT [^\n]*).*", "$1");
    double r2 = Double.parseDouble(result.replaceAll(".*test_r2=([-0-9.]+).*", "$1"));
    assertTrue(r2 > 0.97, result);
    String metrics = Files.readString(run.resolve("metrics.json"));
    for (String key : new String[] {"test_r2", "test_rmse", "test_mae", "test_r2_per_target", "test_r2_per_epoch",
        "best_test_r2"}) {
      assertTrue(metrics.contains("\"" + key + "\": "), key + " missing:\n" + metrics);
    }
    assertFalse(metrics.contains("accuracy"), metrics);
    assertTrue(Files.exists(run.resolve("r2.png")) && Files.exists(run.resolve("best/manifest.pb")));
    Outcome evaluated = CommandRunner.run("evaluate", "--checkpoint", run.resolve("checkpoint").toString(), "--data",
        houses.toString(), "--validation-split", "0.25");
    assertEquals(ExitCode.OK, evaluated.exitCode(), evaluated.err());
    assertTrue(evaluated.out().contains(result.replace("RESULT ", "RESULT ").replaceAll(" samples_per_second.*", "")),
        evaluated.out() + "\nvs " + result);

    Path predictions = directory.resolve("prices.csv");
    Outcome predicted = CommandRunner.run("predict", "--checkpoint", run.resolve("checkpoint").toString(), "--data",
        houses.toString(), "--out", predictions.toString());
    assertEquals(ExitCode.OK, predicted.exitCode(), predicted.err());
    List<String> lines = Files.readAllLines(predictions);
    assertEquals("index,price,age", lines.get(0));
    String[] truth = csv.toString().split("\n");
    double priceError = 0;
    for (int i = 1; i <= 200; i++) {
      priceError += Math.abs(Double.parseDouble(lines.get(i).split(",")[1]) - Double.parseDouble(truth[i].split(",")[1]));
    }
    assertTrue(priceError / 200 < 2, "prices in their units, noise 1: mean error " + priceError / 200);
  }

  /** The same flags read an .npz of flowers and a folder of PNG images sized and coloured by the model's input. */
  @Test
  void npzAndImageFoldersTrainThroughTheSameFlags() throws Exception {
    java.nio.ByteBuffer x = java.nio.ByteBuffer.allocate(90 * 4 * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    java.nio.ByteBuffer y = java.nio.ByteBuffer.allocate(90 * 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 90; i++) {
      for (float value : rows[i]) {
        x.putFloat(value);
      }
      y.putLong(labels[i]);
    }
    Path npz = directory.resolve("flowers.npz");
    try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(npz))) {
      for (Object[] array : new Object[][] {{"x", "<f4", "(90, 4)", x.array()}, {"y", "<i8", "(90,)", y.array()}}) {
        zip.putNextEntry(new java.util.zip.ZipEntry(array[0] + ".npy"));
        String dict = "{'descr': '" + array[1] + "', 'fortran_order': False, 'shape': " + array[2] + ", }";
        String header = dict + " ".repeat((64 - (10 + dict.length() + 1) % 64) % 64) + "\n";
        zip.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), 0});
        zip.write(header.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        zip.write((byte[]) array[3]);
        zip.closeEntry();
      }
    }
    Outcome fromNpz = CommandRunner.run("train", "--model", model.toString(), "--data", npz.toString(),
        "--validation-split", "0.2", "--epochs", "4", "--batch", "16", "--lr", "0.02", "--out",
        directory.resolve("npz").toString());
    assertEquals(ExitCode.OK, fromNpz.exitCode(), fromNpz.err());
    assertTrue(fromNpz.out().contains("data: 72 training and 18 held-out samples"), fromNpz.out());

    // Light and dark 8×8 images, read as the model's 1×4×4 grey input.
    Path pictures = directory.resolve("pictures");
    for (String kind : new String[] {"dark", "light"}) {
      Files.createDirectories(pictures.resolve(kind));
      for (int i = 0; i < 12; i++) {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(8, 8,
            java.awt.image.BufferedImage.TYPE_INT_RGB);
        int level = kind.equals("dark") ? 20 + i : 200 + i;
        for (int p = 0; p < 64; p++) {
          image.setRGB(p % 8, p / 8, (level << 16) | ((level + p) << 8) | level);
        }
        javax.imageio.ImageIO.write(image, "png", pictures.resolve(kind + "/" + i + ".png").toFile());
      }
    }
    Path grey = Files.writeString(directory.resolve("grey.pbtxt"), """
        format_version: 1
        name: "grey"
        input_shape: 1
        input_shape: 4
        input_shape: 4
        layers { dense { inputs: 16 outputs: 2 activation: IDENTITY } }
        loss { kind: SOFTMAX_CROSS_ENTROPY }
        """);
    Path run = directory.resolve("pictures-run");
    Outcome fromImages = CommandRunner.run("train", "--model", grey.toString(), "--data", pictures.toString(),
        "--validation-split", "0.25", "--epochs", "3", "--batch", "6", "--out", run.toString());
    assertEquals(ExitCode.OK, fromImages.exitCode(), fromImages.err());
    assertTrue(fromImages.out().contains("RESULT test_accuracy=1.0000"), fromImages.out());
    Path predictions = directory.resolve("pictures.csv");
    Outcome predicted = CommandRunner.run("predict", "--checkpoint", run.resolve("checkpoint").toString(), "--data",
        pictures.resolve("light").toString(), "--out", predictions.toString());
    assertEquals(ExitCode.OK, predicted.exitCode(), predicted.err());
    assertTrue(Files.readAllLines(predictions).stream().skip(1).allMatch(line -> line.contains(",1,\"light\",")),
        Files.readString(predictions));
  }

  @Test
  void badDataIsRefusedBeforeAnythingIsWritten() throws Exception {
    Path never = directory.resolve("never");
    Outcome missing = CommandRunner.run("train", "--model", model.toString(), "--data", flowers.toString(), "--label",
        "kind", "--out", never.toString());
    assertEquals(ExitCode.BAD_INPUT, missing.exitCode());
    assertTrue(missing.err().contains("flowers.csv: has no column 'kind' for the labels; its columns are sepal_length,"
        + " sepal_width, petal_length, petal_width, species"), missing.err());
    Outcome classes = CommandRunner.run("train", "--model", "mlp", "--data", flowers.toString(), "--out",
        never.toString());
    assertEquals(ExitCode.BAD_INPUT, classes.exitCode());
    assertTrue(classes.err().contains("flowers.csv: holds 3 classes (setosa, versicolor, virginica) but the model has"
        + " 10 outputs"), classes.err());
    Path five = Files.writeString(directory.resolve("five.pbtxt"), Files.readString(model).replace("input_shape: 4",
        "input_shape: 5").replace("inputs: 4", "inputs: 5"));
    Outcome shape = CommandRunner.run("train", "--model", five.toString(), "--data", flowers.toString(), "--out",
        never.toString());
    assertEquals(ExitCode.BAD_INPUT, shape.exitCode());
    assertTrue(shape.err().contains("flowers.csv: samples are 4 values but model 'iris' takes 5 values"), shape.err());
    Outcome reshape = CommandRunner.run("train", "--model", model.toString(), "--data", flowers.toString(),
        "--input-shape", "1,2,2", "--out", never.toString());
    assertEquals(ExitCode.BAD_INPUT, reshape.exitCode());
    assertTrue(reshape.err().contains("samples are 1×2×2 (4 values) but model 'iris' takes 4 values"), reshape.err());
    assertFalse(Files.exists(never), "a refused run created its folder");
    Path steps = Files.writeString(directory.resolve("steps.pbtxt"), Files.readString(model).replace("input_shape: 4",
        "input_shape: 2\ninput_shape: 2\ninput_shape: 1"));
    Outcome seenAsSteps = CommandRunner.run("train", "--model", steps.toString(), "--data", flowers.toString(),
        "--input-shape", "2,2", "--epochs", "1", "--out", directory.resolve("steps").toString());
    assertEquals(ExitCode.OK, seenAsSteps.exitCode(), "rows of 4 seen as 2 steps of 2: " + seenAsSteps.err());

    Path unseen = Files.writeString(directory.resolve("unseen.csv"),
        "sepal_length,sepal_width,petal_length,petal_width,species\n1,2,3,4,setosa\n1,2,3,4,rosa\n");
    Path run = directory.resolve("quick");
    assertEquals(ExitCode.OK, CommandRunner.run("train", "--model", model.toString(), "--data", flowers.toString(),
        "--epochs", "1", "--out", run.toString()).exitCode());
    Outcome evaluated = CommandRunner.run("evaluate", "--checkpoint", run.resolve("checkpoint").toString(), "--data",
        unseen.toString());
    assertEquals(ExitCode.BAD_INPUT, evaluated.exitCode());
    assertTrue(evaluated.err().contains("unseen.csv: line 3, column 'species': class 'rosa' was not seen in training;"
        + " the model's classes are setosa, versicolor, virginica"), evaluated.err());
  }
}
