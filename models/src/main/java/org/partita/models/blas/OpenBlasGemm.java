package org.partita.models.blas;

import dev.ludovic.netlib.blas.NativeBLAS;

/** System OpenBLAS (Debian's libopenblas0-pthread) through dev.ludovic.netlib's JNI binding. */
final class OpenBlasGemm implements GemmKernel {
  /**
   * netlib logs through java.util.logging that its optional Vector-API fallback did not load, a
   * warning about a class we never use; held strongly so the level sticks (JUL keeps weak refs).
   */
  private static final java.util.logging.Logger NETLIB_LOG = java.util.logging.Logger.getLogger("dev.ludovic.netlib");

  private final NativeBLAS blas;

  private OpenBlasGemm(NativeBLAS blas) {
    this.blas = blas;
  }

  /**
   * Points netlib at Debian's OpenBLAS build explicitly (rather than whatever libblas.so.3 the
   * alternatives system selects, which may be the slow reference BLAS), then loads it.
   */
  static OpenBlasGemm load() {
    NETLIB_LOG.setLevel(java.util.logging.Level.SEVERE);
    String pathProperty = "dev.ludovic.netlib.blas.nativeLibPath";
    if (System.getProperty(pathProperty) == null && System.getProperty("dev.ludovic.netlib.blas.nativeLib") == null) {
      var library = NativeLibraries.openBlas();
      if (library.isEmpty()) {
        throw new BlasUnavailableException(BlasBackend.OPENBLAS,
            "system OpenBLAS not found (looked for " + NativeLibraries.openBlasCandidates() + "); "
                + NativeLibraries.installHint("libopenblas0-pthread"), null);
      }
      System.setProperty(pathProperty, library.get().toString());
    }
    try {
      return new OpenBlasGemm(NativeBLAS.getInstance());
    } catch (Throwable failure) {
      throw new BlasUnavailableException(BlasBackend.OPENBLAS,
          "system OpenBLAS at " + System.getProperty(pathProperty) + " could not be loaded through JNI ("
              + failure + "); " + NativeLibraries.installHint("libopenblas0-pthread"), failure);
    }
  }

  @Override
  public BlasBackend backend() {
    return BlasBackend.OPENBLAS;
  }

  @Override
  public void sgemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
      float beta, float[] c, int cOffset, int ldc) {
    blas.sgemm(transA.blasFlag(), transB.blasFlag(), m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb,
        beta, c, cOffset, ldc);
  }
}
