package org.partita.bench.peers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The coordinator's handle on one worker process of the peers benchmark: starts it, sends one
 * command at a time and waits, bounded, for its reply ({@link PeerWorker}'s protocol). Everything
 * else the process prints, on either stream, goes to its log file, whose last lines are quoted when
 * it fails, so a crash of a native library says what it said.
 */
final class PeerProcess implements AutoCloseable {
  private static final int QUOTED_LINES = 15;
  private static final String END = "\u0000end";

  private final String name;
  private final Process process;
  private final PrintWriter commands;
  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
  private final Deque<String> recent = new ArrayDeque<>();
  private final Path log;

  private PeerProcess(String name, Process process, Path log) throws IOException {
    this.name = name;
    this.process = process;
    this.log = log;
    this.commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
    Writer logWriter = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    Thread reader = new Thread(() -> pump(logWriter), "peer-" + name + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code command} with {@code environment} added (a null value removes the variable). */
  static PeerProcess start(String name, List<String> command, Map<String, String> environment, Path log)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    environment.forEach((key, value) -> {
      if (value == null) {
        builder.environment().remove(key);
      } else {
        builder.environment().put(key, value);
      }
    });
    Files.writeString(log, "$ " + String.join(" ", command) + "\n# environment: " + environment + "\n",
        StandardCharsets.UTF_8);
    return new PeerProcess(name, builder.start(), log);
  }

  String name() {
    return name;
  }

  /** Sends {@code command} and returns the reply's words after the prefix, checking its first word. */
  String[] ask(String command, String expected, Duration timeout) {
    return ask(command, List.of(expected), timeout);
  }

  /** {@link #ask} where the reply may begin with any of {@code expected}. */
  String[] ask(String command, List<String> expected, Duration timeout) {
    commands.println(command);
    String reply;
    try {
      reply = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(name + ": interrupted waiting for the reply to '" + command + "'", e);
    }
    if (reply == null) {
      throw failure("no reply to '" + command + "' within " + timeout.toSeconds() + " s");
    }
    if (reply.equals(END)) {
      throw failure("exited while running '" + command + "'");
    }
    String[] words = reply.split(" ");
    if (!expected.contains(words[0])) {
      throw failure("answered '" + command + "' with '" + reply + "'");
    }
    return words;
  }

  /** The first reply, sent unasked when the process is ready: its description. */
  String hello(Duration timeout) {
    try {
      String reply = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (reply == null || !reply.startsWith("hello ")) {
        throw failure(reply == null ? "did not start within " + timeout.toSeconds() + " s"
            : reply.equals(END) ? "exited at start" : "started with '" + reply + "'");
      }
      return reply.substring("hello ".length());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(name + ": interrupted while starting", e);
    }
  }

  private IllegalStateException failure(String what) {
    String lines;
    synchronized (recent) {
      lines = String.join("\n    ", recent);
    }
    return new IllegalStateException(name + " " + what + " (log " + log + "); its last output:\n    " + lines);
  }

  private void pump(Writer logWriter) {
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8)); logWriter) {
      String line;
      while ((line = out.readLine()) != null) {
        logWriter.write(line);
        logWriter.write('\n');
        logWriter.flush();
        if (line.startsWith(PeerWorker.PREFIX)) {
          replies.add(line.substring(PeerWorker.PREFIX.length()));
        }
        synchronized (recent) {
          recent.addLast(line);
          if (recent.size() > QUOTED_LINES) {
            recent.removeFirst();
          }
        }
      }
    } catch (IOException e) {
      synchronized (recent) {
        recent.addLast("(reading its output failed: " + e.getMessage() + ")");
      }
    } finally {
      replies.add(END);
    }
  }

  /** Asks the process to quit, and kills it if it has not within a few seconds. */
  @Override
  public void close() {
    if (process.isAlive()) {
      commands.println("quit");
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
