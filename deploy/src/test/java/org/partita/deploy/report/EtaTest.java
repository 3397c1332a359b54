package org.partita.deploy.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The time left waits for the warm-up and a few measured steps, then follows the pace since the
 * warm-up: a first step that took a hundred steps' time (the main job's "ETA 72h58m" after step 1)
 * does not count.
 */
class EtaTest {
  private static final long MS = 1_000_000L;

  @Test
  void waitsForTheWarmUpAndAFewStepsThenFollowsThePaceSinceIt() {
    Eta eta = new Eta();
    long now = 0;
    eta.onStep(now += 10_000 * MS); // the first step: class loading, JIT, first touches
    assertTrue(eta.seconds(1000).isEmpty(), "no estimate after one step");
    for (int step = 2; step < Eta.WARM_UP_STEPS + Eta.MEASURED_STEPS; step++) {
      eta.onStep(now += 100 * MS);
      assertTrue(eta.seconds(1000).isEmpty(), "no estimate after " + step + " steps");
    }
    eta.onStep(now += 100 * MS);
    assertEquals(100.0, eta.seconds(1000).getAsDouble(), 1e-9, "1000 steps at 100 ms");
    for (int step = 0; step < 10; step++) {
      eta.onStep(now += 100 * MS);
    }
    eta.onStep(now += 1_600 * MS); // an epoch's evaluation
    assertEquals(3.1 / 16 * 500, eta.seconds(500).getAsDouble(), 1e-9, "16 steps after the warm-up took 3.1 s");
  }
}
