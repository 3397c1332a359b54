package org.partita.deploy;

/** What the partita command's exit status means; scripts may rely on these. */
public final class ExitCode {
  public static final int OK = 0;
  /** A bug or an unexpected environment failure; the stack trace is printed. */
  public static final int INTERNAL_ERROR = 1;
  /** Bad flags, a missing or corrupt input file, a wrong shape: the message says which. */
  public static final int BAD_INPUT = 2;
  /** The cluster failed (a node left and could not be replaced, a timeout). */
  public static final int CLUSTER_FAILURE = 3;
  /** Training diverged (NaN or infinite loss); the last good state was kept. */
  public static final int DIVERGED = 4;
  /** Stopped by Ctrl-C (SIGINT) at a step boundary, with a checkpoint to resume from; 128 + SIGINT. */
  public static final int STOPPED = 130;

  private ExitCode() {}
}
