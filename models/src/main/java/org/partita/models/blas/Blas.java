package org.partita.models.blas;

import java.util.EnumMap;
import java.util.Map;
import org.jblas.FloatMatrix;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one door to matrix multiplication. Every GEMM in Partita goes through here, over jblas
 * {@link FloatMatrix} (column-major, one column per sample) or raw column-major arrays.
 *
 * <p>The default backend is the fastest one that loads — system OpenBLAS, then jblas' bundled
 * BLAS, then pure Java — unless {@code -Dpartita.blas=openblas|jblas|java} forces one, in which
 * case failing to load it is an error rather than a silent fallback. The choice is logged once,
 * with the reason any faster backend was skipped and the package that would enable it.
 *
 * <p>Shapes and array bounds are checked on every call: native BLAS would otherwise read or write
 * outside the arrays without a word.
 *
 * <p>Threads: OpenBLAS sizes its pool once per process from {@code OPENBLAS_NUM_THREADS}; the pure
 * Java kernel uses {@link Parallel}'s ({@code -Dpartita.compute.threads}, default: all cores).
 */
public final class Blas {
  public static final String BACKEND_PROPERTY = "partita.blas";

  private static final Logger LOG = LoggerFactory.getLogger(Blas.class);
  private static final Map<BlasBackend, Object> LOADED = new EnumMap<>(BlasBackend.class);
  private static Blas defaultBlas;

  private final GemmKernel kernel;
  private final String detail;

  private Blas(GemmKernel kernel, String detail) {
    this.kernel = kernel;
    this.detail = detail;
  }

  /** The process-wide default backend (see class comment); chosen and logged on first use. */
  public static synchronized Blas get() {
    if (defaultBlas == null) {
      defaultBlas = chooseDefault();
    }
    return defaultBlas;
  }

  /** A specific backend, or {@link BlasUnavailableException} saying what to install. */
  public static Blas of(BlasBackend backend) {
    Object loaded = load(backend);
    if (loaded instanceof BlasUnavailableException unavailable) {
      throw unavailable;
    }
    return (Blas) loaded;
  }

  /** Every backend with either "available: detail" or the reason it is not. */
  public static Map<BlasBackend, String> probe() {
    Map<BlasBackend, String> report = new EnumMap<>(BlasBackend.class);
    for (BlasBackend backend : BlasBackend.values()) {
      Object loaded = load(backend);
      report.put(backend, loaded instanceof Blas blas ? "available: " + blas.detail
          : "unavailable: " + ((Exception) loaded).getMessage());
    }
    return report;
  }

  public BlasBackend backend() {
    return kernel.backend();
  }

  /** One line for start-up banners: backend, library, threads. */
  public String describe() {
    return kernel.backend().configName() + " (" + kernel.backend().description() + "; " + detail + ")";
  }

  /** C = alpha · op(A) · op(B) + beta · C over whole matrices. */
  public void gemm(Transpose transA, Transpose transB, float alpha, FloatMatrix a, FloatMatrix b,
      float beta, FloatMatrix c) {
    int m = transA == Transpose.NO ? a.rows : a.columns;
    int k = transA == Transpose.NO ? a.columns : a.rows;
    int kB = transB == Transpose.NO ? b.rows : b.columns;
    int n = transB == Transpose.NO ? b.columns : b.rows;
    if (k != kB || c.rows != m || c.columns != n) {
      throw new IllegalArgumentException("gemm shapes do not fit: op(A) is " + m + "×" + k + ", op(B) is "
          + kB + "×" + n + ", C is " + c.rows + "×" + c.columns + " (needs " + m + "×" + n + ")");
    }
    kernel.sgemm(transA, transB, m, n, k, alpha, a.data, 0, Math.max(1, a.rows), b.data, 0, Math.max(1, b.rows),
        beta, c.data, 0, Math.max(1, c.rows));
  }

  /**
   * C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C on column-major arrays with offsets and
   * leading dimensions, for sub-blocks (a micro-batch's columns, a slice's rows) without copies.
   */
  public void gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
      float beta, float[] c, int cOffset, int ldc) {
    if (m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException("gemm dimensions must be ≥ 0, got m=" + m + " n=" + n + " k=" + k);
    }
    checkOperand("A", a, aOffset, lda, transA == Transpose.NO ? m : k, transA == Transpose.NO ? k : m);
    checkOperand("B", b, bOffset, ldb, transB == Transpose.NO ? k : n, transB == Transpose.NO ? n : k);
    checkOperand("C", c, cOffset, ldc, m, n);
    kernel.sgemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
  }

  /** A stored rows×columns block with leading dimension ld must lie inside the array. */
  private static void checkOperand(String name, float[] data, int offset, int ld, int rows, int columns) {
    if (ld < Math.max(1, rows)) {
      throw new IllegalArgumentException("gemm: leading dimension of " + name + " is " + ld
          + " but its stored block has " + rows + " rows");
    }
    if (rows == 0 || columns == 0) {
      return;
    }
    long last = (long) offset + (long) (columns - 1) * ld + rows;
    if (offset < 0 || last > data.length) {
      throw new IllegalArgumentException("gemm: " + name + " block of " + rows + "×" + columns + " at offset "
          + offset + " with leading dimension " + ld + " needs " + last + " elements; the array has " + data.length);
    }
  }

  private static synchronized Object load(BlasBackend backend) {
    return LOADED.computeIfAbsent(backend, Blas::tryLoad);
  }

  private static Object tryLoad(BlasBackend backend) {
    try {
      return switch (backend) {
        case OPENBLAS -> new Blas(OpenBlasGemm.load(), System.getProperty("dev.ludovic.netlib.blas.nativeLibPath",
            System.getProperty("dev.ludovic.netlib.blas.nativeLib", "libblas.so.3")) + ", " + nativeThreads());
        case JBLAS -> new Blas(JblasGemm.load(), "jblas 1.2.5 native library");
        case JAVA -> new Blas(new JavaGemm(), Parallel.threads() + " threads (-D" + Parallel.THREADS_PROPERTY + ")");
      };
    } catch (BlasUnavailableException unavailable) {
      return unavailable;
    }
  }

  private static Blas chooseDefault() {
    String forced = System.getProperty(BACKEND_PROPERTY);
    if (forced != null && !forced.isBlank()) {
      Blas blas = of(BlasBackend.parse(forced));
      LOG.info("BLAS backend: {} (forced by -D{})", blas.describe(), BACKEND_PROPERTY);
      return blas;
    }
    StringBuilder skipped = new StringBuilder();
    for (BlasBackend backend : BlasBackend.values()) {
      Object loaded = load(backend);
      if (loaded instanceof Blas blas) {
        if (skipped.isEmpty()) {
          LOG.info("BLAS backend: {}", blas.describe());
        } else {
          LOG.warn("BLAS backend: {} — faster backends unavailable:{}", blas.describe(), skipped);
        }
        return blas;
      }
      skipped.append("\n  ").append(backend.configName()).append(": ")
          .append(((Exception) loaded).getMessage());
    }
    throw new IllegalStateException("no BLAS backend could be loaded:" + skipped);
  }

  private static String nativeThreads() {
    for (String variable : new String[] {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"}) {
      String value = System.getenv(variable);
      if (value != null && !value.isBlank()) {
        return value.trim() + " threads (" + variable + ")";
      }
    }
    return Runtime.getRuntime().availableProcessors() + " threads (OpenBLAS default: all cores)";
  }
}
