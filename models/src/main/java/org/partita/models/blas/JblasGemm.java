package org.partita.models.blas;

import org.jblas.NativeBlas;

/** jblas' own native BLAS, bundled in its jar; needs Debian's libgfortran5. */
final class JblasGemm implements GemmKernel {
  private JblasGemm() {}

  /**
   * jblas reports a missing libgfortran with several lines of its own and a bare
   * UnsatisfiedLinkError; check for the library first so the user reads one exact instruction.
   */
  static JblasGemm load() {
    if (NativeLibraries.gfortran().isEmpty()) {
      throw new BlasUnavailableException(BlasBackend.JBLAS,
          "jblas' native BLAS needs libgfortran.so.5, which is not installed (looked in "
              + NativeLibraries.libraryDirectories() + "); " + NativeLibraries.installHint("libgfortran5"), null);
    }
    org.jblas.util.Logger.getLogger().setLevel(org.jblas.util.Logger.ERROR);
    try {
      float[] one = {1f};
      float[] result = {0f};
      NativeBlas.sgemm('N', 'N', 1, 1, 1, 1f, one, 0, 1, one, 0, 1, 0f, result, 0, 1);
      if (result[0] != 1f) {
        throw new IllegalStateException("1·1 gave " + result[0]);
      }
      return new JblasGemm();
    } catch (Throwable failure) {
      throw new BlasUnavailableException(BlasBackend.JBLAS,
          "jblas' native BLAS could not be loaded (" + failure + "); " + NativeLibraries.installHint("libgfortran5"),
          failure);
    }
  }

  @Override
  public BlasBackend backend() {
    return BlasBackend.JBLAS;
  }

  @Override
  public void sgemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
      float beta, float[] c, int cOffset, int ldc) {
    NativeBlas.sgemm(transA.blasFlag().charAt(0), transB.blasFlag().charAt(0), m, n, k, alpha,
        a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
  }
}
