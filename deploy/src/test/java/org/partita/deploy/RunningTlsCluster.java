package org.partita.deploy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.TlsCertificates;
import org.partita.runtime.TlsSettings;
import org.partita.runtime.node.WorkerNode;

/**
 * Worker nodes node-1 … node-N talking mutual TLS on loopback, started in this JVM as 'partita node'
 * would start them, with certificates for them and a driver: the running cluster that commands join
 * with {@code --seeds seed() --tls certs()}.
 */
final class RunningTlsCluster implements AutoCloseable {
  private final Path certs;
  private final List<WorkerNode> workers = new ArrayList<>();

  RunningTlsCluster(Path directory, int workerCount) throws Exception {
    certs = directory.resolve("certs");
    List<String> names = new ArrayList<>(List.of("driver"));
    for (int i = 1; i <= workerCount; i++) {
      names.add("node-" + i);
    }
    TlsCertificates.generate(certs, names);
    try {
      for (int i = 1; i <= workerCount; i++) {
        List<String> seeds = workers.isEmpty() ? List.of() : List.of(workers.get(0).address());
        workers.add(WorkerNode.start("node-" + i, "127.0.0.1", 0, seeds,
            RuntimeSettings.defaults().withTls(TlsSettings.fromDirectory(certs, "node-" + i))));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  Path certs() {
    return certs;
  }

  /** node-1's HOST:PORT, as --seeds takes it. */
  String seed() {
    return workers.get(0).address().substring("akka://partita@".length());
  }

  /** Later nodes first, so none of them is left looking for the seed. */
  @Override
  public void close() {
    for (int i = workers.size() - 1; i >= 0; i--) {
      workers.get(i).stop(Duration.ofSeconds(30));
    }
  }
}
