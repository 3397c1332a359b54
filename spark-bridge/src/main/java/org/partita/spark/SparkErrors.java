package org.partita.spark;

/**
 * Spark wraps an exception thrown in a task into a SparkException whose message repeats the stage
 * and task; users should see the reason itself. A bad row (IllegalArgumentException naming the
 * column) comes back as that IllegalArgumentException; anything else is left as it is.
 */
final class SparkErrors {
  private SparkErrors() {}

  /** What to throw for {@code e}: the bad-input reason, or {@code e} itself (Spark's checked exceptions too). */
  static RuntimeException unwrap(Exception e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof IllegalArgumentException bad) {
        return cause == e ? bad : new IllegalArgumentException(bad.getMessage(), e);
      }
    }
    return SparkErrors.<RuntimeException>rethrow(e);
  }

  /** Rethrows a checked exception unchanged (Scala code such as Spark throws them undeclared). */
  @SuppressWarnings("unchecked")
  private static <T extends Exception> T rethrow(Exception e) throws T {
    throw (T) e;
  }
}
