package org.partita.models.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class WarmUpPlateauTest {
  /** Feeds groups of {@code groupSeconds} whose time per step follows {@code perStep(t)}; returns when it settled. */
  private static double settleTime(WarmUpPlateau plateau, double groupSeconds, java.util.function.DoubleUnaryOperator perStep,
      double limit) {
    for (double t = groupSeconds; t <= limit; t += groupSeconds) {
      if (plateau.settled(t, perStep.applyAsDouble(t))) {
        return t;
      }
    }
    return Double.POSITIVE_INFINITY;
  }

  @Test
  void aFlatButNoisyRunnerSettlesAsSoonAsTheMinimumHasPassed() {
    Random random = new Random(7);
    double settled = settleTime(new WarmUpPlateau(10), 0.15, t -> 0.060 * (1 + 0.4 * random.nextDouble()), 60);
    assertEquals(10, settled, 0.2);
  }

  @Test
  void aRunnerStillSpeedingUpIsNotSettledUntilTheGainsFallBelowThreePercentAWindow() {
    // JIT-like: 2x slow at first, the excess halving every 4 s; 5 s windows.
    double settled = settleTime(new WarmUpPlateau(10), 0.15, t -> 0.060 * (1 + Math.pow(0.5, t / 4)), 60);
    // The excess at t is 2^(-t/4); a window gains ~ (1 - 2^(-5/4)) of it, below 3% of the total after ~t = 20 s.
    assertTrue(settled > 18 && settled < 26, "settled at " + settled + " s");
  }

  @Test
  void theMinimumHoldsEvenWhenTheTimesAreFlatFromTheStart() {
    WarmUpPlateau plateau = new WarmUpPlateau(3);
    assertFalse(plateau.settled(1, 0.05));
    assertFalse(plateau.settled(2.9, 0.05));
    assertTrue(plateau.settled(3.1, 0.05), "2 windows of 1.5 s have passed and nothing improved");
    assertEquals(0.05, plateau.recentSecondsPerStep(), 1e-12);
  }

  @Test
  void groupsLongerThanTheWindowCompareTheLastGroupBeforeEachWindowsEnd() {
    WarmUpPlateau plateau = new WarmUpPlateau(1);
    assertFalse(plateau.settled(3, 0.9), "one 3 s group spans both 1 s windows: nothing to compare yet");
    assertFalse(plateau.settled(6, 0.5), "0.5 s is far faster than 0.9 s");
    assertTrue(plateau.settled(9, 0.5));
    // A first group longer than the minimum (4 wide-MLP slices on 2 cores, one 8 s stall) compares with nothing.
    WarmUpPlateau stalled = new WarmUpPlateau(10);
    assertFalse(stalled.settled(12, 0.9));
    assertFalse(stalled.settled(18, 0.4));
    assertTrue(stalled.settled(24, 0.4));
  }
}
