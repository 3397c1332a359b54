package org.partita.deploy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs the partita command in-process with stdout and stderr captured. Each test class runs in
 * its own JVM, so swapping System.out affects nothing else. Public for it-tests (deploy's test jar).
 */
public final class CommandRunner {
  private CommandRunner() {}

  public record Outcome(int exitCode, String out, String err) {}

  public static Outcome run(String... args) {
    return run(System.getenv(), args);
  }

  /** With {@code environment} for the PARTITA_* option defaults. */
  public static Outcome run(java.util.Map<String, String> environment, String... args) {
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      return new Outcome(Partita.run(environment, args), out.toString(StandardCharsets.UTF_8),
          err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
  }
}
