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

  private CounterRandom() {}

  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** 64 random bits at the given coordinates. */
  public static long bits(long seed, long... coordinates) {
    long state = mix(seed + 0x9E3779B97F4A7C15L);
    for (long coordinate : coordinates) {
      state = mix(state ^ (coordinate + 0x9E3779B97F4A7C15L) * 0xD1B54A32D192ED03L);
    }
    return state;
  }

  /** Uniform in [0, 1) with 24 random bits, exactly representable as a float. */
  public static float uniform(long seed, long stream, long layer, long unit, long index) {
    return (bits(seed, stream, layer, unit, index) >>> 40) * 0x1.0p-24f;
  }

  /** Uniform in [0, 1) for dropout: one draw per (layer, unit, step, sample). */
  public static float dropoutUniform(long seed, long layer, long unit, long step, long sample) {
    return (bits(seed, STREAM_DROPOUT, layer, unit, step, sample) >>> 40) * 0x1.0p-24f;
  }
}
