package org.partita.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.CommandRunner.Outcome;

/** {@code partita certs}: a CA, a trust store and CA-signed node key stores; never overwrites. */
class CertsCommandTest {
  @TempDir
  Path directory;

  @Test
  void makesCaSignedKeyStoresAndAPrivatePassword() throws Exception {
    Path out = directory.resolve("certs");
    Outcome made = CommandRunner.run("certs", "--out", out.toString(), "--nodes", "2", "--names", "task-0");
    assertEquals(ExitCode.OK, made.exitCode(), made.err());
    for (String file : new String[] {"ca.p12", "truststore.p12", "driver.p12", "node-1.p12", "node-2.p12",
        "task-0.p12", "password"}) {
      assertTrue(Files.isRegularFile(out.resolve(file)), file + " missing");
    }
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("password"))));
    char[] password = Files.readString(out.resolve("password")).trim().toCharArray();
    KeyStore trust = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(out.resolve("truststore.p12"))) {
      trust.load(in, password);
    }
    X509Certificate ca = (X509Certificate) trust.getCertificate("ca");
    KeyStore node = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(out.resolve("node-1.p12"))) {
      node.load(in, password);
    }
    X509Certificate[] chain = java.util.Arrays.stream(node.getCertificateChain("node-1"))
        .map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
    chain[0].verify(ca.getPublicKey()); // signed by the cluster CA
    assertTrue(chain[0].getSubjectX500Principal().getName().contains("CN=node-1"), chain[0].toString());

    Outcome again = CommandRunner.run("certs", "--out", out.toString(), "--nodes", "1");
    assertEquals(ExitCode.BAD_INPUT, again.exitCode());
    assertTrue(again.err().contains("exists already"), again.err());
  }
}
