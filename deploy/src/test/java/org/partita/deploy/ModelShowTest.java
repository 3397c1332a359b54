package org.partita.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.CommandRunner.Outcome;
import org.partita.models.io.SpecProtos;
import org.partita.models.network.StandardModels;

/** partita model show, and --model FILE where train reads it: the table, the refusals (exit 2), a short run. */
class ModelShowTest {
  @TempDir
  static Path directory;

  private static final Path MLP = Path.of("../docs/examples/mlp.conf");

  @Test
  void showPrintsTheTableForFilesNamedModelsAndProtoFiles() throws Exception {
    Outcome file = CommandRunner.run("model", "show", MLP.toString());
    assertEquals(ExitCode.OK, file.exitCode(), file.err());
    assertTrue(file.out().startsWith("model mlp: input [784], 235,146 parameters, loss softmax-cross-entropy, seed 1"),
        file.out());
    assertTrue(file.out().lines().anyMatch(line -> line.matches("\\s+1\\s+dropout\\s+\\[256]\\s+0\\s.*")), file.out());
    assertTrue(file.out().lines().anyMatch(line -> line.matches("\\s+total\\s+235,146")), file.out());

    Outcome named = CommandRunner.run("model", "show", "cnn", "--seed", "4");
    assertEquals(ExitCode.OK, named.exitCode(), named.err());
    assertTrue(named.out().contains("conv2d") && named.out().contains("[32, 28, 28]") && named.out().contains("seed 4"),
        named.out());
    Outcome characters = CommandRunner.run("model", "show", "char-lstm");
    assertEquals(ExitCode.OK, characters.exitCode(), characters.err());
    assertTrue(characters.out().contains("[64, 256]"), characters.out());

    Path proto = directory.resolve("lstm.pbtxt");
    Files.writeString(proto, com.google.protobuf.TextFormat.printer().printToString(
        SpecProtos.toProto(StandardModels.lstm(1))));
    Outcome fromProto = CommandRunner.run("model", "show", proto.toString());
    assertEquals(ExitCode.OK, fromProto.exitCode(), fromProto.err());
    assertEquals(StandardModels.lstm(1).summary(), fromProto.out().strip());
  }

  @Test
  void aBadModelFileIsBadInputBeforeAnyRunFolderExists() throws Exception {
    Path bad = directory.resolve("bad.conf");
    Files.writeString(bad, """
        input = [784]
        layers = [
          { type = dense, unit = 10 }
        ]
        loss = softmax-cross-entropy
        """);
    Outcome shown = CommandRunner.run("model", "show", bad.toString());
    assertEquals(ExitCode.BAD_INPUT, shown.exitCode());
    assertEquals("partita: " + bad + ":3: layers[0] (dense): unknown key 'unit'; did you mean 'units'? (dense takes "
        + "units, activation)", shown.err().strip());
    Path run = directory.resolve("never");
    Outcome trained = CommandRunner.run("train", "--model", bad.toString(), "--out", run.toString());
    assertEquals(ExitCode.BAD_INPUT, trained.exitCode());
    assertEquals(shown.err(), trained.err());
    assertFalse(Files.exists(run), "refused before the run folder is made");

    Path image = directory.resolve("cifar.conf");
    Files.writeString(image, "input = [3, 32, 32]\nlayers = [{ type = flatten }, { type = dense, units = 10 }]\n"
        + "loss = softmax-cross-entropy\n");
    Outcome unfit = CommandRunner.run("train", "--model", image.toString(), "--out", run.toString());
    assertEquals(ExitCode.BAD_INPUT, unfit.exitCode());
    assertTrue(unfit.err().contains("but model 'cifar' takes 3×32×32 (3072 values)"), unfit.err());
    Path tokens = directory.resolve("tokens.conf");
    Files.writeString(tokens, "input = [784]\nlayers = [{ type = embedding, vocabulary = 256, dim = 2 }, "
        + "{ type = flatten }, { type = dense, units = 10 }]\nloss = softmax-cross-entropy\n");
    Outcome notTokens = CommandRunner.run("train", "--model", tokens.toString(), "--out", run.toString());
    assertEquals(ExitCode.BAD_INPUT, notTokens.exitCode());
    assertTrue(notTokens.err().contains("is not a token id; model 'tokens' starts with an embedding of 256 tokens"),
        notTokens.err());
    assertFalse(Files.exists(run), "refused before the run folder is made");
    Outcome typo = CommandRunner.run("model", "show", "cnnn");
    assertEquals(ExitCode.BAD_INPUT, typo.exitCode());
    assertTrue(typo.err().contains("did you mean 'cnn'?"), typo.err());
  }

  @Test
  void trainsFromAModelFileAndPrintsTheSameTable() {
    Outcome outcome = CommandRunner.run("train", "--model", MLP.toString(), "--epochs", "1", "--train-samples", "500",
        "--out", directory.resolve("mlp-run").toString());
    assertEquals(ExitCode.OK, outcome.exitCode(), outcome.err());
    Outcome shown = CommandRunner.run("model", "show", MLP.toString());
    assertTrue(outcome.out().contains(shown.out().strip()), "train starts with model show's table:\n" + outcome.out());
    assertTrue(outcome.out().contains("RESULT test_accuracy="), outcome.out());
  }
}
