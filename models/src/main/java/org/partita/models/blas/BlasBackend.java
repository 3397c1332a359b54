package org.partita.models.blas;

import java.util.Locale;

/**
 * The GEMM implementations Partita can use, fastest first. Measured on a 2-core machine at n=1024
 * with both threads (docs/BENCHMARKS.md): system OpenBLAS ≈189 GFLOP/s, jblas' bundled BLAS ≈37,
 * the pure-Java kernel ≈11.
 */
public enum BlasBackend {
  OPENBLAS("system OpenBLAS through dev.ludovic.netlib JNI"),
  JBLAS("jblas' bundled native BLAS"),
  JAVA("pure Java kernel");

  private final String description;

  BlasBackend(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }

  /** Parses the value of {@code -Dpartita.blas}: openblas, jblas or java (any case). */
  public static BlasBackend parse(String name) {
    for (BlasBackend backend : values()) {
      if (backend.name().equalsIgnoreCase(name.trim())) {
        return backend;
      }
    }
    throw new IllegalArgumentException("unknown BLAS backend '" + name + "' (from -D" + Blas.BACKEND_PROPERTY
        + "); choose one of openblas, jblas, java");
  }

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
