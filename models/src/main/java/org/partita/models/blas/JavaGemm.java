package org.partita.models.blas;

/**
 * The pure-Java fallback GEMM: used when no native BLAS loads, and as the independent check in
 * tests. Blocks of op(A) are packed into a column-major buffer that fits in L2, so the inner loop is
 * a contiguous saxpy the JIT vectorises whatever the transposes are; column ranges of C are split
 * across {@link Parallel}'s threads. It aims to be correct and tolerable, not to rival OpenBLAS.
 */
final class JavaGemm implements GemmKernel {
  /** Rows of op(A) per packed block. */
  private static final int ROW_BLOCK = 256;
  /** Columns of op(A) (the shared dimension) per packed block: 256 × 128 floats = 128 KiB. */
  private static final int DEPTH_BLOCK = 128;
  private static final ThreadLocal<float[]> PACK_BUFFER =
      ThreadLocal.withInitial(() -> new float[ROW_BLOCK * DEPTH_BLOCK]);


  @Override
  public BlasBackend backend() {
    return BlasBackend.JAVA;
  }

  @Override
  public void sgemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
      float beta, float[] c, int cOffset, int ldc) {
    if (m == 0 || n == 0) {
      return;
    }
    Operands operands = new Operands(transA, transB, m, k, alpha, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
    Parallel.forRange(n, (long) m * k, (first, end) -> scaleAndMultiply(operands, beta, first, end));
  }

  /** Everything about one call except the column range a thread works on. */
  private record Operands(Transpose transA, Transpose transB, int m, int k, float alpha,
      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
      float[] c, int cOffset, int ldc) {}

  /** C[:, first:end] = beta·C[:, first:end] + alpha·op(A)·op(B)[:, first:end]. */
  private static void scaleAndMultiply(Operands o, float beta, int first, int end) {
    for (int j = first; j < end; j++) {
      int column = o.cOffset + j * o.ldc;
      if (beta == 0f) {
        // BLAS semantics: beta = 0 overwrites C, even NaN in it.
        java.util.Arrays.fill(o.c, column, column + o.m, 0f);
      } else if (beta != 1f) {
        for (int i = 0; i < o.m; i++) {
          o.c[column + i] *= beta;
        }
      }
    }
    if (o.alpha == 0f || o.k == 0) {
      return;
    }
    float[] packed = PACK_BUFFER.get();
    for (int p0 = 0; p0 < o.k; p0 += DEPTH_BLOCK) {
      int depth = Math.min(DEPTH_BLOCK, o.k - p0);
      for (int i0 = 0; i0 < o.m; i0 += ROW_BLOCK) {
        int rows = Math.min(ROW_BLOCK, o.m - i0);
        packA(o, i0, rows, p0, depth, packed);
        for (int j = first; j < end; j++) {
          int cColumn = o.cOffset + i0 + j * o.ldc;
          for (int p = 0; p < depth; p++) {
            float bpj = o.alpha * opB(o, p0 + p, j);
            if (bpj == 0f) {
              continue;
            }
            int aColumn = p * rows;
            for (int i = 0; i < rows; i++) {
              o.c[cColumn + i] += bpj * packed[aColumn + i];
            }
          }
        }
      }
    }
  }

  /** Copies op(A)[i0:i0+rows, p0:p0+depth] into {@code packed}, column-major with leading dimension rows. */
  private static void packA(Operands o, int i0, int rows, int p0, int depth, float[] packed) {
    if (o.transA == Transpose.NO) {
      for (int p = 0; p < depth; p++) {
        System.arraycopy(o.a, o.aOffset + i0 + (p0 + p) * o.lda, packed, p * rows, rows);
      }
    } else {
      // op(A)(i, p) = A(p, i): read A's columns contiguously, write packed rows with a stride.
      for (int i = 0; i < rows; i++) {
        int aColumn = o.aOffset + p0 + (i0 + i) * o.lda;
        for (int p = 0; p < depth; p++) {
          packed[p * rows + i] = o.a[aColumn + p];
        }
      }
    }
  }

  private static float opB(Operands o, int p, int j) {
    return o.transB == Transpose.NO ? o.b[o.bOffset + p + j * o.ldb] : o.b[o.bOffset + j + p * o.ldb];
  }
}
