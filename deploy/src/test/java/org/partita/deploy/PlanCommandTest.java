package org.partita.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.partita.deploy.CommandRunner.Outcome;
import org.junit.jupiter.api.io.TempDir;
import org.partita.partitioner.MachineProfile;

/** partita plan with a fixed machine profile (no measuring in tests), as a user runs it. */
class PlanCommandTest {
  @TempDir
  static Path directory;
  static Path profile;

  @BeforeAll
  static void writeProfile() throws Exception {
    profile = directory.resolve("profile.pb");
    testProfile().save(profile);
  }

  /** A fixed machine, so predictions in tests do not depend on measuring this one. */
  static MachineProfile testProfile() {
    List<MachineProfile.GemmSample> samples = new ArrayList<>();
    for (int d : new int[] {4, 64, 512}) {
      for (int o : new int[] {128, 2048}) {
        samples.add(new MachineProfile.GemmSample(d, o, 20 + d / 4.0));
      }
    }
    return new MachineProfile("test CPU", 2, 2, "java", samples, 0.5, 1.0, 8, 20_000,
        new MachineProfile.UpdateCost(0.3, 0.5, 0.8), 0, null);
  }

  @Test
  void wideMlpOnSmallNodesGetsAModelParallelPlanWithABreakdown() {
    Outcome outcome = CommandRunner.run("plan", "--model", "wide-mlp", "--nodes", "4", "--node-memory", "256m",
        "--profile", profile.toString());
    assertEquals(ExitCode.OK, outcome.exitCode(), outcome.err());
    String chosen = outcome.out().lines().filter(l -> l.startsWith("chosen: ")).findFirst().orElseThrow();
    assertTrue(chosen.startsWith("chosen: 1 replica"), chosen);
    assertTrue(!chosen.contains("(1 slice)"), "expected slices or stages: " + chosen);
    assertTrue(outcome.out().contains("predicted step ") && outcome.out().contains("compute ")
        && outcome.out().contains("exchange "), outcome.out());
    assertTrue(outcome.out().contains("memory per node (its shards, the runtime's 64 MiB, 10% of the heap left free for the collector):"), outcome.out());
  }

  @Test
  void aModelThatFitsNowhereIsBadInputWithTheMemoryItNeeds() {
    Outcome outcome = CommandRunner.run("plan", "--model", "wide-mlp", "--nodes", "1", "--node-memory", "128m",
        "--profile", profile.toString());
    assertEquals(ExitCode.BAD_INPUT, outcome.exitCode());
    assertTrue(outcome.err().contains("fits no plan on 1 node(s) offering 128 MiB") && outcome.err().contains("needs"),
        outcome.err());
  }

  @Test
  void jsonAndModelFilesWork() throws Exception {
    Path spec = directory.resolve("tiny.pbtxt");
    Files.writeString(spec, """
        format_version: 1
        name: "tiny"
        input_shape: 8
        layers { dense { inputs: 8 outputs: 16 activation: RELU } }
        layers { dense { inputs: 16 outputs: 3 activation: IDENTITY } }
        loss { kind: SOFTMAX_CROSS_ENTROPY }
        """);
    Outcome outcome = CommandRunner.run("plan", "--model", spec.toString(), "--nodes", "2", "--json", "--profile", profile.toString());
    assertEquals(ExitCode.OK, outcome.exitCode(), outcome.err());
    assertTrue(outcome.out().contains("\"model\": \"tiny\"") && outcome.out().contains("\"predicted_step\": {"),
        outcome.out());
    Path broken = directory.resolve("broken.pbtxt");
    Files.writeString(broken, "layers { dense { inputs: 8 outputs: 0 activation: RELU } }\nformat_version: 1\n"
        + "name: \"b\"\ninput_shape: 8\nloss { kind: SOFTMAX_CROSS_ENTROPY }\n");
    Outcome bad = CommandRunner.run("plan", "--model", broken.toString(), "--profile", profile.toString());
    assertEquals(ExitCode.BAD_INPUT, bad.exitCode());
    assertTrue(bad.err().contains("broken.pbtxt: layers[0].dense: Dense needs"), bad.err());
  }
}
