package org.partita.models.random;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CounterRandomTest {
  /** The per-unit states the dropout layer reuses give exactly the numbers drawn one at a time. */
  @Test
  void dropoutUnitStatesGiveTheSameNumbersAsDrawingEachOne() {
    SplittableRandom random = new SplittableRandom(5);
    for (int trial = 0; trial < 20; trial++) {
      long seed = random.nextLong();
      long layer = random.nextInt(16);
      long step = random.nextLong(1L << 40);
      int firstUnit = random.nextInt(5000);
      long[] states = CounterRandom.dropoutUnitStates(seed, layer, firstUnit, 37, step);
      for (int i = 0; i < states.length; i++) {
        long sample = random.nextLong(1L << 32);
        assertEquals(CounterRandom.dropoutUniform(seed, layer, firstUnit + i, step, sample),
            CounterRandom.toUniform(CounterRandom.extend(states[i], sample)), "unit " + (firstUnit + i));
      }
    }
  }

  /**
   * Resumed runs must draw the masks they were checkpointed with: a value pinned from the version
   * before the per-unit states existed.
   */
  @Test
  void dropoutNumbersAreStableAcrossVersions() {
    assertEquals(0.08349264f, CounterRandom.dropoutUniform(42, 6, 100, 7, 12345));
  }
}
