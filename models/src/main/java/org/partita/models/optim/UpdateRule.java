package org.partita.models.optim;

/** How a gradient becomes a parameter change; the hyper-parameters of each kind. */
public sealed interface UpdateRule permits UpdateRule.Sgd, UpdateRule.Momentum, UpdateRule.Adam {

  /** Optimizer state tensors this rule keeps per parameter (0, 1 or 2). */
  int slots();

  /** The rule users name: adam, sgd, momentum or nesterov (μ = 0.9); {@code option} names the setting in errors. */
  static UpdateRule named(String name, String option) {
    return switch (name.toLowerCase(java.util.Locale.ROOT)) {
      case "adam" -> Adam.defaults();
      case "sgd" -> new Sgd();
      case "momentum" -> new Momentum(0.9f, false);
      case "nesterov" -> new Momentum(0.9f, true);
      default -> throw new IllegalArgumentException(option + " '" + name
          + "' is not one of adam, sgd, momentum, nesterov");
    };
  }

  /** Plain gradient descent. */
  record Sgd() implements UpdateRule {
    @Override
    public int slots() {
      return 0;
    }
  }

  /** v = μ·v + g; w −= lr·v, or w −= lr·(g + μ·v) with Nesterov. */
  record Momentum(float momentum, boolean nesterov) implements UpdateRule {
    public Momentum {
      if (!(momentum >= 0f && momentum < 1f)) {
        throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
      }
    }

    @Override
    public int slots() {
      return 1;
    }
  }

  /** Adam with bias correction. */
  record Adam(float beta1, float beta2, float epsilon) implements UpdateRule {
    public Adam {
      if (!(beta1 >= 0f && beta1 < 1f) || !(beta2 >= 0f && beta2 < 1f) || !(epsilon > 0f)) {
        throw new IllegalArgumentException("Adam needs beta1, beta2 in [0, 1) and epsilon > 0; got " + beta1 + ", "
            + beta2 + ", " + epsilon);
      }
    }

    public static Adam defaults() {
      return new Adam(0.9f, 0.999f, 1e-8f);
    }

    @Override
    public int slots() {
      return 2;
    }
  }
}
