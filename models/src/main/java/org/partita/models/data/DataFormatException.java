package org.partita.models.data;

import java.io.IOException;
import java.nio.file.Path;

/** A data file that is missing, truncated, or not what it claims to be; the message names the file. */
public final class DataFormatException extends IOException {
  private final Path file;

  public DataFormatException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  public DataFormatException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
  }

  public Path file() {
    return file;
  }
}
