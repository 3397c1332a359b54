package org.partita.deploy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.TlsSettings;
import org.partita.runtime.node.WorkerNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code partita node}: a worker node in its own process, waiting for a driver's shards. */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Start a worker node that joins a cluster through a seed and hosts shards until stopped.",
    footer = {"", "Examples:",
        "  partita node --name node-1 --seed akka://partita@10.0.0.5:25520 --host 10.0.0.6 --tls certs",
        "  partita node --name node-1 --seed akka://partita@127.0.0.1:25520        # loopback only, plain TCP",
        "", "Between machines nodes talk mutual TLS (partita certs); plain TCP is refused off loopback."})
public final class NodeCommand implements Callable<Integer> {

  @Option(names = "--name", required = true, description = "Node name; with --tls also its key store NAME.p12.")
  String name;

  @Option(names = "--seed", required = true,
      description = "Address of a cluster member, e.g. akka://partita@HOST:PORT.")
  List<String> seeds;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Address to bind and advertise (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "0", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--tls", description = "Directory made by 'partita certs' (NAME.p12, truststore.p12, password).")
  Path tls;

  @Option(names = "--max-message-mib", defaultValue = "64",
      description = "Largest activation or gradient message in MiB (default: ${DEFAULT-VALUE}).")
  long maxMessageMib;

  @Mixin
  BlasThreads blasThreads = new BlasThreads();

  @Override
  public Integer call() {
    Integer restarted = blasThreads.restartIfNeeded("node");
    if (restarted != null) {
      return restarted;
    }
    RuntimeSettings settings = RuntimeSettings.defaults().withMaxMessageBytes(maxMessageMib << 20);
    if (tls != null) {
      settings = settings.withTls(TlsSettings.fromDirectory(tls, name));
    }
    WorkerNode node = WorkerNode.start(name, host, port, seeds, settings).stopWithJvm()
        .warnUnlessMemberWithin(WorkerNode.JOIN_WARNING, seeds, settings.tls());
    System.out.println("worker " + name + " up at " + node.address() + (tls == null ? " (plain TCP, loopback)"
        : " (mutual TLS)" + node.links().map(links -> ", shard links at " + links.endpoint()).orElse("")));
    System.out.flush();
    node.awaitTermination();
    return ExitCode.OK;
  }
}
