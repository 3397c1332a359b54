package org.partita.deploy.report;

import java.io.PrintStream;
import java.util.Locale;
import java.util.OptionalDouble;
import org.partita.models.train.EpochMetrics;
import org.partita.models.train.StepMetrics;
import org.partita.models.train.TrainingListener;

/**
 * Live progress: on a terminal one line rewritten in place a few times a second; otherwise (a log
 * file, CI) a plain line every {@code plainInterval} seconds. Epoch results are always their own line.
 * The time left ({@link Eta}) shows once the pace of a few steps after the warm-up is known.
 */
public final class ProgressReporter implements TrainingListener {
  private static final long TERMINAL_REFRESH_NANOS = 250_000_000L;

  private final PrintStream out;
  private final boolean terminal;
  private final long plainIntervalNanos;
  private final Eta eta = new Eta();
  private long lastPrint;
  private boolean lineOpen;
  /** For regression: R² of a held-out loss, printed instead of accuracy; null for classifiers. */
  private java.util.function.DoubleUnaryOperator heldOutR2;

  public ProgressReporter(PrintStream out, boolean terminal, double plainIntervalSeconds) {
    this.out = out;
    this.terminal = terminal;
    this.plainIntervalNanos = (long) (plainIntervalSeconds * 1e9);
    this.lastPrint = System.nanoTime();
  }

  /** A regression's progress: no accuracy, and R² from the held-out loss ({@code r2OfLoss}; null: a classifier's). */
  public ProgressReporter withHeldOutR2(java.util.function.DoubleUnaryOperator r2OfLoss) {
    this.heldOutR2 = r2OfLoss;
    return this;
  }

  @Override
  public void onStep(StepMetrics m) {
    long now = System.nanoTime();
    eta.onStep(now);
    boolean lastOfEpoch = m.stepInEpoch() == m.stepsPerEpoch() - 1;
    if (now - lastPrint < (terminal ? TERMINAL_REFRESH_NANOS : plainIntervalNanos) && !(terminal && lastOfEpoch)) {
      return;
    }
    lastPrint = now;
    OptionalDouble left = eta.seconds(m.remainingSteps());
    String accuracy = heldOutR2 != null ? "" : String.format(Locale.ROOT, "  acc %5.1f%%", 100 * m.accuracy());
    String line = String.format(Locale.ROOT, "epoch %d/%d  step %d/%d  loss %.4f%s  %,.0f samples/s%s",
        m.epoch() + 1, m.epochs(), m.stepInEpoch() + 1, m.stepsPerEpoch(), m.loss(), accuracy,
        m.samplesPerSecond(), left.isPresent() ? "  ETA " + duration(left.getAsDouble()) : "");
    if (terminal) {
      out.print("\r" + line + "   ");
      lineOpen = true;
    } else {
      out.println(line);
    }
    out.flush();
  }

  @Override
  public void onEpoch(EpochMetrics m) {
    if (lineOpen) {
      out.println();
      lineOpen = false;
    }
    String test = m.test() == null ? "" : heldOutR2 != null ? String.format(Locale.ROOT, " | test loss %.4f R² %.4f",
        m.test().loss(), heldOutR2.applyAsDouble(m.test().loss())) : String.format(Locale.ROOT,
        " | test loss %.4f acc %.2f%%", m.test().loss(), 100 * m.test().accuracy());
    String train = heldOutR2 != null ? "" : String.format(Locale.ROOT, " acc %.2f%%", 100 * m.trainAccuracy());
    out.printf(Locale.ROOT, "epoch %d done in %.1f s: train loss %.4f%s%s%n", m.epoch() + 1, m.seconds(),
        m.trainLoss(), train, test);
    out.flush();
  }

  /** 75 → "1m15s", 3700 → "1h01m". */
  public static String duration(double seconds) {
    long s = Math.round(seconds);
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return String.format("%dm%02ds", s / 60, s % 60);
    }
    return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
  }
}
