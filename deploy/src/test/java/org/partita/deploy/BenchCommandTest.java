package org.partita.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.CommandRunner.Outcome;

/** partita bench as a user runs it: a real embedded cluster, real steps, the table and the JSON. */
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
  void badCountsAreRefused() {
    Outcome outcome = CommandRunner.run("bench", "--rounds", "0");
    assertEquals(ExitCode.BAD_INPUT, outcome.exitCode());
    assertTrue(outcome.err().contains("--rounds"), outcome.err());
  }
}
