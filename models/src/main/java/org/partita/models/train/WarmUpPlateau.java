package org.partita.models.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decides when a warm-up has reached its plateau: the median time per step over the last window
 * of seconds is no longer at least 3% faster than over the window before it. Medians over
 * windows, not single groups, because one group's time on a shared machine swings by more than the
 * JIT's remaining gains; the window is half the minimum warm-up and at least 1 s. Public for the
 * peers benchmark, which warms up other systems' processes by the same rule.
 */
public final class WarmUpPlateau {
  /** A recent window at least this much faster than the one before means the runner is still speeding up. */
  private static final double STILL_IMPROVING = 0.97;
  private static final double MIN_WINDOW_SECONDS = 1;

  private final double minSeconds;
  private final double window;
  private final List<double[]> groups = new ArrayList<>(); // {end second, seconds per step}

  public WarmUpPlateau(double minSeconds) {
    this.minSeconds = minSeconds;
    this.window = Math.max(MIN_WINDOW_SECONDS, minSeconds / 2);
  }

  /** Records a group that ended {@code elapsed} seconds into the warm-up; true once the plateau is reached. */
  public boolean settled(double elapsed, double secondsPerStep) {
    groups.add(new double[] {elapsed, secondsPerStep});
    if (elapsed < Math.max(minSeconds, 2 * window)) {
      return false;
    }
    double recent = median(elapsed - window, elapsed);
    double before = median(elapsed - 2 * window, elapsed - window);
    // No group had ended by the earlier window's end: one group spans both windows, nothing to compare.
    return !Double.isNaN(before) && !(recent < STILL_IMPROVING * before);
  }

  /** The median seconds per step of the groups in the last window (the last group's before any is recorded). */
  public double recentSecondsPerStep() {
    if (groups.isEmpty()) {
      return Double.NaN;
    }
    double end = groups.get(groups.size() - 1)[0];
    return median(end - window, end);
  }

  /**
   * Median of the groups that ended in (from, to]; when none did, the group that ended last before
   * {@code to}, or NaN when none had.
   */
  private double median(double from, double to) {
    double[] inWindow = groups.stream().filter(g -> g[0] > from && g[0] <= to).mapToDouble(g -> g[1]).toArray();
    if (inWindow.length == 0) {
      return groups.stream().filter(g -> g[0] <= to).reduce((a, b) -> b).map(g -> g[1]).orElse(Double.NaN);
    }
    Arrays.sort(inWindow);
    int n = inWindow.length;
    return n % 2 == 1 ? inWindow[n / 2] : (inWindow[n / 2 - 1] + inWindow[n / 2]) / 2;
  }
}
