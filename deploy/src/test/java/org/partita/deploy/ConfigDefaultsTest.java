package org.partita.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Option defaults from HOCON and PARTITA_* variables under the flags; unknown keys refused by name. */
class ConfigDefaultsTest {
  @TempDir
  Path directory;

  private record Run(int exit, String out, String err) {}

  /** Help text wraps lines: outputs compared with runs of white space collapsed. */
  private static Run run(Map<String, String> environment, String... args) {
    CommandRunner.Outcome outcome = CommandRunner.run(environment, args);
    return new Run(outcome.exitCode(), outcome.out().replaceAll("\\s+", " "), outcome.err().replaceAll("\\s+", " "));
  }

  @Test
  void theShippedFileIsValidAndItsValuesBecomeTheDefaults() throws Exception {
    Path shipped = Path.of(System.getProperty("user.dir"), "conf", "partita.conf");
    Run help = run(Map.of(), "--config", shipped.toString(), "train", "--help");
    assertEquals(ExitCode.OK, help.exit(), help.err());
    assertTrue(help.out().contains("(default: 120)"), help.out());
  }

  @Test
  void fileThenEnvironmentThenFlagsWin() throws Exception {
    Path file = directory.resolve("partita.conf");
    Files.writeString(file, "partita.train.step-timeout = 300\npartita.train.keep = 7\n");
    Run fromFile = run(Map.of(), "--config", file.toString(), "train", "--help");
    assertTrue(fromFile.out().contains("(default: 300)") && fromFile.out().contains("keep (default: 7)"),
        fromFile.out());
    Run fromEnvironment = run(Map.of("PARTITA_TRAIN_STEP_TIMEOUT", "450"), "--config", file.toString(), "train",
        "--help");
    assertTrue(fromEnvironment.out().contains("(default: 450)"), fromEnvironment.out());
    // a bad value from the file is refused with the option named, before any work
    Files.writeString(file, "partita.train.epochs = many\n");
    Run bad = run(Map.of(), "--config", file.toString(), "train", "--train-samples", "10");
    assertEquals(ExitCode.BAD_INPUT, bad.exit());
    assertTrue(bad.err().contains("--epochs") && bad.err().contains("many"), bad.err());
    // a flag beats the file
    Run flag = run(Map.of(), "--config", file.toString(), "train", "--epochs", "0");
    assertTrue(flag.err().contains("--epochs must be ≥ 1, got 0"), flag.err());
  }

  /** The user never typed the bad value, so the error names the variable or key it came from. */
  @Test
  void badValuesNameTheirVariableOrKey() throws Exception {
    Run word = run(Map.of("PARTITA_TRAIN_EPOCHS", "ten"), "train", "--train-samples", "10");
    assertEquals(ExitCode.BAD_INPUT, word.exit());
    assertTrue(word.err().contains("'ten' is not an int (--epochs is set by environment variable PARTITA_TRAIN_EPOCHS)")
        && !word.err().contains("Usage"), word.err());
    Path file = directory.resolve("partita.conf");
    Files.writeString(file, "partita.train.lr = -1\n");
    Run negative = run(Map.of(), "--config", file.toString(), "train", "--train-samples", "10");
    assertEquals(ExitCode.BAD_INPUT, negative.exit());
    assertTrue(negative.err().contains("--lr must be a positive number, got -1.0 (--lr is set by " + file
        + ": key 'partita.train.lr')"), negative.err());
    Run typed = run(Map.of("PARTITA_TRAIN_LR", "-1"), "train", "--lr", "-2", "--train-samples", "10");
    assertTrue(typed.err().contains("got -2.0") && !typed.err().contains("PARTITA_TRAIN_LR"), typed.err());
  }

  @Test
  void unknownKeysAndCommandsAreNamed() throws Exception {
    Path file = directory.resolve("typo.conf");
    Files.writeString(file, "partita.train.step-timout = 300\n");
    Run typo = run(Map.of(), "--config", file.toString(), "train", "--help");
    assertEquals(ExitCode.BAD_INPUT, typo.exit());
    assertTrue(typo.err().contains("unknown key 'partita.train.step-timout'") && typo.err().contains("step-timeout"),
        typo.err());
    Files.writeString(file, "partita.trian.epochs = 3\n");
    Run command = run(Map.of(), "--config", file.toString(), "plan", "--help");
    assertTrue(command.err().contains("there is no command 'trian'"), command.err());
    Run missing = run(Map.of(), "--config", directory.resolve("nope.conf").toString(), "plan", "--help");
    assertTrue(missing.err().contains("nope.conf does not exist"), missing.err());
  }
}
