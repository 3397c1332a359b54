package org.partita.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * deploy/bin/local-cluster as users run it, with its files in {@code directory}, its seed on
 * {@code port} and each node's heap {@code heap}; every call bounded by {@value #TIMEOUT_SECONDS} s.
 */
record LocalClusterScript(Path directory, int port, String heap) {
  private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
  private static final long TIMEOUT_SECONDS = 180;

  record Result(int exit, String output) {}

  /** A cluster on a free port. */
  static LocalClusterScript on(Path directory, String heap) throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return new LocalClusterScript(directory, socket.getLocalPort(), heap);
    }
  }

  String seed() {
    return "127.0.0.1:" + port;
  }

  Path certificates() {
    return directory.resolve("certs");
  }

  long pid(String node) throws IOException {
    return Long.parseLong(Files.readString(directory.resolve(node + ".pid")).trim());
  }

  Result run(String... arguments) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("deploy/bin/local-cluster").toString()));
    command.addAll(List.of(arguments));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("PARTITA_CLUSTER_DIR", directory.toString());
    builder.environment().put("PARTITA_CLUSTER_PORT", String.valueOf(port));
    builder.environment().put("PARTITA_NODE_HEAP", heap);
    Files.createDirectories(directory);
    Path log = Files.createTempFile(directory, "local-cluster", ".log");
    Process process = builder.redirectOutput(log.toFile()).start();
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return new Result(-1, "local-cluster " + String.join(" ", arguments) + " did not finish in "
          + TIMEOUT_SECONDS + " s:\n" + Files.readString(log));
    }
    return new Result(process.exitValue(), Files.readString(log));
  }
}
