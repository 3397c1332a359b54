package org.partita.bench.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Which code a benchmark measured: the commit checked out, whether the files that make up what was
 * measured differed from it (and which), and when. Every result carries one, so a number in the
 * documents can be traced to the code that produced it, and the report can tell a result measured
 * on today's code from one measured on code that has changed since.
 *
 * <p>"What was measured" is the shipped modules, the build and the benchmarks themselves; the
 * documents and the results (docs/) are not, so a run of several benchmarks stays clean while it
 * writes its own results. Without git (a source archive) the commit reads {@link #UNKNOWN}.
 */
public record Provenance(String commit, boolean dirty, List<String> changed, String measuredAt) {
  public static final String UNKNOWN = "unknown";
  /** The code users run: a change here makes an earlier measurement stale. */
  static final List<String> SHIPPED = List.of("proto", "models", "partitioner", "runtime", "spark-bridge", "deploy",
      "pom.xml");
  /** Shipped code plus the harness that measures it: an uncommitted change here makes a result dirty. */
  static final List<String> MEASURED = concat(SHIPPED, List.of("bench"));
  private static final long GIT_TIMEOUT_SECONDS = 30;

  public Provenance {
    changed = changed == null ? List.of() : List.copyOf(changed);
  }

  /** The state of the repository at {@code root} now. */
  public static Provenance of(Path root) {
    String measuredAt = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
    try {
      String commit = git(root, List.of("rev-parse", "HEAD")).output().strip();
      List<String> changed = git(root, concat(List.of("status", "--porcelain", "--"), MEASURED)).output().lines()
          .map(String::strip).filter(line -> !line.isEmpty()).toList();
      return new Provenance(commit, !changed.isEmpty(), changed, measuredAt);
    } catch (IOException e) {
      System.out.println("# provenance: " + e.getMessage() + "; the result records commit " + UNKNOWN);
      return new Provenance(UNKNOWN, false, List.of(), measuredAt);
    }
  }

  /** The repository the benchmarks run in: {@code -Dpartita.root}, else the nearest folder up with a .git. */
  public static Path repositoryRoot() {
    String configured = System.getProperty("partita.root");
    if (configured != null) {
      return Path.of(configured);
    }
    Path at = Path.of("").toAbsolutePath();
    for (Path p = at; p != null; p = p.getParent()) {
      if (Files.exists(p.resolve(".git"))) {
        return p;
      }
    }
    return at;
  }

  public String shortCommit() {
    return commit.length() > 7 && !commit.equals(UNKNOWN) ? commit.substring(0, 7) : commit;
  }

  /**
   * Whether the shipped modules at {@code commit} differ from those at {@code head}: a result
   * measured on a commit that differs measured other code than HEAD's. Unknown commits differ.
   */
  public static boolean shippedDiffer(Path root, String commit, String head) {
    if (commit.equals(head)) {
      return false;
    }
    if (commit.equals(UNKNOWN) || head.equals(UNKNOWN)) {
      return true;
    }
    try {
      return git(root, concat(List.of("diff", "--quiet", commit, head, "--"), SHIPPED)).status() != 0;
    } catch (IOException e) {
      return true;
    }
  }

  private record GitOutput(int status, String output) {}

  /** Runs git in {@code root}; exit status 0 or 1 (diff --quiet's "differs") is an answer, else an error. */
  private static GitOutput git(Path root, List<String> arguments) throws IOException {
    List<String> command = new ArrayList<>(List.of("git", "-C", root.toString()));
    command.addAll(arguments);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output;
    try (InputStream in = process.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      if (!process.waitFor(GIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("git " + String.join(" ", arguments) + " did not finish in " + GIT_TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running git", e);
    }
    int status = process.exitValue();
    if (status > 1) {
      throw new IOException("git " + String.join(" ", arguments) + " failed (exit " + status + "): "
          + output.lines().findFirst().orElse(""));
    }
    return new GitOutput(status, output);
  }

  private static List<String> concat(List<String> first, List<String> second) {
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    return List.copyOf(all);
  }
}
