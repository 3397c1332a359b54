package org.partita.models.train;

/** The loss became NaN or infinite; the update of that step was not applied. */
public final class TrainingDivergedException extends RuntimeException {
  public TrainingDivergedException(String message) {
    super(message);
  }
}
