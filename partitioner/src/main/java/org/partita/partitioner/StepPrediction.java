package org.partita.partitioner;

import java.util.Locale;

/**
 * Predicted seconds of one optimizer step of a plan, split the way it is spent: computing on the
 * slowest stage, exchanging activations and gradients between the slices of a stage, the
 * pipeline's fill and drain and its stage-boundary transfers (bubble), all-reducing gradients
 * among replicas, and updating.
 */
public record StepPrediction(double compute, double exchange, double bubble, double allReduce, double update) {

  public double total() {
    return compute + exchange + bubble + allReduce + update;
  }

  public String describe() {
    return String.format(Locale.ROOT, "%.1f ms (compute %.1f, exchange %.1f, bubble %.1f, all-reduce %.1f, update %.1f)",
        1e3 * total(), 1e3 * compute, 1e3 * exchange, 1e3 * bubble, 1e3 * allReduce, 1e3 * update);
  }
}
