package org.partita.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes what mutual TLS between nodes needs, with the JDK's keytool: a cluster CA (ca.p12, its
 * certificate ca.pem), a trust store holding only that CA (truststore.p12), one PKCS12 key store
 * per node name (NAME.p12: an RSA-2048 key and its certificate signed by the CA, SAN localhost and
 * 127.0.0.1), and the random password of all of them (password, readable by the owner only).
 * Keep ca.p12 away from the nodes: whoever has it can admit new nodes.
 */
public final class TlsCertificates {
  private static final int VALID_DAYS = 825;
  private static final String CA = "ca";

  private TlsCertificates() {}

  /** Writes the CA, trust store, password and a key store per name into {@code directory} (created if needed). */
  public static void generate(Path directory, List<String> names) throws IOException {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("no node names to make certificates for");
    }
    Files.createDirectories(directory);
    for (String name : names) {
      if (!name.matches("[A-Za-z0-9._-]+") || name.equals(CA) || name.equals("truststore")) {
        throw new IllegalArgumentException("node name '" + name + "' must be letters, digits, '.', '_' or '-', and"
            + " not 'ca' or 'truststore'");
      }
      if (Files.exists(directory.resolve(name + ".p12"))) {
        throw new IllegalArgumentException(directory.resolve(name + ".p12") + " exists already; give an empty"
            + " directory (certificates are never overwritten)");
      }
    }
    if (Files.exists(directory.resolve(CA + ".p12"))) {
      throw new IllegalArgumentException(directory.resolve(CA + ".p12") + " exists already; give an empty directory");
    }
    byte[] random = new byte[18];
    new SecureRandom().nextBytes(random);
    String password = HexFormat.of().formatHex(random);
    Path passwordFile = directory.resolve(TlsSettings.PASSWORD_FILE);
    Files.writeString(passwordFile, password + "\n");
    try {
      Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the directory's own permissions protect it
    }
    Path caStore = directory.resolve(CA + ".p12");
    Path caPem = directory.resolve(CA + ".pem");
    keytool(directory, "-genkeypair", "-alias", CA, "-keyalg", "RSA", "-keysize", "2048", "-dname",
        "CN=partita cluster CA", "-ext", "bc:c", "-validity", String.valueOf(VALID_DAYS), "-keystore",
        caStore.toString(), "-storetype", "PKCS12", "-storepass", password, "-keypass", password);
    keytool(directory, "-exportcert", "-rfc", "-alias", CA, "-keystore", caStore.toString(), "-storepass", password,
        "-file", caPem.toString());
    keytool(directory, "-importcert", "-noprompt", "-alias", CA, "-file", caPem.toString(), "-keystore",
        directory.resolve(TlsSettings.TRUST_STORE).toString(), "-storetype", "PKCS12", "-storepass", password);
    for (String name : names) {
      Path store = directory.resolve(name + ".p12");
      Path request = directory.resolve(name + ".csr");
      Path signed = directory.resolve(name + ".pem");
      keytool(directory, "-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-dname",
          "CN=" + name + ", O=partita", "-validity", String.valueOf(VALID_DAYS), "-keystore", store.toString(),
          "-storetype", "PKCS12", "-storepass", password, "-keypass", password);
      keytool(directory, "-certreq", "-alias", name, "-keystore", store.toString(), "-storepass", password,
          "-file", request.toString());
      keytool(directory, "-gencert", "-rfc", "-alias", CA, "-keystore", caStore.toString(), "-storepass", password,
          "-infile", request.toString(), "-outfile", signed.toString(), "-validity", String.valueOf(VALID_DAYS),
          "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-ext", "KU=digitalSignature,keyEncipherment",
          "-ext", "EKU=serverAuth,clientAuth");
      keytool(directory, "-importcert", "-noprompt", "-alias", CA, "-file", caPem.toString(), "-keystore",
          store.toString(), "-storepass", password);
      keytool(directory, "-importcert", "-alias", name, "-file", signed.toString(), "-keystore", store.toString(),
          "-storepass", password);
      Files.delete(request);
    }
  }

  private static void keytool(Path directory, String... arguments) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(arguments));
    Path log = Files.createTempFile("keytool", ".log");
    try {
      Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("keytool " + arguments[0] + " did not finish within 60 s");
      }
      if (process.exitValue() != 0) {
        throw new IOException("keytool " + arguments[0] + " failed (exit " + process.exitValue() + "): "
            + Files.readString(log).trim());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running keytool " + arguments[0], e);
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
