package org.partita.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.partita.bench.report.Stats;

/**
 * The raw network between two of bench/bin/netsim's namespaces, below the runtime: the round trip
 * of an 8-byte message over TCP (no Nagle, one in flight) and the throughput of one TCP stream.
 * This is what the shaped link gives; the runtime's own per-message cost (serialization, Artery,
 * TLS) comes on top and is not measured here.
 *
 * <pre>
 *   TcpProbe serve HOST PORT              answers one client's two probes, then exits
 *   TcpProbe measure HOST PORT JSON [MiB] round trips, then a stream of MiB (default 128); writes JSON
 * </pre>
 *
 * A server that sees no client within {@value #ACCEPT_SECONDS} s, or a peer silent for
 * {@value #READ_SECONDS} s, fails rather than waits forever: netsim tears the namespaces down behind it.
 */
public final class TcpProbe {
  private static final int ACCEPT_SECONDS = 60;
  private static final int READ_SECONDS = 60;
  private static final int WARM_UP_ROUND_TRIPS = 500;
  private static final int ROUND_TRIPS = 2000;
  private static final byte ROUND_TRIP = 'r';
  private static final byte STREAM = 's';
  private static final int CHUNK = 1 << 20;

  private TcpProbe() {}

  public static void main(String[] args) throws IOException {
    if (args.length >= 3 && args[0].equals("serve")) {
      serve(args[1], Integer.parseInt(args[2]));
    } else if (args.length >= 4 && args[0].equals("measure")) {
      int mebibytes = args.length > 4 ? Integer.parseInt(args[4]) : 128;
      measure(args[1], Integer.parseInt(args[2]), Path.of(args[3]), mebibytes);
    } else {
      throw new IllegalArgumentException("usage: TcpProbe serve HOST PORT | TcpProbe measure HOST PORT JSON [MiB]");
    }
  }

  private static void serve(String host, int port) throws IOException {
    try (ServerSocket server = new ServerSocket()) {
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(host, port));
      server.setSoTimeout(ACCEPT_SECONDS * 1000);
      System.out.println("tcp probe: listening on " + host + ":" + port);
      System.out.flush();
      for (int probe = 0; probe < 2; probe++) {
        try (Socket client = server.accept()) {
          client.setTcpNoDelay(true);
          client.setSoTimeout(READ_SECONDS * 1000);
          DataInputStream in = new DataInputStream(client.getInputStream());
          DataOutputStream out = new DataOutputStream(client.getOutputStream());
          byte kind = in.readByte();
          if (kind == ROUND_TRIP) {
            echo(in, out);
          } else if (kind == STREAM) {
            swallow(in, out);
          } else {
            throw new IOException("tcp probe: unknown probe kind " + kind);
          }
        } catch (SocketTimeoutException e) {
          throw new IOException("tcp probe: no client within " + ACCEPT_SECONDS + " s on " + host + ":" + port, e);
        }
      }
    }
  }

  /** Sends back every 8-byte message until the client closes. */
  private static void echo(DataInputStream in, DataOutputStream out) throws IOException {
    byte[] message = new byte[8];
    while (in.read(message, 0, 1) == 1) {
      in.readFully(message, 1, 7);
      out.write(message);
      out.flush();
    }
  }

  /** Reads the announced byte count, then answers one byte: the client times until that answer. */
  private static void swallow(DataInputStream in, DataOutputStream out) throws IOException {
    long remaining = in.readLong();
    byte[] buffer = new byte[CHUNK];
    while (remaining > 0) {
      int read = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
      if (read < 0) {
        throw new IOException("tcp probe: client closed with " + remaining + " bytes still announced");
      }
      remaining -= read;
    }
    out.write(1);
    out.flush();
  }

  private static void measure(String host, int port, Path json, int mebibytes) throws IOException {
    double[] roundTripMicros = roundTrips(host, port);
    Stats roundTrip = Stats.of(roundTripMicros);
    long bytes = (long) mebibytes << 20;
    double seconds = stream(host, port, bytes);
    double gigabits = bytes * 8 / seconds / 1e9;
    System.out.printf(Locale.ROOT, "tcp probe to %s: round trip %s µs (min / median / max of %d), one stream %.2f"
        + " Gbit/s (%d MiB in %.2f s)%n", host, roundTrip.format("%.1f"), ROUND_TRIPS, gigabits, mebibytes, seconds);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("to", host + ":" + port);
    result.put("round_trip_us", roundTrip);
    result.put("one_way_latency_us", roundTrip.median() / 2);
    result.put("stream_gbit_per_s", gigabits);
    result.put("stream_bytes", bytes);
    result.put("stream_seconds", seconds);
    if (json.getParent() != null) {
      Files.createDirectories(json.getParent());
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), result);
  }

  private static double[] roundTrips(String host, int port) throws IOException {
    try (Socket socket = connect(host, port)) {
      OutputStream out = socket.getOutputStream();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      out.write(ROUND_TRIP);
      byte[] message = new byte[8];
      double[] micros = new double[ROUND_TRIPS];
      for (int i = -WARM_UP_ROUND_TRIPS; i < ROUND_TRIPS; i++) {
        long start = System.nanoTime();
        out.write(message);
        out.flush();
        in.readFully(message);
        if (i >= 0) {
          micros[i] = (System.nanoTime() - start) / 1e3;
        }
      }
      return micros;
    }
  }

  /** Seconds from the first byte of {@code bytes} sent to the server's answer that it read them all. */
  private static double stream(String host, int port, long bytes) throws IOException {
    try (Socket socket = connect(host, port)) {
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      out.write(STREAM);
      out.writeLong(bytes);
      out.flush();
      byte[] chunk = new byte[CHUNK];
      long start = System.nanoTime();
      for (long sent = 0; sent < bytes; sent += chunk.length) {
        out.write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
      }
      out.flush();
      if (socket.getInputStream().read() != 1) {
        throw new IOException("tcp probe: the server at " + host + ":" + port + " closed before confirming the stream");
      }
      return (System.nanoTime() - start) / 1e9;
    }
  }

  private static Socket connect(String host, int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress(host, port), 10_000);
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(READ_SECONDS * 1000);
    return socket;
  }
}
