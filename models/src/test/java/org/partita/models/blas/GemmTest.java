package org.partita.models.blas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.jblas.FloatMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every backend present on the machine against a naive double-precision loop, for every transpose
 * combination and awkward sizes (1, 7, 33, 257), on whole matrices and on offset sub-blocks.
 * With -Dpartita.test.requireAllBlas=true (set by deploy/bin/test after setup) a missing backend
 * fails instead of being skipped.
 */
class GemmTest {
  private static final int[][] SHAPES = {
      {1, 1, 1}, {7, 1, 33}, {1, 7, 7}, {33, 7, 1}, {7, 33, 257},
      {257, 33, 7}, {33, 257, 33}, {257, 257, 257}, {257, 1, 257}, {1, 257, 33}};

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (BlasBackend backend : BlasBackend.values()) {
      for (Transpose transA : Transpose.values()) {
        for (Transpose transB : Transpose.values()) {
          for (int[] shape : SHAPES) {
            cases.add(Arguments.of(backend, transA, transB, shape[0], shape[1], shape[2]));
          }
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} op(A)={1} op(B)={2} m={3} n={4} k={5}")
  @MethodSource("cases")
  void matchesNaiveLoop(BlasBackend backend, Transpose transA, Transpose transB, int m, int n, int k) {
    Blas blas = backendOrSkip(backend);
    SplittableRandom random = new SplittableRandom(m * 1_000_003L + n * 1009L + k);
    FloatMatrix a = transA == Transpose.NO ? random(m, k, random) : random(k, m, random);
    FloatMatrix b = transB == Transpose.NO ? random(k, n, random) : random(n, k, random);
    FloatMatrix c = random(m, n, random);
    float alpha = 0.75f;
    float beta = -0.5f;
    double[] expected = naive(transA, transB, m, n, k, alpha, a.data, 0, a.rows, b.data, 0, b.rows, beta, c.data, 0, c.rows);
    double[] bound = errorBound(transA, transB, m, n, k, alpha, a.data, 0, a.rows, b.data, 0, b.rows, beta, c.data, 0, c.rows);

    blas.gemm(transA, transB, alpha, a, b, beta, c);

    for (int j = 0; j < n; j++) {
      for (int i = 0; i < m; i++) {
        int index = i + j * m;
        assertEquals(expected[index], c.data[index], bound[index], "C(" + i + "," + j + ")");
      }
    }
  }

  /** A block inside larger arrays: offsets and leading dimensions bigger than the block. */
  @ParameterizedTest(name = "{0} op(A)={1} op(B)={2}")
  @MethodSource("transposeCombinations")
  void subBlocksWithOffsetsAndLeadingDimensions(BlasBackend backend, Transpose transA, Transpose transB) {
    Blas blas = backendOrSkip(backend);
    int m = 33;
    int n = 7;
    int k = 19;
    int lda = 40;
    int ldb = 37;
    int ldc = 45;
    SplittableRandom random = new SplittableRandom(7);
    float[] a = random(lda * 60, random);
    float[] b = random(ldb * 60, random);
    float[] c = random(ldc * 20 + 11, random);
    float[] before = c.clone();
    int aOffset = 5;
    int bOffset = 3;
    int cOffset = 11;
    double[] expected = naive(transA, transB, m, n, k, 1.25f, a, aOffset, lda, b, bOffset, ldb, 0.5f, c, cOffset, ldc);
    double[] bound = errorBound(transA, transB, m, n, k, 1.25f, a, aOffset, lda, b, bOffset, ldb, 0.5f, c, cOffset, ldc);

    blas.gemm(transA, transB, m, n, k, 1.25f, a, aOffset, lda, b, bOffset, ldb, 0.5f, c, cOffset, ldc);

    for (int index = 0; index < c.length; index++) {
      int relative = index - cOffset;
      int i = Math.floorMod(relative, ldc);
      int j = Math.floorDiv(relative, ldc);
      boolean inBlock = relative >= 0 && i < m && j < n;
      if (inBlock) {
        assertEquals(expected[i + j * m], c[index], bound[i + j * m], "C(" + i + "," + j + ")");
      } else {
        assertEquals(before[index], c[index], "element " + index + " outside the C block was written");
      }
    }
  }

  static Stream<Arguments> transposeCombinations() {
    List<Arguments> cases = new ArrayList<>();
    for (BlasBackend backend : BlasBackend.values()) {
      for (Transpose transA : Transpose.values()) {
        for (Transpose transB : Transpose.values()) {
          cases.add(Arguments.of(backend, transA, transB));
        }
      }
    }
    return cases.stream();
  }

  /** BLAS semantics: beta = 0 overwrites C, NaN included, rather than computing 0·NaN. */
  @ParameterizedTest
  @EnumSource(BlasBackend.class)
  void betaZeroOverwritesNaN(BlasBackend backend) {
    Blas blas = backendOrSkip(backend);
    FloatMatrix a = new FloatMatrix(new float[][] {{1, 2}, {3, 4}});
    FloatMatrix b = FloatMatrix.eye(2);
    FloatMatrix c = new FloatMatrix(2, 2).fill(Float.NaN);
    blas.gemm(Transpose.NO, Transpose.NO, 1f, a, b, 0f, c);
    assertEquals(a, c);
  }

  @Test
  void rejectsMismatchedShapesNamingThem() {
    Blas blas = Blas.get();
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> blas.gemm(Transpose.NO, Transpose.NO, 1f, new FloatMatrix(3, 4), new FloatMatrix(5, 2), 0f, new FloatMatrix(3, 2)));
    assertTrue(error.getMessage().contains("op(A) is 3×4, op(B) is 5×2"), error.getMessage());
  }

  @Test
  void rejectsBlocksOutsideTheirArrays() {
    Blas blas = Blas.get();
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> blas.gemm(Transpose.NO, Transpose.NO, 4, 4, 4, 1f, new float[16], 1, 4, new float[16], 0, 4, 0f, new float[16], 0, 4));
    assertTrue(error.getMessage().contains("A block of 4×4 at offset 1"), error.getMessage());
    error = assertThrows(IllegalArgumentException.class,
        () -> blas.gemm(Transpose.NO, Transpose.NO, 4, 4, 4, 1f, new float[16], 0, 3, new float[16], 0, 4, 0f, new float[16], 0, 4));
    assertTrue(error.getMessage().contains("leading dimension of A is 3"), error.getMessage());
  }

  @Test
  void probeReportsEveryBackend() {
    var report = Blas.probe();
    assertEquals(BlasBackend.values().length, report.size());
    assertTrue(report.get(BlasBackend.JAVA).startsWith("available"), report.toString());
    if (Boolean.getBoolean("partita.test.requireAllBlas")) {
      report.forEach((backend, status) -> assertTrue(status.startsWith("available"), backend + ": " + status));
    }
  }

  static Blas backendOrSkip(BlasBackend backend) {
    if (Boolean.getBoolean("partita.test.requireAllBlas")) {
      return Blas.of(backend);
    }
    try {
      return Blas.of(backend);
    } catch (BlasUnavailableException unavailable) {
      assumeTrue(false, unavailable.getMessage());
      throw unavailable;
    }
  }

  private static FloatMatrix random(int rows, int columns, SplittableRandom random) {
    return new FloatMatrix(rows, columns, random(rows * columns, random));
  }

  private static float[] random(int count, SplittableRandom random) {
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return values;
  }

  private static double opA(Transpose t, float[] a, int offset, int ld, int i, int p) {
    return t == Transpose.NO ? a[offset + i + p * ld] : a[offset + p + i * ld];
  }

  private static double[] naive(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc) {
    double[] result = new double[m * n];
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < m; i++) {
        double sum = 0;
        for (int p = 0; p < k; p++) {
          sum += opA(transA, a, aOffset, lda, i, p) * opB(transB, b, bOffset, ldb, p, j);
        }
        result[i + j * m] = alpha * sum + beta * c[cOffset + i + j * ldc];
      }
    }
    return result;
  }

  /** Float32 accumulation error bound: a few ulps per term of Σ|alpha·a·b| + |beta·c|. */
  private static double[] errorBound(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb, float beta, float[] c, int cOffset, int ldc) {
    double[] bound = new double[m * n];
    double epsilon = Math.ulp(1f);
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < m; i++) {
        double magnitude = 0;
        for (int p = 0; p < k; p++) {
          magnitude += Math.abs(opA(transA, a, aOffset, lda, i, p) * opB(transB, b, bOffset, ldb, p, j));
        }
        magnitude = Math.abs(alpha) * magnitude + Math.abs(beta * c[cOffset + i + j * ldc]);
        bound[i + j * m] = 2 * (k + 2) * epsilon * magnitude + 1e-30;
      }
    }
    return bound;
  }

  private static double opB(Transpose t, float[] b, int offset, int ld, int p, int j) {
    return t == Transpose.NO ? b[offset + p + j * ld] : b[offset + j + p * ld];
  }
}
