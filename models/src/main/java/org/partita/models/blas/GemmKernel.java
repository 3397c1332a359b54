package org.partita.models.blas;

/**
 * Single-precision GEMM over raw column-major arrays, the one operation every layer is built on:
 * C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C. Offsets and leading dimensions let callers
 * address sub-blocks (a micro-batch's columns, a slice's rows) without copying.
 */
interface GemmKernel {
  BlasBackend backend();

  void sgemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
      float beta, float[] c, int cOffset, int ldc);
}
