package org.partita.models.train;

/**
 * After each optimizer step: where training is (epoch, step), the step's mean loss and accuracy,
 * and throughput since training started.
 */
public record StepMetrics(int epoch, int epochs, int stepInEpoch, int stepsPerEpoch, long globalStep, double loss,
    double accuracy, double samplesPerSecond) {

  /** Steps still to run in the whole training, for an ETA. */
  public long remainingSteps() {
    return (long) (epochs - epoch - 1) * stepsPerEpoch + (stepsPerEpoch - stepInEpoch - 1);
  }
}
