package org.partita.runtime.node;

import java.util.ArrayList;
import java.util.List;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.TlsSettings;

/**
 * A worker node as its own process: {@code WorkerMain --name w1 --seed akka://partita@host:port
 * [--host 127.0.0.1] [--port 0] [--max-message-mib 64] [--tls DIR]}. With {@code --tls} the node
 * talks mutual TLS with the stores NAME.p12 and truststore.p12 in DIR ({@code partita certs});
 * without, plain TCP on loopback only. Prints one line "worker NAME up at ADDRESS" once the node
 * runs, and lives until it is stopped or leaves the cluster.
 */
public final class WorkerMain {
  private WorkerMain() {}

  public static void main(String[] args) {
    String name = null;
    String host = "127.0.0.1";
    int port = 0;
    long maxMessage = RuntimeSettings.DEFAULT_MAX_MESSAGE_BYTES;
    List<String> seeds = new ArrayList<>();
    String tls = null;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--name" -> name = value;
        case "--host" -> host = value;
        case "--port" -> port = Integer.parseInt(value);
        case "--seed" -> seeds.add(value);
        case "--max-message-mib" -> maxMessage = Long.parseLong(value) << 20;
        case "--tls" -> tls = value;
        default -> usage("unknown argument '" + args[i] + "'");
      }
      i++;
    }
    if (name == null || seeds.isEmpty()) {
      usage("--name and --seed are required");
    }
    RuntimeSettings settings = RuntimeSettings.defaults().withMaxMessageBytes(maxMessage);
    if (tls != null) {
      settings = settings.withTls(TlsSettings.fromDirectory(java.nio.file.Path.of(tls), name));
    }
    WorkerNode node = WorkerNode.start(name, host, port, seeds, settings).stopWithJvm()
        .warnUnlessMemberWithin(WorkerNode.JOIN_WARNING, seeds, settings.tls());
    System.out.println("worker " + name + " up at " + node.address());
    System.out.flush();
    node.awaitTermination();
  }

  private static void usage(String problem) {
    System.err.println(problem + System.lineSeparator()
        + "usage: WorkerMain --name NAME --seed akka://partita@HOST:PORT [--host H] [--port P] [--max-message-mib M]"
        + " [--tls DIR]");
    System.exit(2);
  }
}
