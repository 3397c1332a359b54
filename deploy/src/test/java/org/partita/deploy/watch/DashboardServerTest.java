package org.partita.deploy.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.EpochMetrics;
import org.partita.models.train.Evaluation;
import org.partita.models.train.StepMetrics;
import org.partita.models.train.TrainingConfig;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.ShardId;
import org.partita.runtime.StepTimeline;
import org.partita.runtime.WorkerInfo;

/**
 * The dashboard's server over a recorder fed by hand: what each endpoint answers, that it reads
 * and never writes (405), that on loopback it answers only to loopback names, that exposed it
 * wants the token, and that closing it closes the port.
 */
class DashboardServerTest {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  private static RunRecorder recorder() {
    return recorder(null);
  }

  /** Ten steps of 2 epochs on 2 nodes, a plan of 2 stages, their timelines and a checkpoint. */
  private static RunRecorder recorder(RunWatch.Regression regression) {
    ModelSpec model = StandardModels.mlp(1);
    TrainingConfig config = new TrainingConfig(2, 100, 1, OptimizerSpec.adam(0.01f));
    RunRecorder recorder = new RunRecorder(new RunWatch.Run(Path.of("runs/test"), model, config, "2 embedded nodes",
        regression));
    WorkerInfo one = new WorkerInfo("node-1", "akka://partita@127.0.0.1:1", 2, 1L << 30, "java", "1@host");
    WorkerInfo two = new WorkerInfo("node-2", "akka://partita@127.0.0.1:2", 2, 1L << 30, "java", "1@host");
    recorder.workersSeen(List.of(one, two));
    PartitionPlan plan = PartitionPlan.balanced(model, 1, new int[] {0, 1, model.layers().size()}, new int[] {1, 1}, 2,
        org.partita.partitioner.PipelineSchedule.GPIPE, 100, List.of("node-1", "node-2"));
    recorder.planChosen(plan, List.of(one, two), "as given");
    for (int s = 0; s < 10; s++) {
      recorder.onStepTimeline(new StepTimeline(s + 1, 0.010, List.of(
          new StepTimeline.Shard(new ShardId(0, 0, 0), "node-1", 0.004, 0, List.of(
              new StepTimeline.Span(0, 0.004, StepTimeline.Kind.COMPUTE))),
          new StepTimeline.Shard(new ShardId(0, 1, 0), "node-2", 0.003, 0, List.of(
              new StepTimeline.Span(0.002, 0.005, StepTimeline.Kind.COMPUTE))))));
      recorder.onStep(new StepMetrics(s / 5, 2, s % 5, 5, s + 1, 2.0 - 0.125 * s, 0.0625 * s, 500));
      if (s % 5 == 4) {
        recorder.onEpoch(new EpochMetrics(s / 5, 1.5, 0.3, new Evaluation(1.4, 0.35, 50), 1.0));
      }
    }
    recorder.onCheckpoint(Path.of("runs/test/checkpoints/step-000000010"));
    return recorder;
  }

  @Test
  void endpointsAnswerWhatWasRecordedAndRefuseWrites() throws Exception {
    try (DashboardServer server = DashboardServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        recorder())) {
      String base = "http://127.0.0.1:" + server.port();
      assertEquals(base + "/", server.url(), "no token on loopback");
      String run = get(base + "/api/run", 200);
      for (String expected : new String[] {"\"model\": \"mlp\"", "\"step\": 10", "\"epoch\": 2", "\"loss\": 0.875",
          "\"state\": \"training\"", "\"stages\": 2", "\"node\": \"node-2\"", "\"planned_bytes\": ",
          "\"test_accuracy\": 0.35", "\"kind\": \"checkpoint\"", "\"kind\": \"plan\"", "2 workers up: node-1, node-2",
          "\"eta_seconds\": 0.0"}) {
        assertTrue(run.contains(expected), "/api/run lacks " + expected + ":\n" + run);
      }
      String steps = get(base + "/api/steps?since=7", 200);
      assertTrue(steps.contains("\"step\": 8") && steps.contains("\"step\": 10") && !steps.contains("\"step\": 7,"),
          steps);
      assertTrue(steps.contains("\"last\": 10"), steps);
      String timeline = get(base + "/api/timeline", 200);
      assertTrue(timeline.contains("\"shard\": \"r0/s1/p0\"") && timeline.contains("\"compute\""), timeline);
      assertTrue(get(base + "/", 200).contains("<script src=\"dashboard.js\""));
      assertTrue(get(base + "/dashboard.js", 200).contains("/api/steps?since="));
      get(base + "/dashboard.css", 200);
      get(base + "/favicon.ico", 200);
      get(base + "/nothing", 404);
      get(base + "/api/steps?since=x", 400);
      for (String method : new String[] {"POST", "PUT", "DELETE"}) {
        HttpResponse<String> refused = CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/api/run"))
            .method(method, HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, refused.statusCode(), method);
        assertEquals("GET, HEAD", refused.headers().firstValue("Allow").orElse(""));
      }
      assertTrue(rawStatusLine(server.port(), "evil.example:" + server.port()).contains(" 403 "),
          "a page elsewhere that rebinds its name to 127.0.0.1 is refused");
      assertTrue(rawStatusLine(server.port(), "localhost:" + server.port()).contains(" 200 "));
    }
  }

  /** A regression shows R², from the losses, where a classifier shows accuracy. */
  @Test
  void aRegressionShowsRSquaredInsteadOfAccuracy() throws Exception {
    RunWatch.Regression r2 = new RunWatch.Regression(loss -> 1 - loss / 4, loss -> 1 - loss / 2);
    try (DashboardServer server = DashboardServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        recorder(r2))) {
      String base = "http://127.0.0.1:" + server.port();
      String run = get(base + "/api/run", 200);
      for (String expected : new String[] {"\"measure\": \"r2\"", "\"r2\": 0.78125", "\"train_r2\": 0.625",
          "\"test_r2\": 0.30000000000000004"}) {
        assertTrue(run.contains(expected), "/api/run lacks " + expected + ":\n" + run);
      }
      assertTrue(!run.contains("accuracy"), run);
      String steps = get(base + "/api/steps?since=9", 200);
      assertTrue(steps.contains("\"r2\": 0.78125") && !steps.contains("accuracy"), steps);
    }
  }

  @Test
  void exposedItWantsTheTokenForTheRunButNotForItsOwnFiles() throws Exception {
    DashboardServer server = DashboardServer.start(new InetSocketAddress("0.0.0.0", 0), recorder());
    String base = "http://127.0.0.1:" + server.port();
    try {
      assertTrue(server.exposed());
      String token = server.url().substring(server.url().indexOf("?token=") + 7);
      assertEquals(32, token.length(), server.url());
      get(base + "/", 403);
      get(base + "/api/run", 403);
      get(base + "/api/steps?since=0&token=" + "0".repeat(32), 403);
      get(base + "/api/run?token=" + token, 200);
      get(base + "/?token=" + token, 200);
      get(base + "/dashboard.js", 200);
    } finally {
      server.close();
    }
    assertThrows(ConnectException.class, () -> CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
        HttpResponse.BodyHandlers.ofString()), "closed with the run");
  }

  private static String get(String url, int status) throws Exception {
    HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(status, response.statusCode(), url + ": " + response.body());
    if (status == 200) {
      assertEquals("no-store", response.headers().firstValue("Cache-Control").orElse(""), url);
      assertTrue(response.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'none'"));
    }
    return response.body();
  }

  /** A request with any Host header (HttpClient will not send a made-up one). */
  private static String rawStatusLine(int port, String host) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      OutputStream out = socket.getOutputStream();
      out.write(("GET /api/run HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
    }
  }
}
