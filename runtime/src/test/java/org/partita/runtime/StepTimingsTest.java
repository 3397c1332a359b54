package org.partita.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Sums, differences between snapshots, means and the one-line breakdown. */
class StepTimingsTest {
  @Test
  void accumulatesAndDescribesTheBreakdown() {
    StepTimings first = StepTimings.NONE.plus(0.100, 0.060, 0.010);
    StepTimings both = first.plus(0.080, 0.050, 0.006);
    assertEquals(2, both.steps());
    assertEquals(0.090, both.meanStepSeconds(), 1e-12);
    assertEquals(0.055, both.meanComputeSeconds(), 1e-12);
    assertEquals(0.008, both.meanAllReduceSeconds(), 1e-12);
    assertEquals(0.027, both.meanOtherSeconds(), 1e-12);
    StepTimings second = both.since(first);
    assertEquals(1, second.steps());
    assertEquals(0.080, second.stepSeconds(), 1e-12);
    assertEquals("per step 80.0 ms: busiest shard computing 50.0 ms, gradient all-reduce 6.0 ms, messages and"
        + " waiting 24.0 ms (mean of 1 steps)", second.describe());
    assertEquals(0, StepTimings.NONE.meanStepSeconds());
    assertTrue(StepTimings.NONE.plus(0.01, 0.02, 0).meanOtherSeconds() == 0, "never negative");
  }
}
