package org.partita.deploy.watch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.partita.deploy.report.Json;

/**
 * The dashboard over HTTP, on the JDK's own server: the page (HTML, script, style and icon from
 * this jar — nothing from the internet) and its JSON ({@code /api/run}, {@code /api/steps?since=N},
 * {@code /api/timeline}), read from the {@link RunRecorder}. Read-only: every method but GET and
 * HEAD is refused with 405, and no request reaches the run itself.
 *
 * <p>On a loopback address only this machine can connect, and a request whose Host header names
 * another host is refused (a web page elsewhere cannot rebind its name to 127.0.0.1 and read the
 * run). On any other address the server makes a random token, part of the printed URL, without
 * which the page and the JSON answer 403.
 *
 * <p>Threading: one server thread answers requests one at a time; it only reads the recorder.
 */
final class DashboardServer implements AutoCloseable {
  private static final String RESOURCES = "/org/partita/deploy/watch/";
  /** Path → resource and content type; the page's own files, which hold no data of the run. */
  private static final Map<String, String[]> ASSETS = Map.of(
      "/dashboard.js", new String[] {"dashboard.js", "text/javascript; charset=utf-8"},
      "/dashboard.css", new String[] {"dashboard.css", "text/css; charset=utf-8"},
      "/favicon.svg", new String[] {"favicon.svg", "image/svg+xml"},
      "/favicon.ico", new String[] {"favicon.svg", "image/svg+xml"});
  private static final String CONTENT_SECURITY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "img-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  private final HttpServer server;
  private final ExecutorService thread;
  private final RunRecorder recorder;
  /** Required in every data request when exposed; null on loopback. */
  private final String token;
  private final boolean loopback;
  private final String urlHost;

  private DashboardServer(HttpServer server, ExecutorService thread, RunRecorder recorder, String token,
      boolean loopback, String urlHost) {
    this.server = server;
    this.thread = thread;
    this.recorder = recorder;
    this.token = token;
    this.loopback = loopback;
    this.urlHost = urlHost;
  }

  /** Serves {@code recorder} on {@code address}; throws when the port is taken. */
  static DashboardServer start(InetSocketAddress address, RunRecorder recorder) throws IOException {
    InetAddress host = address.getAddress();
    boolean loopback = host.isLoopbackAddress();
    String token = loopback ? null : HexFormat.of().formatHex(randomBytes());
    HttpServer server = HttpServer.create(address, 16);
    ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
      Thread daemon = new Thread(runnable, "partita-dashboard");
      daemon.setDaemon(true);
      return daemon;
    });
    String urlHost = host.isAnyLocalAddress() ? InetAddress.getLocalHost().getHostName()
        : host.getHostAddress().contains(":") ? "[" + host.getHostAddress() + "]" : host.getHostAddress();
    DashboardServer dashboard = new DashboardServer(server, thread, recorder, token, loopback, urlHost);
    server.createContext("/", dashboard::handle);
    server.setExecutor(thread);
    server.start();
    return dashboard;
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }

  /** Where to point a browser: the page, with the token when there is one. */
  String url() {
    return "http://" + urlHost + ":" + port() + "/" + (token == null ? "" : "?token=" + token);
  }

  int port() {
    return server.getAddress().getPort();
  }

  boolean exposed() {
    return token != null;
  }

  @Override
  public void close() {
    server.stop(0);
    thread.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "text/plain; charset=utf-8", "read-only: only GET and HEAD\n");
      } else if (loopback && !localHostHeader(exchange.getRequestHeaders().getFirst("Host"))) {
        send(exchange, 403, "text/plain; charset=utf-8", "this dashboard answers only to its own address\n");
      } else {
        try {
          answer(exchange, exchange.getRequestURI());
        } catch (IllegalArgumentException e) {
          send(exchange, 400, "text/plain; charset=utf-8", e.getMessage() + "\n");
        }
      }
    }
  }

  private void answer(HttpExchange exchange, URI uri) throws IOException {
    String path = uri.getPath();
    String[] asset = ASSETS.get(path);
    if (asset != null) {
      send(exchange, 200, asset[1], resource(asset[0]));
      return;
    }
    if (token != null && !tokenMatches(query(uri, "token"))) {
      send(exchange, 403, "text/plain; charset=utf-8", "this dashboard needs the token of the URL the run printed\n");
      return;
    }
    switch (path) {
      case "/", "/index.html" -> send(exchange, 200, "text/html; charset=utf-8", resource("index.html"));
      case "/api/run" -> json(exchange, RunJson.run(recorder.snapshot()));
      case "/api/steps" -> {
        long since = parseSince(query(uri, "since"));
        json(exchange, RunJson.steps(recorder.steps(since), since, recorder.regression()));
      }
      case "/api/timeline" -> json(exchange, RunJson.timelines(recorder.timelines()));
      default -> send(exchange, 404, "text/plain; charset=utf-8", "no such page: " + path + "\n");
    }
  }

  private static long parseSince(String since) {
    if (since == null || since.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(since);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("since must be a step number, got '" + since + "'");
    }
  }

  /** Loopback names only, with any port: what a browser on this machine sends. */
  private static boolean localHostHeader(String host) {
    if (host == null) {
      return false;
    }
    String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
        : host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
    return Set.of("127.0.0.1", "localhost", "[::1]").contains(name.toLowerCase(java.util.Locale.ROOT));
  }

  private boolean tokenMatches(String given) {
    return given != null && MessageDigest.isEqual(token.getBytes(StandardCharsets.US_ASCII),
        given.getBytes(StandardCharsets.US_ASCII));
  }

  /** The value of {@code name} in the URI's query, or null. */
  private static String query(URI uri, String name) {
    String query = uri.getRawQuery();
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      int equals = pair.indexOf('=');
      if (equals > 0 && pair.substring(0, equals).equals(name)) {
        return java.net.URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static void json(HttpExchange exchange, Object value) throws IOException {
    send(exchange, 200, "application/json; charset=utf-8", Json.write(value));
  }

  private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
    send(exchange, status, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    var headers = exchange.getResponseHeaders();
    headers.set("Content-Type", type);
    headers.set("Cache-Control", "no-store");
    headers.set("X-Content-Type-Options", "nosniff");
    // The URL may carry the token: never send it on as a referrer.
    headers.set("Referrer-Policy", "no-referrer");
    headers.set("Content-Security-Policy", CONTENT_SECURITY);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
    if (!head && body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static byte[] resource(String name) {
    try (InputStream in = DashboardServer.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("the dashboard's " + name + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
