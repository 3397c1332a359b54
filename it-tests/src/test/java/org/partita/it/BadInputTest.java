package org.partita.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.CommandRunner;
import org.partita.deploy.CommandRunner.Outcome;
import org.partita.deploy.ExitCode;
import org.partita.models.data.FashionMnist;

/**
 * Issue 10, bad input: damaged or mistaken IDX data, images to predict, checkpoints and
 * configuration each end the partita command with exit code 2 and one line that names the file,
 * field or key — and leave what an earlier run wrote byte for byte as it was. Each kind runs once
 * as its own JVM from the built jar, as users run it; the sweeps over many damaged variants run
 * the command in this JVM. Counts go to the test's output as {@code BAD-INPUT <scenario>: n/n}.
 */
class BadInputTest {
  private static final String[] QUICK_TRAINING = {"train", "--model", "mlp", "--epochs", "1", "--train-samples", "500"};

  @TempDir
  static Path directory;
  /** An earlier run (final checkpoint, periodic checkpoints, metrics, plots) no bad command may touch. */
  private static Path run;
  private static Map<String, String> runHashes;
  private static MessageDigest sha256;

  @BeforeAll
  static void trainAnEarlierRun() throws Exception {
    sha256 = MessageDigest.getInstance("SHA-256");
    run = directory.resolve("run");
    Outcome trained = PartitaProcess.run(directory, Map.of(), "train", "--model", "mlp", "--epochs", "1",
        "--train-samples", "1000", "--batch", "100", "--checkpoint-every", "4", "--keep", "2", "--out", run.toString());
    assertEquals(ExitCode.OK, trained.exitCode(), trained.err());
    runHashes = hashes(run);
    assertTrue(runHashes.containsKey("checkpoint/manifest.pb") && runHashes.containsKey("checkpoints/step-000000008/"
        + "manifest.pb") && runHashes.containsKey("metrics.json"), runHashes.keySet().toString());
  }

  @AfterAll
  static void theEarlierRunIsUntouched() throws IOException {
    if (runHashes != null) {
      assertEquals(runHashes, hashes(run), "files of the earlier run changed");
    }
  }

  // ---- IDX data for partita train, into the earlier run's directory ----

  @Test
  void truncatedImageFile() throws Exception {
    Path data = dataWith("train-images-idx3-ubyte.gz", bytes -> Arrays.copyOf(bytes, bytes.length / 2));
    assertTrainRefused(data, "train-images-idx3-ubyte.gz", "truncated");
  }

  @Test
  void truncatedLabelFile() throws Exception {
    Path data = dataWith("train-labels-idx1-ubyte", idx -> Arrays.copyOf(idx, idx.length - 100));
    assertTrainRefused(data, "train-labels-idx1-ubyte", "truncated");
  }

  @Test
  void corruptGzipData() throws Exception {
    Path data = dataWith("train-labels-idx1-ubyte.gz", bytes -> {
      byte[] damaged = bytes.clone();
      damaged[damaged.length / 2] ^= (byte) 0xff;
      return damaged;
    });
    assertTrainRefused(data, "train-labels-idx1-ubyte.gz", "corrupt gzip");
  }

  @Test
  void corruptHeaderDimension() throws Exception {
    Path data = dataWith("t10k-images-idx3-ubyte", idx -> withInt(idx, 8, 0)); // rows
    assertTrainRefused(data, "t10k-images-idx3-ubyte", "dimension 1 is 0");
  }

  @Test
  void wrongMagicNumberOfImages() throws Exception {
    Path littleEndian = dataWith("t10k-images-idx3-ubyte", idx -> withInt(idx, 0, 0x0308_0000));
    assertTrainRefused(littleEndian, "t10k-images-idx3-ubyte", "magic number 0x03080000");
    Path floats = dataWith("train-images-idx3-ubyte", idx -> withInt(idx, 0, 0x0000_0D03));
    assertTrainRefused(floats, "train-images-idx3-ubyte", "value type 0x0d");
  }

  @Test
  void wrongMagicNumberOfLabels() throws Exception {
    Path data = dataWith("train-labels-idx1-ubyte", idx -> withInt(idx, 0, 0x0000_0803));
    assertTrainRefused(data, "train-labels-idx1-ubyte", "declares 3 dimensions, expected 1");
  }

  @Test
  void labelCountNotImageCount() throws Exception {
    Path data = dataWith("t10k-labels-idx1-ubyte", idx -> withInt(Arrays.copyOf(idx, idx.length - 1), 4, 9_999));
    assertTrainRefused(data, "t10k-labels-idx1-ubyte", "9999 labels but t10k-images-idx3-ubyte.gz holds 10000 images");
  }

  @Test
  void labelOutsideTheClasses() throws Exception {
    Path data = dataWith("train-labels-idx1-ubyte", idx -> {
      idx[8 + 123] = 10;
      return idx;
    });
    assertTrainRefused(data, "train-labels-idx1-ubyte", "label 123 is 10");
  }

  @Test
  void imagesOfAnotherSize() throws Exception {
    Path data = dataWith("t10k-images-idx3-ubyte", idx -> withInt(Arrays.copyOf(idx, 16 + 10_000 * 28 * 27), 12, 27));
    assertTrainRefused(data, "t10k-images-idx3-ubyte", "images are 28×27");
  }

  // ---- images for partita predict, over an existing predictions file ----

  @Test
  void csvThatIsNoImage() throws Exception {
    Path nan = csvImages("nan.csv", 3, 784, "2:17", "NaN");
    assertPredictRefused(nan, nan.toString(), "line 2, pixel 17", "NaN");
    Path narrow = csvImages("narrow.csv", 2, 783, "", "");
    assertPredictRefused(narrow, narrow.toString(), "line 1 has 783 values", "784");
    Path missing = directory.resolve("missing.csv");
    assertPredictRefused(missing, missing.toString(), "not found");
  }

  @Test
  void idxImagesOfAnotherSize() throws Exception {
    byte[] idx = new byte[16 + 5 * 32 * 32];
    ByteBuffer.wrap(idx).putInt(0x0000_0803).putInt(5).putInt(32).putInt(32);
    Path images = Files.write(directory.resolve("images-32x32-idx3-ubyte"), idx);
    assertPredictRefused(images, images.toString(), "samples are 1×32×32 (1024 values)", "model 'mlp' takes 784");
  }

  @Test
  void labelFileGivenAsImages() throws Exception {
    Path labels = FashionMnist.DEBIAN_DIRECTORY.resolve("t10k-labels-idx1-ubyte.gz");
    assertPredictRefused(labels, labels.toString(), "declares 1 dimension: one number per item");
  }

  /** Every value that is not a pixel intensity, in this JVM; each refused with file, line and pixel named. */
  @Test
  void csvValuesThatAreNoIntensity() throws Exception {
    List<String> values = List.of("NaN", "-NaN", "Infinity", "-Infinity", "1e309", "-1", "256", "abc", " ");
    Path existing = existingPredictions();
    int refused = 0;
    for (String value : values) {
      Path csv = csvImages("value.csv", 4, 784, "2:400", value);
      Outcome outcome = CommandRunner.run("predict", "--checkpoint", run.resolve("checkpoint").toString(),
          "--images", csv.toString(), "--out", existing.toString());
      refused += isRefusal(outcome, csv.toString(), "line 2, pixel 400") ? 1 : 0;
    }
    report("CSV values that are no intensity 0-255 refused", refused, values.size());
    assertEquals(values.size(), refused);
    assertExistingPredictionsKept(existing);
  }

  // ---- your own data (issue 30), in this JVM, into the earlier run's directory ----

  /**
   * CSV, NumPy and image-folder inputs that are wrong in each way issue 30 names: refused before
   * training with file and line, column or sample named, the earlier run untouched.
   */
  @Test
  void ownDataThatIsWrong() throws Exception {
    Path tiny = configFile("tiny.pbtxt", "format_version: 1\nname: \"tiny\"\ninput_shape: 2\n"
        + "layers { dense { inputs: 2 outputs: 2 activation: IDENTITY } }\nloss { kind: SOFTMAX_CROSS_ENTROPY }\n");
    Path line = configFile("line.pbtxt", "format_version: 1\nname: \"line\"\ninput_shape: 2\n"
        + "layers { dense { inputs: 2 outputs: 1 activation: IDENTITY } }\nloss { kind: MEAN_SQUARED_ERROR }\n");
    Path notAnImage = Files.createDirectories(directory.resolve("pictures/cat"));
    Files.writeString(notAnImage.resolve("broken.png"), "not a PNG");
    Path emptyFolder = Files.createDirectories(directory.resolve("no-pictures"));
    byte[] npy = npyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }");
    Path lying = Files.write(directory.resolve("lying.npy"), Arrays.copyOf(npy, npy.length + 20));
    Path fortran = Files.write(directory.resolve("fortran.npy"), concatBytes(npyHeader(
        "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2), }"), new byte[24]));
    Object[][] cases = {
        {tiny, configFile("ragged.csv", "a,b,y\n1,2,p\n1,2\n"), List.of(), "line 3 has 2 values but the header has 3"},
        {tiny, configFile("word.csv", "a,b,y\n1,two,p\n"), List.of(), "line 2, column 'b': 'two' is not a number"},
        {tiny, configFile("nan.csv", "a,b,y\n1,2,p\nNaN,2,q\n"), List.of(), "line 3, column 'a': NaN is not a finite"},
        {line, configFile("inf.csv", "a,b,y\n1,2,3\n1,2,Infinity\n"), List.of(), "line 3, column 'y': Infinity is not"},
        {tiny, configFile("nolabel.csv", "a,b,y\n1,2,p\n"), List.of("--label", "species"),
            "has no column 'species' for the labels; its columns are a, b, y"},
        {tiny, configFile("empty.csv", ""), List.of(), "is empty"},
        {tiny, configFile("header.csv", "a,b,y\n"), List.of(), "has a header but no rows"},
        {tiny, lying, List.of("--labels", lying.toString()), "the header promises shape (3, 2) of <f4, 24 bytes"},
        {tiny, fortran, List.of("--labels", fortran.toString()), "Fortran order"},
        {tiny, notAnImage.getParent(), List.of("--image-size", "2,1", "--channels", "1"),
            "is not an image ImageIO can decode"},
        {tiny, emptyFolder, List.of("--format", "images", "--image-size", "2,1", "--channels", "1"), "is empty"}};
    int refused = 0;
    for (Object[] c : cases) {
      List<String> arguments = new ArrayList<>(List.of("train", "--model", c[0].toString(), "--data", c[1].toString(),
          "--out", run.toString()));
      @SuppressWarnings("unchecked")
      List<String> extra = (List<String>) c[2];
      arguments.addAll(extra);
      Outcome outcome = CommandRunner.run(arguments.toArray(String[]::new));
      boolean ok = isRefusal(outcome, c[3].toString());
      refused += ok ? 1 : 0;
      if (!ok) {
        System.out.println("not refused as expected: " + arguments + "\n" + outcome.err());
      }
    }
    // A class the checkpoint's model never saw, at evaluate: Fashion-MNIST's classes are names 0–9.
    StringBuilder unseen = new StringBuilder("label");
    for (int j = 0; j < 784; j++) {
      unseen.append(",p").append(j);
    }
    unseen.append("\n11").append(",0".repeat(784)).append('\n');
    Path unseenCsv = configFile("unseen.csv", unseen.toString());
    Outcome evaluated = CommandRunner.run("evaluate", "--checkpoint", run.resolve("checkpoint").toString(), "--data",
        unseenCsv.toString());
    boolean unseenRefused = isRefusal(evaluated, unseenCsv.toString(),
        "line 2, column 'label': class '11' was not seen in training");
    refused += unseenRefused ? 1 : 0;
    if (!unseenRefused) {
      System.out.println("not refused as expected: evaluate " + unseenCsv + "\n" + evaluated.err());
    }
    report("own data (CSV, NumPy, image folders, unseen class) refused", refused, cases.length + 1);
    assertEquals(cases.length + 1, refused);
    assertEquals(runHashes, hashes(run), "a refused command changed the earlier run's files");
  }

  private static byte[] npyHeader(String dict) {
    String header = dict + " ".repeat((128 - (10 + dict.length() + 1) % 64) % 64) + "\n";
    byte[] bytes = new byte[10 + header.length()];
    byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length(), 0};
    System.arraycopy(magic, 0, bytes, 0, 10);
    System.arraycopy(header.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, bytes, 10, header.length());
    return bytes;
  }

  private static byte[] concatBytes(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  // ---- corrupt checkpoints for evaluate, predict and train --resume ----

  @Test
  void flippedByteInAShardFile() throws Exception {
    Path checkpoint = copyOf(run.resolve("checkpoint"), "flipped");
    Path shard = onlyShardFile(checkpoint);
    flipByte(shard, (int) (Files.size(shard) / 2));
    Outcome evaluated = PartitaProcess.run(directory, Map.of(), "evaluate", "--checkpoint", checkpoint.toString());
    assertRefused(evaluated, shard.toString(), "SHA-256", "corrupt");
    Outcome predicted = PartitaProcess.run(directory, Map.of(), "predict", "--checkpoint", checkpoint.toString(),
        "--images", FashionMnist.DEBIAN_DIRECTORY.resolve("t10k-images-idx3-ubyte.gz").toString(), "--out",
        existingPredictions().toString());
    assertRefused(predicted, shard.toString(), "SHA-256");
    assertExistingPredictionsKept(existingPredictions());
  }

  @Test
  void truncatedManifest() throws Exception {
    Path checkpoint = copyOf(run.resolve("checkpoint"), "truncated-manifest");
    Path manifest = checkpoint.resolve("manifest.pb");
    truncate(manifest, 20);
    Outcome evaluated = PartitaProcess.run(directory, Map.of(), "evaluate", "--checkpoint", checkpoint.toString());
    assertRefused(evaluated, manifest.toString());
  }

  @Test
  void missingFiles() throws Exception {
    Path withoutShard = copyOf(run.resolve("checkpoint"), "without-shard");
    Path shard = onlyShardFile(withoutShard);
    Files.delete(shard);
    assertRefused(PartitaProcess.run(directory, Map.of(), "evaluate", "--checkpoint", withoutShard.toString()),
        shard.toString(), "not found");
    Path withoutManifest = copyOf(run.resolve("checkpoint"), "without-manifest");
    Files.delete(withoutManifest.resolve("manifest.pb"));
    assertRefused(PartitaProcess.run(directory, Map.of(), "evaluate", "--checkpoint", withoutManifest.toString()),
        withoutManifest.toString(), "no manifest.pb");
  }

  /**
   * A run whose newest periodic checkpoint was damaged, resumed into its own directory: refused
   * with the damaged file named, and every file of that run — the damaged one included — left as
   * it was, older checkpoints neither deleted nor replaced.
   */
  @Test
  void resumeFromADamagedCheckpointLeavesTheRunAsItWas() throws Exception {
    List<CheckpointDamage> damages = List.of(
        step -> flipByte(onlyShardFile(step), 1000),
        step -> truncate(step.resolve("manifest.pb"), 30),
        step -> Files.delete(onlyShardFile(step)));
    for (int i = 0; i < damages.size(); i++) {
      Path victim = copyOf(run, "victim-" + i);
      Path newest = victim.resolve("checkpoints/step-000000008");
      String named = i == 1 ? newest.resolve("manifest.pb").toString() : onlyShardFile(newest).toString();
      damages.get(i).apply(newest);
      Map<String, String> before = hashes(victim);
      Outcome resumed = PartitaProcess.run(directory, Map.of(), "train", "--model", "mlp", "--epochs", "1",
          "--train-samples", "1000", "--batch", "100", "--checkpoint-every", "4", "--keep", "2",
          "--resume", victim.resolve("checkpoints").toString(), "--out", victim.toString());
      assertRefused(resumed, named);
      assertEquals(before, hashes(victim), "the resumed run's files changed");
    }
  }

  private interface CheckpointDamage {
    void apply(Path checkpoint) throws IOException;
  }

  /** Every length the manifest could be cut to, in this JVM. */
  @Test
  void manifestCutAtEveryLength() throws Exception {
    Path checkpoint = copyOf(run.resolve("checkpoint"), "cut-manifest");
    Path manifest = checkpoint.resolve("manifest.pb");
    byte[] whole = Files.readAllBytes(manifest);
    int refused = 0;
    for (int length = 0; length < whole.length; length++) {
      Files.write(manifest, Arrays.copyOf(whole, length));
      refused += isRefusal(CommandRunner.run("evaluate", "--checkpoint", checkpoint.toString()),
          manifest.toString()) ? 1 : 0;
    }
    report("manifests cut short refused", refused, whole.length);
    assertEquals(whole.length, refused);
  }

  /** Single flipped bytes spread over the whole shard file, and cut-off shard files, in this JVM. */
  @Test
  void shardFileFlippedOrCutAnywhere() throws Exception {
    Path checkpoint = copyOf(run.resolve("checkpoint"), "flip-sweep");
    Path shard = onlyShardFile(checkpoint);
    byte[] whole = Files.readAllBytes(shard);
    int cases = 100;
    int flipsRefused = 0;
    int cutsRefused = 0;
    for (int i = 0; i < cases; i++) {
      int position = (int) ((long) i * (whole.length - 1) / (cases - 1));
      byte[] damaged = whole.clone();
      damaged[position] ^= (byte) (1 << (i % 8));
      Files.write(shard, damaged);
      flipsRefused += isRefusal(CommandRunner.run("evaluate", "--checkpoint", checkpoint.toString()),
          shard.toString(), "SHA-256") ? 1 : 0;
      Files.write(shard, Arrays.copyOf(whole, position));
      cutsRefused += isRefusal(CommandRunner.run("evaluate", "--checkpoint", checkpoint.toString()),
          shard.toString(), "bytes but the manifest records") ? 1 : 0;
    }
    report("shard files with one flipped bit refused", flipsRefused, cases);
    report("shard files cut short refused", cutsRefused, cases);
    assertEquals(cases, flipsRefused);
    assertEquals(cases, cutsRefused);
  }

  // ---- configuration: --config FILE, $PARTITA_CONFIG and PARTITA_<COMMAND>_<OPTION> ----

  @Test
  void unknownConfigurationKeys() throws Exception {
    Path typo = configFile("typo.conf", "partita.train.epochz = 3\n");
    assertConfigRefused(Map.of(), typo, typo.toString(), "unknown key 'partita.train.epochz'");
    Path command = configFile("command.conf", "partita { trian { epochs = 3 } }\n");
    assertConfigRefused(Map.of(), command, command.toString(), "there is no command 'trian'");
    Path outside = configFile("outside.conf", "epochs = 3\n");
    assertConfigRefused(Map.of("PARTITA_CONFIG", outside.toString()), null, outside.toString(), "unknown key 'epochs'");
  }

  @Test
  void badConfigurationValues() throws Exception {
    Path word = configFile("word.conf", "partita.train.epochs = ten\n");
    assertConfigRefused(Map.of(), word, word.toString(), "key 'partita.train.epochs'", "'ten' is not an int");
    Path object = configFile("object.conf", "partita.train.model { name = mlp }\n");
    assertConfigRefused(Map.of(), object, object.toString(), "unknown key 'partita.train.model.name'");
    Path zero = configFile("zero.conf", "partita.train.epochs = 0\n");
    assertConfigRefused(Map.of(), zero, zero.toString(), "--epochs must be ≥ 1", "key 'partita.train.epochs'");
    Path broken = configFile("broken.conf", "partita { train { epochs = 3\n");
    assertConfigRefused(Map.of(), broken, broken.toString(), "does not parse");
    assertConfigRefused(Map.of(), directory.resolve("absent.conf"), directory.resolve("absent.conf").toString(),
        "does not exist");
  }

  @Test
  void badEnvironmentValues() throws Exception {
    assertConfigRefused(Map.of("PARTITA_TRAIN_EPOCHS", "ten"), null, "environment variable PARTITA_TRAIN_EPOCHS",
        "'ten' is not an int");
    assertConfigRefused(Map.of("PARTITA_TRAIN_LR", "-1"), null, "environment variable PARTITA_TRAIN_LR",
        "--lr must be a positive number");
  }

  // ---- assertions ----

  /** partita train on {@code data} into the earlier run's directory: refused, the run untouched. */
  private static void assertTrainRefused(Path data, String file, String problem) throws Exception {
    Outcome outcome = PartitaProcess.run(directory, Map.of(), concat(QUICK_TRAINING, "--data", data.toString(),
        "--out", run.toString()));
    assertRefused(outcome, data.resolve(file).toString(), problem);
  }

  /** partita predict of {@code images} over an existing predictions file: refused, the file kept. */
  private static void assertPredictRefused(Path images, String... named) throws Exception {
    Path existing = existingPredictions();
    Outcome outcome = PartitaProcess.run(directory, Map.of(), "predict", "--checkpoint",
        run.resolve("checkpoint").toString(), "--images", images.toString(), "--out", existing.toString());
    assertRefused(outcome, named);
    assertExistingPredictionsKept(existing);
  }

  private static int freshDirectories;

  /**
   * A training with configuration {@code file} (null: none) and {@code environment}, with no flag
   * for the options they set: refused before any work, its --out never created.
   */
  private static void assertConfigRefused(Map<String, String> environment, Path file, String... named)
      throws Exception {
    Path fresh = directory.resolve("never-written-" + ++freshDirectories);
    List<String> arguments = new ArrayList<>();
    if (file != null) {
      arguments.addAll(List.of("--config", file.toString()));
    }
    arguments.addAll(List.of("train", "--model", "mlp", "--train-samples", "500", "--out", fresh.toString()));
    assertRefused(PartitaProcess.run(directory, environment, arguments.toArray(String[]::new)), named);
    assertFalse(Files.exists(fresh), "a refused run created " + fresh);
  }

  /** Exit code 2, one "partita: " line naming everything in {@code named}, no stack trace, the earlier run as it was. */
  private static void assertRefused(Outcome outcome, String... named) throws IOException {
    String all = outcome.out() + outcome.err();
    assertEquals(ExitCode.BAD_INPUT, outcome.exitCode(), all);
    assertTrue(isRefusal(outcome, named), "the error line does not name all of " + List.of(named) + ":\n" + all);
    assertFalse(all.contains("\tat ") || all.contains("internal error"), "a stack trace for bad input:\n" + all);
    assertEquals(runHashes, hashes(run), "a refused command changed the earlier run's files");
  }

  private static boolean isRefusal(Outcome outcome, String... named) {
    List<String> errors = outcome.err().lines().filter(line -> line.startsWith("partita: ")).toList();
    return outcome.exitCode() == ExitCode.BAD_INPUT && errors.size() == 1
        && Arrays.stream(named).allMatch(errors.get(0)::contains);
  }

  private static void report(String scenario, int passed, int cases) {
    System.out.printf("BAD-INPUT %s: %d/%d%n", scenario, passed, cases);
  }

  // ---- damaged inputs, made in the temporary directory from copies ----

  private static int dataDirectories;

  /**
   * A Fashion-MNIST directory with links to Debian's files except {@code damagedFile}, made from
   * Debian's file of that name passed through {@code damage}: the gzip bytes when the name ends in
   * .gz, else the IDX bytes, written uncompressed.
   */
  private static Path dataWith(String damagedFile, UnaryOperator<byte[]> damage)
      throws IOException {
    Path data = Files.createDirectories(directory.resolve("data-" + ++dataDirectories));
    String damagedBase = damagedFile.replace(".gz", "");
    try (var files = Files.list(FashionMnist.DEBIAN_DIRECTORY)) {
      for (Path original : files.toList()) {
        String name = original.getFileName().toString();
        if (name.replace(".gz", "").equals(damagedBase)) {
          byte[] bytes = Files.readAllBytes(original);
          Files.write(data.resolve(damagedFile), damage.apply(damagedFile.endsWith(".gz") ? bytes : gunzip(bytes)));
        } else {
          Files.createSymbolicLink(data.resolve(name), original);
        }
      }
    }
    return data;
  }

  private static byte[] gunzip(byte[] bytes) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
      return in.readAllBytes();
    }
  }

  private static byte[] withInt(byte[] idx, int offset, int value) {
    ByteBuffer.wrap(idx).putInt(offset, value);
    return idx;
  }

  /**
   * {@code images} rows of {@code width} pixel values; {@code where} "LINE:PIXEL" (1-based line,
   * 0-based pixel) holds {@code value} instead of an intensity, "" for none.
   */
  private static Path csvImages(String name, int images, int width, String where, String value) throws IOException {
    StringBuilder csv = new StringBuilder();
    for (int line = 1; line <= images; line++) {
      for (int pixel = 0; pixel < width; pixel++) {
        csv.append(pixel == 0 ? "" : ",").append(where.equals(line + ":" + pixel) ? value : (line * 31 + pixel) % 256);
      }
      csv.append('\n');
    }
    return Files.writeString(directory.resolve(name), csv);
  }

  private static final String EARLIER_PREDICTIONS = "index,class\n0,9\n";

  /** A predictions file a user already has at --out, which a refused predict must leave alone. */
  private static Path existingPredictions() throws IOException {
    Path file = directory.resolve("predictions.csv");
    if (!Files.exists(file)) {
      Files.writeString(file, EARLIER_PREDICTIONS);
    }
    return file;
  }

  private static void assertExistingPredictionsKept(Path file) throws IOException {
    assertEquals(EARLIER_PREDICTIONS, Files.readString(file), "a refused predict changed " + file);
    assertFalse(Files.exists(file.resolveSibling(file.getFileName() + ".partial")), "a refused predict left a partial file");
  }

  private static Path configFile(String name, String text) throws IOException {
    return Files.writeString(directory.resolve(name), text);
  }

  private static Path copyOf(Path source, String name) throws IOException {
    Path copy = directory.resolve(name);
    try (var files = Files.walk(source)) {
      for (Path file : files.toList()) {
        Path target = copy.resolve(source.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
    return copy;
  }

  private static Path onlyShardFile(Path checkpoint) throws IOException {
    try (var files = Files.list(checkpoint)) {
      List<Path> shards = files.filter(file -> file.getFileName().toString().startsWith("shard-")).toList();
      assertEquals(1, shards.size(), checkpoint + " holds " + shards);
      return shards.get(0);
    }
  }

  private static void flipByte(Path file, int position) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[position] ^= 1;
    Files.write(file, bytes);
  }

  private static void truncate(Path file, int bytesOff) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, bytes.length - bytesOff));
  }

  /** Every file under {@code root}, by path relative to it, with its SHA-256. */
  private static Map<String, String> hashes(Path root) throws IOException {
    Map<String, String> hashes = new TreeMap<>();
    try (var files = Files.walk(root)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        hashes.put(root.relativize(file).toString(), HexFormat.of().formatHex(sha256.digest(Files.readAllBytes(file))));
      }
    }
    return hashes;
  }

  private static String[] concat(String[] first, String... rest) {
    String[] all = Arrays.copyOf(first, first.length + rest.length);
    System.arraycopy(rest, 0, all, first.length, rest.length);
    return all;
  }
}
