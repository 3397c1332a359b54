package org.partita.deploy.watch;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.partita.deploy.tensorboard.TensorBoardLog;
import picocli.CommandLine.Option;

/**
 * {@code --ui-port}, {@code --ui-host} and {@code --no-ui}: where the live dashboard of a training
 * run listens. By default on loopback, port {@value #DEFAULT_PORT} or the next free one of
 * {@value #PORTS_TRIED} (so runs side by side each get one), else any free port; the URL is
 * printed either way.
 */
public final class WatchOptions {
  static final int DEFAULT_PORT = 8470;
  static final int PORTS_TRIED = 10;

  @Option(names = "--ui-port", description = "Port of the live dashboard; 0 takes any free port (default: "
      + DEFAULT_PORT + ", or the next free one up to " + (DEFAULT_PORT + PORTS_TRIED - 1) + ", else any).")
  Integer port;

  @Option(names = "--ui-host", defaultValue = "127.0.0.1", description = "Address the dashboard listens on "
      + "(default: ${DEFAULT-VALUE}, this machine only). Any other, e.g. 0.0.0.0, exposes it to the network; the "
      + "printed URL then carries a random token without which it answers 403.")
  String host;

  @Option(names = "--no-ui", description = "No live dashboard (RUN/tb, the TensorBoard log, is written all the same).")
  boolean off;

  /** Refuses a port out of range or an address that does not resolve, before any work. */
  public void validate() {
    if (port != null && (port < 0 || port > 65535)) {
      throw new IllegalArgumentException("--ui-port must be between 0 and 65535, got " + port);
    }
    address();
  }

  /**
   * Starts watching {@code run}: its TensorBoard log and, unless --no-ui, the dashboard, whose URL
   * goes to {@code console}. A port given with --ui-port that is taken is an error; the default
   * one moves on to the next.
   */
  public RunWatch open(RunWatch.Run run, PrintStream console) throws IOException {
    TensorBoardLog tensorBoard = TensorBoardLog.open(run.directory(), run.config().optimizer(),
        message -> console.println("watch: " + message));
    RunRecorder recorder = new RunRecorder(run);
    DashboardServer server = null;
    try {
      if (!off) {
        server = start(recorder);
        console.println("dashboard: " + server.url() + (server.exposed()
            ? " (listening on " + host + "; the token is needed)" : "") + " — read-only; --no-ui turns it off");
      }
      return new RunWatch(run, tensorBoard, server, recorder);
    } catch (IOException | RuntimeException e) {
      tensorBoard.close();
      throw e;
    }
  }

  private DashboardServer start(RunRecorder recorder) throws IOException {
    InetAddress address = address();
    if (port != null) {
      try {
        return DashboardServer.start(new InetSocketAddress(address, port), recorder);
      } catch (BindException e) {
        throw new IllegalArgumentException("--ui-port " + port + " on " + host + ": " + e.getMessage()
            + "; give another port, 0 for any free one, or --no-ui");
      }
    }
    for (int candidate = DEFAULT_PORT; candidate < DEFAULT_PORT + PORTS_TRIED; candidate++) {
      try {
        return DashboardServer.start(new InetSocketAddress(address, candidate), recorder);
      } catch (BindException taken) {
        // another run's dashboard, or another program: try the next
      }
    }
    try {
      return DashboardServer.start(new InetSocketAddress(address, 0), recorder);
    } catch (BindException e) {
      throw new IllegalArgumentException("--ui-host " + host + ": cannot listen there: " + e.getMessage());
    }
  }

  private InetAddress address() {
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--ui-host '" + host + "' is not an address of this machine: "
          + e.getMessage());
    }
  }
}
