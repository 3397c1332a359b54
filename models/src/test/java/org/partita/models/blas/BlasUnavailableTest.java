package org.partita.models.blas;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a user sees when a native library is missing. Runs in its own JVM (one fork per test
 * class), so pointing netlib at a library that does not exist affects nothing else.
 */
class BlasUnavailableTest {
  @BeforeAll
  static void pointNetlibAtAMissingLibrary() {
    System.setProperty("dev.ludovic.netlib.blas.nativeLibPath", "/nonexistent/openblas/libblas.so.3");
  }

  @Test
  void missingOpenBlasNamesTheLibraryAndTheDebianPackage() {
    BlasUnavailableException error = assertThrows(BlasUnavailableException.class, () -> Blas.of(BlasBackend.OPENBLAS));
    assertTrue(error.getMessage().contains("/nonexistent/openblas/libblas.so.3"), error.getMessage());
    assertTrue(error.getMessage().contains("apt-get install -y libopenblas0-pthread"), error.getMessage());
    assertTrue(error.getMessage().contains("deploy/bin/setup"), error.getMessage());
  }

  @Test
  void probeExplainsInsteadOfThrowing() {
    String status = Blas.probe().get(BlasBackend.OPENBLAS);
    assertTrue(status.startsWith("unavailable: ") && status.contains("libopenblas0-pthread"), status);
  }

  @Test
  void unknownBackendNameListsTheChoices() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> BlasBackend.parse("mkl"));
    assertTrue(error.getMessage().contains("openblas, jblas, java"), error.getMessage());
  }
}
