package org.partita.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.CommandRunner.Outcome;

/**
 * partita bench as a user runs it: real clusters (embedded, or a running one with --seeds), real
 * steps, the table and the JSON.
 */
class BenchCommandTest {
  @TempDir
  Path directory;

  @Test
  void measuresThePlanAndTheReferenceSideBySideWithPredictions() throws Exception {
    Path profile = directory.resolve("profile.pb");
    PlanCommandTest.testProfile().save(profile);
    Path json = directory.resolve("out/bench.json");
    Outcome outcome = CommandRunner.run("bench", "--model", "mlp", "--nodes", "2", "--plan", "stages=2",
        "--rounds", "3", "--steps", "2", "--profile", profile.toString(), "--json", json.toString());
    assertEquals(ExitCode.OK, outcome.exitCode(), outcome.err());
    String out = outcome.out();
    assertTrue(out.contains("plan: 1 replica × 2 stages"), out);
    assertEquals(3, out.lines().filter(line -> line.startsWith("round ")).count(), out);
    assertTrue(out.lines().anyMatch(line -> line.matches("\\| reference trainer \\(1 process\\) \\| [0-9.]+ / [0-9.]+ / "
        + "[0-9.]+ ms \\| [0-9,]+ \\| [0-9.]+ ms \\| [+-][0-9]+% \\|")), out);
    assertTrue(out.contains("speedup of the plan over the reference trainer: "), out);
    String written = Files.readString(json);
    assertTrue(written.contains("\"plan\": \"1 replica × 2 stages") && written.contains("\"predicted_speedup\""),
        written);
    double speedup = Double.parseDouble(written.replaceAll("(?s).*\"speedup\": ([0-9.Ee-]+).*", "$1"));
    assertTrue(speedup > 0 && Double.isFinite(speedup), written);
  }

  @Test
  void measuresAPlanOnTheWorkersOfARunningClusterOverTheLinkGiven() throws Exception {
    Path profile = directory.resolve("profile.pb");
    PlanCommandTest.testProfile().save(profile);
    try (RunningTlsCluster cluster = new RunningTlsCluster(directory, 2)) {
      Path json = directory.resolve("bench.json");
      Outcome outcome = CommandRunner.run("bench", "--model", "mlp", "--nodes", "2", "--plan", "replicas=2",
          "--seeds", cluster.seed(), "--tls", cluster.certs().toString(), "--link", "10mbit", "--latency-us", "400",
          "--rounds", "2", "--steps", "1", "--profile", profile.toString(), "--json", json.toString());
      assertEquals(ExitCode.OK, outcome.exitCode(), outcome.err());
      assertTrue(outcome.out().contains("2 workers of a running cluster") && outcome.out().contains("(mutual TLS)"),
          outcome.out());
      assertTrue(outcome.out().contains("link for the predictions: 0.0100 Gbit/s, 400 µs (--link)"), outcome.out());
      String written = Files.readString(json);
      assertTrue(written.contains("\"cluster\": \"running\""), written);
      assertTrue(written.contains("\"link\": \"0.0100 Gbit/s, 400 µs\""), written);
      // The ring all-reduce of the MLP's gradients over 10 Mbit/s dominates the prediction.
      double predicted = Double.parseDouble(written.replaceAll(
          "(?s).*\"distributed\": \\{.*?\"predicted_step_ms\": ([0-9.Ee-]+).*", "$1"));
      assertTrue(predicted > 100, written);
    }
  }

  @Test
  void linkOptionsAreCheckedBeforeAnyNodeStarts() {
    assertRefused("--link: link speed '10gb' must end in gbit or mbit", "--seeds", "127.0.0.1:1", "--link", "10gb");
    assertRefused("--latency-us must be ≥ 0", "--seeds", "127.0.0.1:1", "--link", "1gbit", "--latency-us", "-5");
    assertRefused("--latency-us goes with --link", "--seeds", "127.0.0.1:1", "--latency-us", "20");
    assertRefused("give --seeds too", "--link", "1gbit");
    assertRefused("give --seeds too", "--tls", directory.toString());
  }

  private static void assertRefused(String message, String... args) {
    String[] command = new String[args.length + 1];
    command[0] = "bench";
    System.arraycopy(args, 0, command, 1, args.length);
    Outcome outcome = CommandRunner.run(command);
    assertEquals(ExitCode.BAD_INPUT, outcome.exitCode(), outcome.out() + outcome.err());
    assertTrue(outcome.err().contains(message), outcome.err());
  }

  @Test
  void badCountsAreRefused() {
    Outcome outcome = CommandRunner.run("bench", "--rounds", "0");
    assertEquals(ExitCode.BAD_INPUT, outcome.exitCode());
    assertTrue(outcome.err().contains("--rounds"), outcome.err());
  }
}
