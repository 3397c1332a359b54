package org.partita.deploy.model;

import java.io.IOException;
import java.util.concurrent.Callable;
import org.partita.deploy.ExitCode;
import org.partita.models.io.ModelFiles;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code partita model}: looking at a network without training it. {@code show} prints the table
 * {@code partita train} starts with — each layer's type, output shape and parameter count, and the
 * total — for a model file, a named model or a ModelSpecProto file, after every check a run makes
 * first, so a model that shows is a model that trains.
 */
@Command(name = "model", mixinStandardHelpOptions = true,
    description = "Look at a network without training it.",
    subcommands = {ModelCommand.Show.class, CommandLine.HelpCommand.class})
public final class ModelCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code partita model show MODEL}. */
  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Print each layer's type, output shape and parameter count, and the total (like Keras' summary()).",
      footer = {"", "Examples:",
          "  partita model show docs/examples/cnn-avgpool.conf",
          "  partita model show my-model.json",
          "  partita model show cnn",
          "  partita model show my-model.pbtxt",
          "", "A model file (.conf, .hocon or .json) is described in docs/MODELS.md. A file that is refused here",
          "is refused by train too, with the same message; the exit status is then 2."})
  static final class Show implements Callable<Integer> {
    /** What char-lstm is shown with: train's defaults, and a vocabulary that train takes from its --text. */
    static final int CHARACTER_VOCABULARY = 96;
    static final int CHARACTER_STEPS = 64;
    static final int CHARACTER_HIDDEN = 256;

    @Parameters(paramLabel = "MODEL", description = "A model file (.conf, .hocon, .json), a ModelSpecProto file "
        + "(.pbtxt, .pb), or mlp, cnn, lstm, gru, wide-mlp, char-lstm.")
    String model;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of a named model, or of a file that gives none "
        + "(default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws IOException {
      if (model.equals("char-lstm")) {
        System.out.println(StandardModels.charLstm(CHARACTER_VOCABULARY, CHARACTER_STEPS, CHARACTER_HIDDEN, seed)
            .summary());
        System.out.println("(shown for a vocabulary of " + CHARACTER_VOCABULARY + " symbols; partita train takes it "
            + "from --text, and the steps and hidden units from --seq-length and --hidden)");
        return ExitCode.OK;
      }
      ModelSpec spec = ModelFiles.resolve(model, seed, "model");
      System.out.println(spec.summary());
      return ExitCode.OK;
    }
  }
}
