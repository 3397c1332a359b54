package org.partita.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.partita.runtime.TlsCertificates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code partita certs}: a cluster CA and per-node key stores for mutual TLS between nodes. */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = "Make a cluster CA and per-node PKCS12 key stores (the JDK's keytool) for mutual TLS.",
    footer = {"", "Examples:",
        "  partita certs --out certs --nodes 3          # ca.p12, truststore.p12, driver.p12, node-1..3.p12, password",
        "  partita node --name node-1 --seed akka://partita@10.0.0.5:25520 --tls certs",
        "", "Give every node its NAME.p12, truststore.p12 and password; keep ca.p12 elsewhere (it admits nodes)."})
public final class CertsCommand implements Callable<Integer> {

  @Option(names = "--out", required = true, description = "Directory to create them in (must not hold any yet).")
  Path out;

  @Option(names = "--nodes", defaultValue = "3",
      description = "Worker key stores node-1 … node-N (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--names", split = ",", description = "Extra node names to make key stores for (e.g. task-0,task-1).")
  List<String> names = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (nodes < 0) {
      throw new IllegalArgumentException("--nodes must be ≥ 0, got " + nodes);
    }
    List<String> all = new ArrayList<>(List.of("driver"));
    for (int i = 1; i <= nodes; i++) {
      all.add("node-" + i);
    }
    all.addAll(names);
    TlsCertificates.generate(out, all);
    System.out.println("certs: CA, trust store and key stores for " + String.join(", ", all) + " in " + out
        + " (password in " + out.resolve("password") + "; keep ca.p12 off the nodes)");
    return ExitCode.OK;
  }
}
