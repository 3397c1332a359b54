package org.partita.models.optim;

/** The learning rate as a function of the optimizer step (0-based). */
public sealed interface LearningRateSchedule
    permits LearningRateSchedule.Constant, LearningRateSchedule.StepDecay, LearningRateSchedule.Cosine {

  float rate(float base, long step);

  record Constant() implements LearningRateSchedule {
    @Override
    public float rate(float base, long step) {
      return base;
    }
  }

  /** base · gamma^⌊step / stepSize⌋. */
  record StepDecay(long stepSize, float gamma) implements LearningRateSchedule {
    public StepDecay {
      if (stepSize < 1 || !(gamma > 0f && gamma <= 1f)) {
        throw new IllegalArgumentException("step decay needs stepSize ≥ 1 and gamma in (0, 1]; got " + stepSize
            + ", " + gamma);
      }
    }

    @Override
    public float rate(float base, long step) {
      return (float) (base * Math.pow(gamma, step / stepSize));
    }
  }

  /** Linear warm-up over warmupSteps, then cosine decay to minRate at totalSteps (and after). */
  record Cosine(long totalSteps, float minRate, long warmupSteps) implements LearningRateSchedule {
    public Cosine {
      if (totalSteps < 1 || warmupSteps < 0 || warmupSteps >= totalSteps || minRate < 0f) {
        throw new IllegalArgumentException("cosine schedule needs 0 ≤ warmupSteps < totalSteps and minRate ≥ 0; got "
            + warmupSteps + ", " + totalSteps + ", " + minRate);
      }
    }

    @Override
    public float rate(float base, long step) {
      if (step < warmupSteps) {
        return base * (step + 1) / warmupSteps;
      }
      double progress = Math.min(1.0, (double) (step - warmupSteps) / (totalSteps - warmupSteps));
      return (float) (minRate + 0.5 * (base - minRate) * (1 + Math.cos(Math.PI * progress)));
    }
  }
}
