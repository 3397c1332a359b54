package org.partita.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.partita.deploy.CommandRunner.Outcome;
import org.partita.deploy.Partita;

/**
 * Runs the partita command as its own JVM from the built deploy jar and the classpath Maven wrote
 * next to it (what deploy/bin/partita runs), so the real exit status is seen. deploy's
 * {@code CommandRunner} runs it in this JVM instead, where a JVM start per case would be too slow.
 */
final class PartitaProcess {
  private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
  private static final long TIMEOUT_SECONDS = 120;

  private PartitaProcess() {}

  /** The built deploy jar, then every jar of its runtime classpath as Maven wrote it to deploy/target/classpath.txt. */
  static List<Path> deployClasspath() throws IOException {
    Path target = ROOT.resolve("deploy/target");
    Path jar;
    try (var files = Files.list(target)) {
      jar = files.filter(file -> file.getFileName().toString().matches("partita-deploy-[^-]+(-SNAPSHOT)?\\.jar"))
          .findFirst().orElseThrow(() -> new IllegalStateException("deploy is not built: no jar in " + target));
    }
    List<Path> classpath = new ArrayList<>(List.of(jar));
    for (String entry : Files.readString(target.resolve("classpath.txt")).trim().split(File.pathSeparator)) {
      classpath.add(Path.of(entry));
    }
    return classpath;
  }

  /** {@link #deployClasspath} as one -cp value. */
  static String deployClasspathArgument() throws IOException {
    return String.join(File.pathSeparator, deployClasspath().stream().map(Path::toString).toList());
  }

  /**
   * In {@code workingDirectory}, with this JVM's PARTITA_* variables replaced by
   * {@code environment}; killed and failed after {@value #TIMEOUT_SECONDS} s.
   */
  static Outcome run(Path workingDirectory, Map<String, String> environment, String... args)
      throws IOException, InterruptedException {
    return runWithHeap(workingDirectory, environment, "1g", args);
  }

  /** {@link #run} with {@code -Xmx<heap>} (a driver collecting a large model holds it about three times). */
  static Outcome runWithHeap(Path workingDirectory, Map<String, String> environment, String heap, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap, "-Dpartita.config.default=" + ROOT.resolve("deploy/conf/partita.conf"),
        "-cp", deployClasspathArgument(),
        Partita.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workingDirectory.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("PARTITA_"));
    builder.environment().putAll(environment);
    Path out = Files.createTempFile(workingDirectory, "partita-", ".out");
    Path err = Files.createTempFile(workingDirectory, "partita-", ".err");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        fail("partita " + String.join(" ", args) + " did not exit within " + TIMEOUT_SECONDS + " s:\n"
            + Files.readString(out) + Files.readString(err));
      }
    } finally {
      process.destroyForcibly(); // nothing once it has exited; else it must not outlive the test
      process.waitFor(10, TimeUnit.SECONDS);
    }
    return new Outcome(process.exitValue(), Files.readString(out), Files.readString(err));
  }
}
