package org.partita.runtime;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Mutual TLS between nodes: this node's PKCS12 key store (its key and certificate, signed by the
 * cluster's CA) and the trust store holding that CA, both opened with {@code password}. A node
 * accepts only peers whose certificate the CA signed, and they only it; nodes are identified by
 * the CA's signature, not by host name (hosts are often dynamic), so host names are not checked.
 * {@code partita certs} makes a CA and the stores.
 */
public record TlsSettings(Path keyStore, Path trustStore, String password) {
  public static final String TRUST_STORE = "truststore.p12";
  public static final String PASSWORD_FILE = "password";

  public TlsSettings {
    for (Path store : new Path[] {keyStore, trustStore}) {
      if (!Files.isRegularFile(store)) {
        throw new IllegalArgumentException("TLS: no key or trust store at " + store
            + "; make them with 'partita certs --out DIR --nodes N'");
      }
    }
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("TLS: the stores' password is empty");
    }
  }

  /**
   * The stores of node {@code node} in a directory made by {@code partita certs}: NODE.p12, the
   * shared truststore.p12, and the password file.
   */
  public static TlsSettings fromDirectory(Path directory, String node) {
    Path passwordFile = directory.resolve(PASSWORD_FILE);
    try {
      String password = Files.readString(passwordFile).trim();
      return new TlsSettings(directory.resolve(node + ".p12"), directory.resolve(TRUST_STORE), password);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("TLS: cannot read " + passwordFile + " (" + e.getMessage()
          + "); make the directory with 'partita certs --out " + directory + " --nodes N'", e);
    }
  }

  @Override
  public String toString() {
    return "TLS with " + keyStore + " and " + trustStore; // never the password
  }
}
