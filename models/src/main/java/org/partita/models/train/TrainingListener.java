package org.partita.models.train;

/** Receives progress; called on the training thread, so keep it quick. */
public interface TrainingListener {
  TrainingListener NONE = new TrainingListener() { };

  default void onStep(StepMetrics metrics) { }

  default void onEpoch(EpochMetrics metrics) { }

  /** A checkpoint of the schedule was saved whole into {@code directory}. */
  default void onCheckpoint(java.nio.file.Path directory) { }

  /**
   * Asked after every step: true makes the loop stop at this step boundary, save a checkpoint (when
   * it has a schedule and the position can be resumed) and throw {@link TrainingStoppedException}.
   */
  default boolean stopRequested() {
    return false;
  }
}
