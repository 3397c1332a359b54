package org.partita.models.blas;

/** A BLAS backend cannot be loaded on this machine; the message says what to install. */
public final class BlasUnavailableException extends RuntimeException {
  private final BlasBackend backend;

  BlasUnavailableException(BlasBackend backend, String message, Throwable cause) {
    super(message, cause);
    this.backend = backend;
  }

  public BlasBackend backend() {
    return backend;
  }
}
