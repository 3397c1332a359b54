package org.partita.runtime;

/**
 * Where a session's training steps spent their time, summed over {@code steps}: the driver's
 * wall time per step; the busiest shard's own forward/loss/backward work in each step; the
 * gradient all-reduce among replicas in each step, as the shard that started it last saw it
 * (the others' times include waiting for it). What is left of a step went to messages in flight,
 * waiting for slower shards, and the update round trip.
 */
public record StepTimings(long steps, double stepSeconds, double computeSeconds, double allReduceSeconds) {
  public static final StepTimings NONE = new StepTimings(0, 0, 0, 0);

  public StepTimings plus(double step, double compute, double allReduce) {
    return new StepTimings(steps + 1, stepSeconds + step, computeSeconds + compute, allReduceSeconds + allReduce);
  }

  /** The steps after {@code earlier}, a snapshot of the same session. */
  public StepTimings since(StepTimings earlier) {
    return new StepTimings(steps - earlier.steps, stepSeconds - earlier.stepSeconds,
        computeSeconds - earlier.computeSeconds, allReduceSeconds - earlier.allReduceSeconds);
  }

  public double meanStepSeconds() {
    return steps == 0 ? 0 : stepSeconds / steps;
  }

  public double meanComputeSeconds() {
    return steps == 0 ? 0 : computeSeconds / steps;
  }

  public double meanAllReduceSeconds() {
    return steps == 0 ? 0 : allReduceSeconds / steps;
  }

  /** Step time neither computing on the busiest shard nor all-reducing. */
  public double meanOtherSeconds() {
    return Math.max(0, meanStepSeconds() - meanComputeSeconds() - meanAllReduceSeconds());
  }

  /** e.g. "per step 80.1 ms: busiest shard computing 61.0 ms, all-reduce 5.2 ms, messages and waiting 13.9 ms". */
  public String describe() {
    return String.format(java.util.Locale.ROOT, "per step %.1f ms: busiest shard computing %.1f ms, gradient"
        + " all-reduce %.1f ms, messages and waiting %.1f ms (mean of %d steps)", meanStepSeconds() * 1e3,
        meanComputeSeconds() * 1e3, meanAllReduceSeconds() * 1e3, meanOtherSeconds() * 1e3, steps);
  }
}
