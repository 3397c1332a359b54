package org.partita.models.blas;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;

/**
 * Splits the element-wise and data-movement loops around the GEMMs (im2col, pooling, activations)
 * across cores, as OpenBLAS does for the GEMMs themselves. Chunks are static — [n·t/T, n·(t+1)/T)
 * for thread t — and each output element is written by exactly one chunk, so results are
 * bit-identical whatever the thread count.
 *
 * <p>Threads: {@code -Dpartita.compute.threads} (default: available processors). A process
 * hosting several shards should give each fewer threads, like OpenBLAS.
 */
public final class Parallel {
  public static final String THREADS_PROPERTY = "partita.compute.threads";

  private static final int THREADS = threadsFromProperty();
  private static final ForkJoinPool POOL = THREADS > 1 ? new ForkJoinPool(THREADS) : null;

  private Parallel() {}

  /** The body of a loop over [from, to). */
  @FunctionalInterface
  public interface RangeBody {
    void run(int from, int to);
  }

  public static int threads() {
    return THREADS;
  }

  /**
   * Runs body over [0, count) in up to {@link #threads()} static chunks; inline when there is one
   * thread, fewer than two items, or {@code count · costPerItem} is under ~64k operations.
   */
  public static void forRange(int count, long costPerItem, RangeBody body) {
    int tasks = (int) Math.min(THREADS, count);
    boolean nested = Thread.currentThread() instanceof ForkJoinWorkerThread worker && worker.getPool() == POOL;
    if (tasks <= 1 || (long) count * costPerItem < (1 << 16) || nested) {
      body.run(0, count);
      return;
    }
    POOL.invoke(new RecursiveAction() {
      @Override
      protected void compute() {
        RecursiveAction[] chunks = new RecursiveAction[tasks];
        for (int t = 0; t < tasks; t++) {
          int from = (int) ((long) count * t / tasks);
          int to = (int) ((long) count * (t + 1) / tasks);
          chunks[t] = new RecursiveAction() {
            @Override
            protected void compute() {
              body.run(from, to);
            }
          };
        }
        invokeAll(chunks);
      }
    });
  }

  private static int threadsFromProperty() {
    String value = System.getProperty(THREADS_PROPERTY);
    if (value == null || value.isBlank()) {
      return Runtime.getRuntime().availableProcessors();
    }
    try {
      int threads = Integer.parseInt(value.trim());
      if (threads < 1) {
        throw new NumberFormatException("must be ≥ 1");
      }
      return threads;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + THREADS_PROPERTY + "=" + value + " is not a positive whole number", e);
    }
  }
}
