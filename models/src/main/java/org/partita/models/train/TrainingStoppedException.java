package org.partita.models.train;

import java.nio.file.Path;

/**
 * Training stopped at a step boundary because it was asked to (Ctrl-C): {@code step} optimizer
 * steps are done and, unless {@code checkpoint} is null, saved there — resume from it.
 */
public final class TrainingStoppedException extends RuntimeException {
  private final long step;
  private final Path checkpoint;

  public TrainingStoppedException(long step, Path checkpoint, String message) {
    super(message);
    this.step = step;
    this.checkpoint = checkpoint;
  }

  public long step() {
    return step;
  }

  public Path checkpoint() {
    return checkpoint;
  }
}
