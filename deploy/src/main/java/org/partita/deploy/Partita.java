package org.partita.deploy;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.partita.deploy.bench.BenchCommand;
import org.partita.deploy.model.EvaluateCommand;
import org.partita.deploy.model.ModelCommand;
import org.partita.deploy.model.ExportCommand;
import org.partita.deploy.model.PredictCommand;
import org.partita.deploy.plan.PlanCommand;
import org.partita.deploy.spark.SparkCommand;
import org.partita.deploy.train.TrainCommand;
import org.partita.models.train.TrainingDivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code partita} command. Subcommands do the work; this class maps failures to exit codes
 * ({@link ExitCode}) and prints them as one clear line — the stack trace only for real bugs.
 */
@Command(name = "partita",
    mixinStandardHelpOptions = true,
    version = "partita 0.1.0",
    description = "Data- and model-parallel training of deep networks on CPU clusters.",
    subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class, ExportCommand.class,
        ModelCommand.class, PlanCommand.class, BenchCommand.class, SparkCommand.class, NodeCommand.class,
        CertsCommand.class, CommandLine.HelpCommand.class},
    footer = {"", "Examples:",
        "  partita train --model cnn --epochs 10 --out runs/cnn",
        "  partita train --model mlp --epochs 1 --train-samples 10000",
        "  partita train --model docs/examples/cnn-avgpool.conf       # your own network (docs/MODELS.md)",
        "  partita model show docs/examples/cnn-avgpool.conf          # its layers, shapes and parameters",
        "  partita train --model cnn --nodes 2 --plan slices=2        # model-parallel on 2 embedded nodes",
        "  partita plan --model wide-mlp --nodes 4 --node-memory 256m",
        "  partita bench --model cnn --nodes 2 --plan model-parallel  # measured vs reference and predicted",
        "  partita spark --master 'local[2]' --model mlp --plan replicas=2 --epochs 3",
        "  partita evaluate --checkpoint runs/cnn/checkpoint",
        "  partita predict --checkpoint runs/cnn/checkpoint --data my-images-idx3-ubyte --out predictions.csv",
        "  partita train --model iris.pbtxt --data iris.csv --label species --validation-split 0.2 --out runs/iris",
        "  partita export --checkpoint runs/cnn/checkpoint --out cnn.onnx",
        "  partita certs --out certs --nodes 3",
        "  partita node --name node-1 --seed akka://partita@10.0.0.5:25520 --host 10.0.0.6 --tls certs",
        "", "Option defaults come from deploy/conf/partita.conf (or --config FILE, $PARTITA_CONFIG) and",
        "PARTITA_<COMMAND>_<OPTION> variables; flags win.",
        "", "Exit codes: 0 ok, 1 internal error, 2 bad usage or input, 3 cluster failure, 4 training diverged."})
public final class Partita implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** The arguments of {@link #main}, null when run in-process (tests), where no JVM can be restarted. */
  private static volatile List<String> mainArguments;

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true"); // the PNG curves need no display
    mainArguments = List.of(args);
    System.exit(run(args));
  }

  static boolean isMainProcess() {
    return mainArguments != null;
  }

  static List<String> mainArguments() {
    return mainArguments;
  }

  /** Runs the command line and returns the exit code, without exiting (for tests). */
  public static int run(String... args) {
    return run(System.getenv(), args);
  }

  /**
   * {@link #run} with {@code environment} for the PARTITA_* option defaults. {@code --config FILE}
   * (anywhere) names the configuration file; else $PARTITA_CONFIG; else the file the launcher
   * passes as -Dpartita.config.default (deploy/conf/partita.conf).
   */
  static int run(Map<String, String> environment, String... args) {
    CommandLine commandLine = new CommandLine(new Partita());
    List<String> rest = new ArrayList<>(List.of(args));
    String file = environment.getOrDefault("PARTITA_CONFIG", System.getProperty("partita.config.default"));
    for (int at = 0; at < rest.size(); at++) {
      if (rest.get(at).startsWith("--config=")) {
        file = rest.remove(at).substring("--config=".length());
        break;
      }
      if (rest.get(at).equals("--config")) {
        if (at + 1 >= rest.size()) {
          commandLine.getErr().println("partita: --config needs a file");
          return ExitCode.BAD_INPUT;
        }
        file = rest.get(at + 1);
        rest.subList(at, at + 2).clear();
        break;
      }
    }
    ConfigDefaults defaults;
    try {
      defaults = ConfigDefaults.load(file == null ? null : Path.of(file), commandLine, environment);
    } catch (IllegalArgumentException e) {
      commandLine.getErr().println("partita: " + e.getMessage());
      return ExitCode.BAD_INPUT;
    }
    commandLine.setDefaultValueProvider(defaults);
    commandLine.setParameterExceptionHandler(badValueFromDefaults(defaults, commandLine.getParameterExceptionHandler()));
    commandLine.setExecutionExceptionHandler((failure, failed, parseResult) -> handleFailure(failure, failed,
        defaults.withOrigins(String.valueOf(failure.getMessage()), failed.getCommandSpec(),
            failed.getParseResult()::hasMatchedOption)));
    return commandLine.execute(rest.toArray(String[]::new));
  }

  /**
   * A value from a PARTITA_* variable or the configuration file that does not convert (an int that
   * is "ten") fails before the command runs: one line naming the variable or key, not the usage,
   * since the command line itself was fine. Everything else goes to picocli's usual handler.
   */
  private static CommandLine.IParameterExceptionHandler badValueFromDefaults(ConfigDefaults defaults,
      CommandLine.IParameterExceptionHandler usual) {
    return (failure, arguments) -> {
      if (failure.getArgSpec() instanceof OptionSpec option
          && Objects.equals(failure.getValue(), defaults.defaultValue(option))) {
        String message = defaults.withOrigins(failure.getMessage(), failure.getCommandLine().getCommandSpec(),
            other -> other != option);
        if (!message.equals(failure.getMessage())) {
          failure.getCommandLine().getErr().println("partita: " + message);
          return ExitCode.BAD_INPUT;
        }
      }
      return usual.handleParseException(failure, arguments);
    };
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code message}: the failure's, with the origin of any option it names that no flag set. */
  private static int handleFailure(Exception failure, CommandLine commandLine, String message) {
    PrintWriter err = commandLine.getErr();
    if (failure instanceof TrainingDivergedException) {
      err.println("partita: training diverged: " + message);
      return ExitCode.DIVERGED;
    }
    if (failure instanceof org.partita.runtime.ClusterException) {
      err.println("partita: cluster failure: " + message);
      return ExitCode.CLUSTER_FAILURE;
    }
    if (failure instanceof IOException || failure instanceof IllegalArgumentException) {
      err.println("partita: " + message);
      return ExitCode.BAD_INPUT;
    }
    err.println("partita: internal error — please report it with the trace below");
    failure.printStackTrace(err);
    return ExitCode.INTERNAL_ERROR;
  }
}
