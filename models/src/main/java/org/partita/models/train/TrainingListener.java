package org.partita.models.train;

/** Receives progress; called on the training thread, so keep it quick. */
public interface TrainingListener {
  TrainingListener NONE = new TrainingListener() { };

  default void onStep(StepMetrics metrics) { }

  default void onEpoch(EpochMetrics metrics) { }
}
