package org.partita.deploy.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.deploy.ExitCode;
import org.partita.deploy.watch.HeadlessChromium;
import picocli.CommandLine;

/**
 * The dashboard of a real run: {@code partita train} on an embedded cluster of 2 nodes (2 replicas
 * × 2 stages, so the plan, the pipeline and the all-reduce all show), exposed on 0.0.0.0 so its
 * token is needed. While it trains: the JSON answers with the token only and refuses writes; a
 * headless Chromium loads the page, whose script draws the curves, the plan and the timeline
 * (read back from the DOM's data attributes) without a console message, and leaves a screenshot
 * in target/dashboard.png. Then the run is stopped as Ctrl-C stops it: every step the JSON gave
 * matches the progress line printed for it, and the dashboard's port is closed.
 */
class WatchedTrainingTest {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static final Pattern URL = Pattern.compile("dashboard: http://[^:/]+:(\\d+)/\\?token=([0-9a-f]+)");
  private static final Pattern PROGRESS = Pattern.compile("epoch (\\d+)/\\d+  step (\\d+)/(\\d+)  loss ([0-9.]+)");
  private static final Pattern STEP = Pattern.compile("\"step\": (\\d+),\\s*\"epoch\": \\d+,\\s*\"loss\": ([0-9.E-]+)");

  @TempDir
  Path directory;

  @Test
  void dashboardFollowsAClusterRunAndStopsWithIt() throws Exception {
    TrainCommand command = new TrainCommand();
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream console = System.out;
    int[] exit = {-1};
    Thread training = new Thread(() -> exit[0] = new CommandLine(command).execute("--model", "mlp",
        "--train-samples", "3200", "--batch", "64", "--epochs", "50", "--nodes", "2",
        "--plan", "replicas=2,stages=2,micro-batches=2,schedule=1f1b", "--ui-host", "0.0.0.0", "--ui-port", "0",
        "--progress-interval", "0.001", "--out", directory.resolve("run").toString()), "training");
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      training.start();
      Matcher url = await("the dashboard's URL", () -> {
        Matcher found = URL.matcher(captured.toString(StandardCharsets.UTF_8));
        return found.find() ? found : null;
      });
      String base = "http://127.0.0.1:" + url.group(1);
      String token = url.group(2);
      await("an epoch's results, 60 steps and their timelines", () -> {
        String run = get(base + "/api/run?token=" + token, 200);
        String timeline = get(base + "/api/timeline?token=" + token, 200);
        Matcher step = Pattern.compile("\"step\": (\\d+)").matcher(run);
        return step.find() && Long.parseLong(step.group(1)) >= 60 && run.contains("\"test_accuracy\": 0.")
            && timeline.contains("\"spans\"") ? run : null;
      });

      get(base + "/api/run", 403);
      get(base + "/api/run?token=" + "f".repeat(token.length()), 403);
      get(base + "/?token=" + token, 200);
      HttpResponse<String> write = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/api/run?token=" + token))
          .POST(HttpRequest.BodyPublishers.ofString("stop")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(405, write.statusCode(), "nothing on the dashboard changes the run");

      HeadlessChromium.Page page = HeadlessChromium.load(HeadlessChromium.require(), base + "/?token=" + token,
          Path.of("target", "dashboard.png"), 1300, 3000);
      assertEquals(List.of(), page.console(), "the page's console");
      String dom = page.dom();
      assertEquals("training", attribute(dom, "body", "data-state"), dom);
      assertTrue(Integer.parseInt(attribute(dom, "path[^>]*data-series=\"loss-per-step\"", "data-points")) >= 60, dom);
      assertTrue(dom.contains("data-series=\"accuracy-smoothed\""), "the accuracy curve is drawn");
      assertTrue(dom.contains("data-series=\"epoch-test\""), "the epoch's test result is drawn");
      assertEquals("4", attribute(dom, "svg id=\"plan\"", "data-shards"), "2 replicas × 2 stages drawn");
      assertTrue(dom.contains("data-shard=\"r1/s1/p0\"") && dom.contains("data-node=\"node-2\""), dom);
      assertEquals("4", attribute(dom, "svg id=\"timeline\"", "data-lanes"), "a lane per shard");
      assertTrue(Integer.parseInt(attribute(dom, "svg id=\"timeline\"", "data-spans")) > 0, "spans drawn");
      assertTrue(dom.contains("<tr data-node=\"node-1\">"), "the nodes table");
      assertTrue(Files.size(page.screenshot()) > 20_000, "a screenshot of the page in " + page.screenshot());

      String steps = get(base + "/api/steps?since=0&token=" + token, 200);
      command.stopRequested = true;
      training.join(120_000);
      assertEquals(ExitCode.STOPPED, exit[0], "stopped as Ctrl-C stops a run:\n" + captured);
      assertThrows(ConnectException.class, () -> CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
          HttpResponse.BodyHandlers.ofString()), "the dashboard stopped with the run");

      Map<Long, String> printed = new HashMap<>();
      Matcher progress = PROGRESS.matcher(captured.toString(StandardCharsets.UTF_8));
      while (progress.find()) {
        long global = (Long.parseLong(progress.group(1)) - 1) * Long.parseLong(progress.group(3))
            + Long.parseLong(progress.group(2));
        printed.put(global, progress.group(4));
      }
      int compared = 0;
      Matcher step = STEP.matcher(steps);
      while (step.find()) {
        String line = printed.get(Long.parseLong(step.group(1)));
        if (line != null) {
          assertEquals(line, String.format(Locale.ROOT, "%.4f", Double.parseDouble(step.group(2))),
              "loss of step " + step.group(1) + " in the JSON and in the progress line");
          compared++;
        }
      }
      assertTrue(compared >= 20, "steps in both the JSON and the progress lines: " + compared);
      try (var events = Files.list(directory.resolve("run").resolve("tb"))) {
        assertTrue(events.findAny().isPresent(), "the TensorBoard log");
      }
    } finally {
      command.stopRequested = true;
      training.join(120_000);
      System.setOut(console);
      console.println(captured.toString(StandardCharsets.UTF_8));
    }
  }

  /** The value of {@code name} in the first tag the pattern {@code tag} finds in the DOM. */
  private static String attribute(String dom, String tag, String name) {
    Matcher element = Pattern.compile("<" + tag + "[^>]*>").matcher(dom);
    assertTrue(element.find(), "no <" + tag + "> in the page");
    Matcher value = Pattern.compile(name + "=\"([^\"]*)\"").matcher(element.group());
    assertTrue(value.find(), "<" + tag + "> has no " + name + ": " + element.group());
    return value.group(1);
  }

  private static String get(String url, int status) throws Exception {
    HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(status, response.statusCode(), url);
    return response.body();
  }

  private interface Probe<T> {
    T look() throws Exception;
  }

  /** Looks every 200 ms until {@code probe} finds something, for at most two minutes. */
  private static <T> T await(String what, Probe<T> probe) throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      T found = probe.look();
      if (found != null) {
        return found;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("waited two minutes for " + what);
  }
}
