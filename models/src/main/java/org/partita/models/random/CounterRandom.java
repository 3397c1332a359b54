package org.partita.models.random;

/**
 * Random numbers as pure functions of their coordinates — (seed, stream, layer, unit, index, ...)
 * — instead of draws from a sequential generator. A model split by units, or replicated, or cut
 * into micro-batches therefore sees exactly the same initial weights and dropout masks as the
 * whole model: every number depends only on where it is, never on who computed what before it.
 *
 * <p>The mixing function is SplitMix64's finaliser applied once per coordinate, which passes
 * the usual avalanche tests; its quality is ample for initialisation and dropout.
 */
public final class CounterRandom {
  /** Separate streams so initialisation and dropout never reuse each other's numbers. */
  public static final long STREAM_INIT = 0x1A17L;
  public static final long STREAM_DROPOUT = 0xD209L;
  public static final long STREAM_SHUFFLE = 0x5EFFL;
  /** The permutation that picks the samples --validation-split holds out. */
  public static final long STREAM_HOLD_OUT = 0x401DL;

  private CounterRandom() {}

  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** 64 random bits at the given coordinates. */
  public static long bits(long seed, long... coordinates) {
    long state = start(seed);
    for (long coordinate : coordinates) {
      state = extend(state, coordinate);
    }
    return state;
  }

  /** {@link #bits} with no coordinates yet; {@link #extend} adds them one at a time. */
  public static long start(long seed) {
    return mix(seed + 0x9E3779B97F4A7C15L);
  }

  /**
   * {@link #bits} of the coordinates so far plus one more: a loop over the last coordinate can
   * reuse the state of the ones before it instead of mixing them again for every number.
   */
  public static long extend(long state, long coordinate) {
    return mix(state ^ (coordinate + 0x9E3779B97F4A7C15L) * 0xD1B54A32D192ED03L);
  }

  /** 24 of the bits as a float uniform in [0, 1), exactly representable. */
  public static float toUniform(long bits) {
    return (bits >>> 40) * 0x1.0p-24f;
  }

  /** Uniform in [0, 1) with 24 random bits, exactly representable as a float. */
  public static float uniform(long seed, long stream, long layer, long unit, long index) {
    return toUniform(bits(seed, stream, layer, unit, index));
  }

  /** Uniform in [0, 1) for dropout: one draw per (layer, unit, step, sample). */
  public static float dropoutUniform(long seed, long layer, long unit, long step, long sample) {
    return toUniform(bits(seed, STREAM_DROPOUT, layer, unit, step, sample));
  }

  /**
   * The states {@link #dropoutUniform} reaches before its last coordinate, for units
   * [firstUnit, firstUnit + count) at one step: {@code toUniform(extend(states[i], sample))} is
   * {@code dropoutUniform(seed, layer, firstUnit + i, step, sample)}, at one mix per number.
   */
  public static long[] dropoutUnitStates(long seed, long layer, int firstUnit, int count, long step) {
    long layerState = extend(extend(start(seed), STREAM_DROPOUT), layer);
    long[] states = new long[count];
    for (int i = 0; i < count; i++) {
      states[i] = extend(extend(layerState, firstUnit + i), step);
    }
    return states;
  }
}
