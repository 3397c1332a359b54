package org.partita.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.partita.deploy.CommandRunner.Outcome;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.io.ModelCheckpoint;
import org.partita.deploy.report.PngChart;

/**
 * The partita command as a user runs it (in-process, output captured): a short real training on
 * Fashion-MNIST, and the exit codes and messages of bad usage. Runs in its own JVM, so swapping
 * System.out affects nothing else.
 */
class TrainCommandTest {
  @TempDir
  Path directory;

  @Test
  void shortTrainingWritesMetricsCheckpointAndResultLine() throws Exception {
    Path runDirectory = directory.resolve("run");
    Outcome outcome = CommandRunner.run("train", "--model", "mlp", "--epochs", "1", "--train-samples", "5000",
        "--out", runDirectory.toString(), "--progress-interval", "0.001");
    assertEquals(ExitCode.OK, outcome.exitCode(), outcome.err());
    String[] lines = outcome.out().strip().split("\n");
    String last = lines[lines.length - 1];
    assertTrue(last.matches("RESULT test_accuracy=0\\.\\d{4} samples_per_second=\\d+\\.\\d"), last);
    assertTrue(outcome.out().contains("epoch 1/1  step "), "progress lines: " + outcome.out());
    assertTrue(outcome.out().contains("BLAS ") && outcome.out().contains("max heap"), outcome.out());
    assertTrue(outcome.out().contains("dashboard: http://127.0.0.1:"), "the dashboard, on loopback: " + outcome.out());

    String metrics = Files.readString(runDirectory.resolve("metrics.json"));
    for (String key : new String[] {"model", "plan", "epochs", "test_accuracy", "final_train_loss",
        "samples_per_second", "wall_seconds", "blas_backend"}) {
      assertTrue(metrics.contains("\"" + key + "\": "), "metrics.json lacks " + key + ":\n" + metrics);
    }
    double accuracy = Double.parseDouble(last.replaceAll(".*test_accuracy=([0-9.]+).*", "$1"));
    assertTrue(accuracy > 0.7, "one epoch on 5000 images should pass 70%: " + accuracy);
    ModelCheckpoint.Saved saved = ModelCheckpoint.read(runDirectory.resolve("checkpoint"));
    assertEquals("mlp", saved.model().name());
    try (var events = Files.list(runDirectory.resolve("tb"))) {
      assertTrue(events.anyMatch(file -> file.getFileName().toString().startsWith("events.out.tfevents.")),
          "a TensorBoard event file in RUN/tb");
    }
    for (String plot : new String[] {"loss.png", "accuracy.png"}) {
      java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(runDirectory.resolve(plot).toFile());
      assertTrue(image != null && image.getWidth() == PngChart.WIDTH && image.getHeight() == PngChart.height(2),
          plot + " is not the chart");
    }
  }

  @Test
  void characterModelTrainsOnATextAndGenerates() throws Exception {
    Path text = directory.resolve("text.txt");
    Files.writeString(text, "a stitch in time saves nine. ".repeat(300));
    Path runDirectory = directory.resolve("chars");
    Outcome outcome = CommandRunner.run("train", "--model", "char-lstm", "--text", text.toString(), "--epochs", "3",
        "--batch", "8", "--seq-length", "16", "--hidden", "32", "--lr", "0.02", "--sample-length", "40",
        "--out", runDirectory.toString());
    assertEquals(ExitCode.OK, outcome.exitCode(), outcome.err());
    String[] lines = outcome.out().strip().split("\n");
    assertTrue(lines[lines.length - 1].matches("RESULT test_bits_per_char=\\d+\\.\\d{4} samples_per_second=\\d+\\.\\d"),
        lines[lines.length - 1]);
    assertTrue(outcome.out().contains("generated (temperature 0.8):"), outcome.out());
    String metrics = Files.readString(runDirectory.resolve("metrics.json"));
    for (String key : new String[] {"test_bits_per_char", "unigram_bits_per_char", "generated_sample", "plan"}) {
      assertTrue(metrics.contains("\"" + key + "\": "), "metrics.json lacks " + key);
    }
  }

  /**
   * char-lstm's carried streams on 2 embedded nodes, every layer in 2 slices (the LSTM's h gathered
   * every time step, its cells carried by their slices), end with the single-process run's held-out
   * bits per character — trained from the start, and resumed from that run's checkpoint at the end
   * of epoch 1 (streams save at epoch ends only), re-sharded into the slices.
   */
  @Test
  void characterModelOnTheClusterMatchesTheSingleProcessFromTheStartAndResumed() throws Exception {
    Path text = directory.resolve("cluster-text.txt");
    Files.writeString(text, "the quick brown fox jumps over the lazy dog; ".repeat(120));
    String[] flags = {"train", "--model", "char-lstm", "--text", text.toString(), "--epochs", "2", "--batch", "8",
        "--seq-length", "12", "--hidden", "24", "--lr", "0.02", "--sample-length", "20"};
    Path straight = directory.resolve("chars-local");
    Outcome local = CommandRunner.run(concat(flags, "--checkpoint-every", "1", "--out", straight.toString()));
    assertEquals(ExitCode.OK, local.exitCode(), local.err());
    double expected = bitsPerChar(local.out());
    Path firstEpoch;
    try (var checkpoints = Files.list(straight.resolve("checkpoints"))) {
      List<Path> saved = checkpoints.sorted().toList();
      assertEquals(2, saved.size(), "one checkpoint at the end of each epoch, none between: " + saved);
      firstEpoch = saved.get(0);
    }

    Path runDirectory = directory.resolve("chars-cluster");
    Outcome cluster = CommandRunner.run(concat(flags, "--nodes", "2", "--plan", "slices=2", "--out",
        runDirectory.toString()));
    assertEquals(ExitCode.OK, cluster.exitCode(), cluster.err());
    assertTrue(cluster.out().contains("plan: 1 replica × 1 stage (2 slices)"), cluster.out());
    assertEquals(expected, bitsPerChar(cluster.out()), 2e-4, "held-out bits per character, single process vs 2 slices");
    String metrics = Files.readString(runDirectory.resolve("metrics.json"));
    assertTrue(metrics.contains("\"generated_sample\": ") && metrics.contains("\"placement\": "), metrics);

    Outcome resumed = CommandRunner.run(concat(flags, "--resume", firstEpoch.toString(), "--nodes", "2", "--plan",
        "slices=2", "--out", directory.resolve("chars-resumed").toString()));
    assertEquals(ExitCode.OK, resumed.exitCode(), resumed.err());
    assertTrue(resumed.out().contains("(next: batch 1 of epoch 2)"), resumed.out());
    assertEquals(expected, bitsPerChar(resumed.out()), 2e-4, "held-out bits per character, uninterrupted vs resumed"
        + " on 2 slices");
  }

  private static double bitsPerChar(String out) {
    return Double.parseDouble(out.lines().filter(line -> line.startsWith("RESULT")).findFirst().orElseThrow()
        .replaceAll(".*test_bits_per_char=([0-9.]+).*", "$1"));
  }

  private static String[] concat(String[] first, String... more) {
    String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
    System.arraycopy(more, 0, all, first.length, more.length);
    return all;
  }

  @Test
  void clusterTrainingOnTwoEmbeddedNodesRecordsThePlan() throws Exception {
    Path runDirectory = directory.resolve("cluster");
    Outcome outcome = CommandRunner.run("train", "--model", "mlp", "--nodes", "2", "--plan",
        "replicas=2,slices=2,micro-batches=2",
        "--epochs", "1", "--train-samples", "3000", "--out", runDirectory.toString());
    assertEquals(ExitCode.OK, outcome.exitCode(), outcome.err());
    assertTrue(outcome.out().contains("cluster: 2 workers up"), outcome.out());
    assertTrue(outcome.out().contains("shard r0/s0/p1 on node-2"), outcome.out());
    assertTrue(outcome.out().contains("shard r1/s0/p0 on node-1"), outcome.out());
    assertTrue(outcome.out().contains("runtime: per step "), outcome.out());
    String metrics = Files.readString(runDirectory.resolve("metrics.json"));
    assertTrue(metrics.contains("\"plan\": \"2 replicas × 1 stage (2 slices), 2 micro-batches"), metrics);
    assertTrue(metrics.contains("\"gradient_all_reduce\": "), metrics);
    double accuracy = Double.parseDouble(metrics.replaceAll("(?s).*\"test_accuracy\": ([0-9.]+).*", "$1"));
    assertTrue(accuracy > 0.6, "one epoch on 3000 images should pass 60%: " + accuracy);
    assertEquals("mlp", ModelCheckpoint.read(runDirectory.resolve("checkpoint")).model().name());
  }

  @Test
  void periodicCheckpointsResumeToTheSameResultOnAnyPlan() throws Exception {
    Path first = directory.resolve("first");
    Outcome straight = CommandRunner.run("train", "--model", "mlp", "--epochs", "2", "--train-samples", "1200",
        "--checkpoint-every", "5", "--keep", "2", "--out", first.toString());
    assertEquals(ExitCode.OK, straight.exitCode(), straight.err());
    try (var listing = Files.list(first.resolve("checkpoints"))) {
      assertEquals(java.util.List.of("step-000000015", "step-000000020"),
          listing.map(p -> p.getFileName().toString()).sorted().toList());
    }
    String result = straight.out().lines().filter(line -> line.startsWith("RESULT")).findFirst().orElseThrow();
    String accuracy = result.replaceAll(".*test_accuracy=([0-9.]+).*", "$1");
    // Step 15 is batch 6 of 10 in epoch 2: resume mid-epoch, alone and on 2 replicas.
    Outcome local = CommandRunner.run("train", "--model", "mlp", "--epochs", "2", "--train-samples", "1200",
        "--resume", first.resolve("checkpoints").resolve("step-000000015").toString(),
        "--out", directory.resolve("local").toString());
    assertEquals(ExitCode.OK, local.exitCode(), local.err());
    assertTrue(local.out().contains("after optimizer step 15 (next: batch 6 of epoch 2)"), local.out());
    assertTrue(local.out().contains("RESULT test_accuracy=" + accuracy), local.out());
    Outcome replicas = CommandRunner.run("train", "--model", "mlp", "--epochs", "2", "--train-samples", "1200",
        "--resume", first.resolve("checkpoints").resolve("step-000000015").toString(), "--nodes", "2", "--plan",
        "replicas=2",
        "--out", directory.resolve("replicas").toString());
    assertEquals(ExitCode.OK, replicas.exitCode(), replicas.err());
    assertTrue(replicas.out().contains("2 replicas × 1 stage"), replicas.out());
    Outcome finished = CommandRunner.run("train", "--model", "mlp", "--epochs", "2", "--train-samples", "1200",
        "--resume", first.resolve("checkpoints").toString(), "--out", directory.resolve("finished").toString());
    assertEquals(ExitCode.BAD_INPUT, finished.exitCode(), "the newest checkpoint is the end of epoch 2");
    assertTrue(finished.err().contains("ask for more epochs"), finished.err());
    Outcome wrongModel = CommandRunner.run("train", "--model", "cnn", "--epochs", "2", "--train-samples", "1200",
        "--resume", first.resolve("checkpoints").toString(), "--out", directory.resolve("wrong").toString());
    assertEquals(ExitCode.BAD_INPUT, wrongModel.exitCode());
    assertTrue(wrongModel.err().contains("holds model 'mlp'"), wrongModel.err());
  }

  @Test
  void clusterOptionsAreCheckedBeforeAnyNodeStarts() {
    Outcome badPlan = CommandRunner.run("train", "--model", "mlp", "--nodes", "2", "--plan", "slices=two");
    assertEquals(ExitCode.BAD_INPUT, badPlan.exitCode());
    assertTrue(badPlan.err().contains("slices must be a whole number"), badPlan.err());
    Outcome unknownKey = CommandRunner.run("train", "--model", "mlp", "--nodes", "2", "--plan", "replica=2");
    assertEquals(ExitCode.BAD_INPUT, unknownKey.exitCode());
    assertTrue(unknownKey.err().contains("keys are replicas, stages"), unknownKey.err());
  }

  @Test
  void unknownModelIsBadUsageAndListsTheChoices() {
    Outcome outcome = CommandRunner.run("train", "--model", "resnet");
    assertEquals(ExitCode.BAD_INPUT, outcome.exitCode());
    assertTrue(outcome.err().contains("unknown model 'resnet'; choose one of mlp, cnn, lstm, gru, wide-mlp, char-lstm"), outcome.err());
  }

  @Test
  void missingDataDirectorySaysWhatToInstall() {
    Outcome outcome = CommandRunner.run("train", "--model", "mlp", "--data", directory.resolve("nowhere").toString(),
        "--out", directory.resolve("run").toString());
    assertEquals(ExitCode.BAD_INPUT, outcome.exitCode());
    assertTrue(outcome.err().contains("nowhere") && outcome.err().contains("dataset-fashion-mnist"), outcome.err());
  }

  @Test
  void badFlagValuesAreRejectedBeforeAnyWork() {
    assertEquals(ExitCode.BAD_INPUT, CommandRunner.run("train", "--epochs", "0").exitCode());
    assertEquals(ExitCode.BAD_INPUT, CommandRunner.run("train", "--optimizer", "lion").exitCode());
    Outcome notANumber = CommandRunner.run("train", "--batch", "many");
    assertEquals(ExitCode.BAD_INPUT, notANumber.exitCode());
    assertTrue(notANumber.err().contains("--batch"), notANumber.err());
  }

  @Test
  void helpShowsExamples() {
    Outcome outcome = CommandRunner.run("train", "--help");
    assertEquals(ExitCode.OK, outcome.exitCode());
    assertTrue(outcome.out().contains("Examples:") && outcome.out().contains("--train-samples"), outcome.out());
  }
}
