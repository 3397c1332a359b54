package org.partita.models.optim;

/**
 * Everything about an optimizer that is not state: the update rule, the base learning rate and
 * its schedule, decoupled weight decay (on weights, not biases) and gradient clipping by global
 * L2 norm (0 = off).
 */
public record OptimizerSpec(UpdateRule rule, float learningRate, LearningRateSchedule schedule, float weightDecay,
    float clipGlobalNorm) {
  public OptimizerSpec {
    if (rule == null || schedule == null) {
      throw new IllegalArgumentException("optimizer needs an update rule and a schedule");
    }
    if (!(learningRate > 0f) || Float.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be a positive number, got " + learningRate);
    }
    if (!(weightDecay >= 0f) || !(clipGlobalNorm >= 0f)) {
      throw new IllegalArgumentException("weight decay and clip norm must be ≥ 0, got " + weightDecay + ", "
          + clipGlobalNorm);
    }
  }

  public static OptimizerSpec adam(float learningRate) {
    return new OptimizerSpec(UpdateRule.Adam.defaults(), learningRate, new LearningRateSchedule.Constant(), 0f, 0f);
  }

  public static OptimizerSpec sgd(float learningRate) {
    return new OptimizerSpec(new UpdateRule.Sgd(), learningRate, new LearningRateSchedule.Constant(), 0f, 0f);
  }

  public float learningRateAt(long step) {
    return schedule.rate(learningRate, step);
  }

  public String describe() {
    String name = "sgd";
    if (rule instanceof UpdateRule.Momentum m) {
      name = (m.nesterov() ? "nesterov " : "momentum ") + m.momentum();
    } else if (rule instanceof UpdateRule.Adam) {
      name = "adam";
    }
    return name + " lr " + learningRate + (weightDecay > 0 ? " wd " + weightDecay : "")
        + (clipGlobalNorm > 0 ? " clip " + clipGlobalNorm : "");
  }
}
