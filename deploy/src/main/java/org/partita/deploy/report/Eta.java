package org.partita.deploy.report;

import java.util.OptionalDouble;

/**
 * The time training has left, from the pace of the steps seen so far. The first
 * {@link #WARM_UP_STEPS} steps are left out of the pace (they pay for class loading, JIT
 * compilation and first touches of every buffer: the first step of the main job took as long as a
 * hundred later ones), and nothing is estimated until {@link #MEASURED_STEPS} more have passed.
 * The pace is then the mean over every step since the warm-up — epoch-end evaluations included, as
 * they recur — so one slow step moves it little.
 *
 * <p>Threading: one caller at a time.
 */
public final class Eta {
  static final int WARM_UP_STEPS = 2;
  static final int MEASURED_STEPS = 5;

  private long steps;
  /** When the warm-up's last step ended, and the latest step. */
  private long warmEnd;
  private long lastStep;

  /** A step ended at {@code nanos} (System.nanoTime). */
  public void onStep(long nanos) {
    steps++;
    if (steps == WARM_UP_STEPS) {
      warmEnd = nanos;
    }
    lastStep = nanos;
  }

  /** Seconds for {@code remainingSteps} more at the measured pace; empty while there is no pace yet. */
  public OptionalDouble seconds(long remainingSteps) {
    long measured = steps - WARM_UP_STEPS;
    if (measured < MEASURED_STEPS) {
      return OptionalDouble.empty();
    }
    return OptionalDouble.of((lastStep - warmEnd) / 1e9 / measured * remainingSteps);
  }
}
