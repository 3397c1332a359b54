package org.partita.models.train;

import java.util.Locale;

/**
 * Named moments of a training step at which a process can be told to stop dead, so that a fault
 * test's {@code kill -9} lands inside that moment every time instead of wherever a sleep happens
 * to end. Armed by the system property {@code partita.fault.pause=MOMENT:STEP} (e.g.
 * {@code backward:7}, {@code checkpoint-write:8}) given to one JVM: when that JVM reaches the
 * moment of that optimizer step it prints one line starting {@value #ANNOUNCEMENT} and blocks the
 * thread for good, waiting to be killed. Unset (always, outside fault tests), {@link #reach} is a
 * test of one static final field.
 *
 * <p>Steps count from 1 as {@link StepMetrics#globalStep()} does: the forward, backward and
 * all-reduce of step 7 compute the 7th update; the checkpoint of step 8 is the one taken after
 * the 8th.
 */
public final class FaultPoint {
  public static final String PROPERTY = "partita.fault.pause";
  public static final String ANNOUNCEMENT = "fault point: pausing in ";

  /** Where a step can be paused; the property names them in lower case with '-' for '_'. */
  public enum Moment { FORWARD, BACKWARD, ALL_REDUCE, CHECKPOINT_WRITE }

  private record Armed(Moment moment, long step) {}

  private static final Armed ARMED = parse(System.getProperty(PROPERTY));

  private FaultPoint() {}

  /**
   * Blocks forever if this JVM was armed for {@code moment} of {@code step}. {@code where} (its
   * toString, made only then) goes in the announcement.
   */
  public static void reach(Moment moment, long step, Object where) {
    if (ARMED != null && ARMED.moment == moment && ARMED.step == step) {
      pause(moment, step, where);
    }
  }

  private static void pause(Moment moment, long step, Object where) {
    System.out.println(ANNOUNCEMENT + name(moment) + " of step " + step + " (" + where + "), pid "
        + ProcessHandle.current().pid());
    System.out.flush();
    Object never = new Object();
    synchronized (never) {
      while (true) {
        try {
          never.wait();
        } catch (InterruptedException e) {
          // Still paused: only the kill the test sends ends this.
        }
      }
    }
  }

  public static String name(Moment moment) {
    return moment.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static Armed parse(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    int colon = value.lastIndexOf(':');
    try {
      Moment moment = Moment.valueOf(value.substring(0, Math.max(colon, 0)).trim().toUpperCase(Locale.ROOT)
          .replace('-', '_'));
      return new Armed(moment, Long.parseLong(value.substring(colon + 1).trim()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("-D" + PROPERTY + "=" + value + ": expected MOMENT:STEP with MOMENT one of"
          + " forward, backward, all-reduce, checkpoint-write", e);
    }
  }
}
