package org.partita.models.train;

import java.util.List;

/** The outcome of {@link LocalTrainer#fit}. samplesPerSecond counts training samples over training time only. */
public record TrainingReport(List<EpochMetrics> epochs, Evaluation finalTest, double trainSeconds, long trainSamples,
    double samplesPerSecond) {

  public EpochMetrics last() {
    return epochs.get(epochs.size() - 1);
  }
}
