package org.partita.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.partita.deploy.CommandRunner.Outcome;

/** {@code partita spark} on local[2]: a DataFrame job from the command line, and its refusals. */
class SparkCommandTest {

  @Test
  void trainsInABarrierStageAndScoresTheTestSplit() {
    Outcome outcome = CommandRunner.run("spark", "--master", "local[2]", "--model", "mlp", "--plan", "replicas=2",
        "--epochs", "1", "--train-samples", "3000");
    assertEquals(ExitCode.OK, outcome.exitCode(), outcome.err());
    assertTrue(outcome.out().contains("plan: 2 replicas × 1 stage (1 slice)") && outcome.out().contains("2 task slots"),
        outcome.out());
    String result = outcome.out().replaceAll("(?s).*RESULT test_accuracy=([0-9.]+).*", "$1");
    assertTrue(Double.parseDouble(result) > 0.6, "one epoch on 3000 images should pass 60%: " + result);
  }

  @Test
  void badSettingsAreBadInputBeforeOrInsteadOfTraining() {
    Outcome optimizer = CommandRunner.run("spark", "--optimizer", "lion");
    assertEquals(ExitCode.BAD_INPUT, optimizer.exitCode());
    assertTrue(optimizer.err().contains("optimizer param 'lion'"), optimizer.err());
    Outcome slots = CommandRunner.run("spark", "--master", "local[2]", "--plan", "replicas=3", "--train-samples",
        "300");
    assertEquals(ExitCode.BAD_INPUT, slots.exitCode());
    assertTrue(slots.err().contains("needs 3 tasks running at once"), slots.err());
  }
}
