package org.partita.deploy;

import java.io.IOException;
import java.io.PrintWriter;
import org.partita.deploy.plan.PlanCommand;
import org.partita.deploy.spark.SparkCommand;
import org.partita.deploy.train.TrainCommand;
import org.partita.models.train.TrainingDivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code partita} command. Subcommands do the work; this class maps failures to exit codes
 * ({@link ExitCode}) and prints them as one clear line — the stack trace only for real bugs.
 */
@Command(name = "partita",
    mixinStandardHelpOptions = true,
    version = "partita 0.1.0",
    description = "Data- and model-parallel training of deep networks on CPU clusters.",
    subcommands = {TrainCommand.class, PlanCommand.class, SparkCommand.class, NodeCommand.class, CertsCommand.class,
        CommandLine.HelpCommand.class},
    footer = {"", "Examples:",
        "  partita train --model cnn --epochs 10 --out runs/cnn",
        "  partita train --model mlp --epochs 1 --train-samples 10000",
        "  partita train --model cnn --nodes 2 --plan slices=2        # model-parallel on 2 embedded nodes",
        "  partita plan --model wide-mlp --nodes 4 --node-memory 256m",
        "  partita spark --master 'local[2]' --model mlp --plan replicas=2 --epochs 3",
        "  partita certs --out certs --nodes 3",
        "  partita node --name node-1 --seed akka://partita@10.0.0.5:25520 --host 10.0.0.6 --tls certs",
        "", "Exit codes: 0 ok, 1 internal error, 2 bad usage or input, 3 cluster failure, 4 training diverged."})
public final class Partita implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true"); // the PNG curves need no display
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code, without exiting (for tests). */
  public static int run(String... args) {
    CommandLine commandLine = new CommandLine(new Partita());
    commandLine.setExecutionExceptionHandler(Partita::handleFailure);
    return commandLine.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  private static int handleFailure(Exception failure, CommandLine commandLine, CommandLine.ParseResult parseResult) {
    PrintWriter err = commandLine.getErr();
    if (failure instanceof TrainingDivergedException) {
      err.println("partita: training diverged: " + failure.getMessage());
      return ExitCode.DIVERGED;
    }
    if (failure instanceof org.partita.runtime.ClusterException) {
      err.println("partita: cluster failure: " + failure.getMessage());
      return ExitCode.CLUSTER_FAILURE;
    }
    if (failure instanceof IOException || failure instanceof IllegalArgumentException) {
      err.println("partita: " + failure.getMessage());
      return ExitCode.BAD_INPUT;
    }
    err.println("partita: internal error — please report it with the trace below");
    failure.printStackTrace(err);
    return ExitCode.INTERNAL_ERROR;
  }
}
