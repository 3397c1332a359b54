package org.partita.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.cluster.MemberStatus;
import com.google.protobuf.Message;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.jblas.FloatMatrix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.blas.Blas;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.SyntheticData;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.tensor.TensorCodec;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.StepRunner.StepResult;
import org.partita.models.train.TrainingConfig;
import org.partita.partitioner.PartitionPlan;
import org.partita.proto.DescribeNodeProto;
import org.partita.proto.LinkProbeProto;
import org.partita.proto.LinkProbeReplyProto;
import org.partita.proto.NodeInfoProto;
import org.partita.runtime.DistributedTrainer;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.TlsCertificates;
import org.partita.runtime.TlsSettings;
import org.partita.runtime.driver.DriverNode;

/**
 * A mutual-TLS cluster against hostile peers. The seed ({@link SeedNode}, recording every member
 * it ever hears of) and the driver run in this JVM; workers are {@code partita node} JVMs from the
 * built jar. In order: a node whose certificate another CA signed, and a plain-TCP node, never
 * become members while a legitimate worker still joins; garbage bytes, TLS clients without a
 * certificate or with a foreign one are cut off at the seed's Artery port; a trusted peer's frames
 * that are not protobuf for their manifest, or are Java-serialized, are dropped by the worker, which
 * goes on answering. After each, the cluster trains a step equal to the reference trainer's.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostilePeersTest {
  private static final Duration UP_WAIT = Duration.ofSeconds(90);
  private static final Duration REPLY_WAIT = Duration.ofSeconds(30);
  private static final Duration LOG_WAIT = Duration.ofSeconds(60);
  private static final Duration CUT_OFF_WAIT = Duration.ofSeconds(10);
  private static final Duration HANDSHAKE_WAIT = Duration.ofSeconds(2);
  private static final int GARBAGE_CONNECTIONS = 20;
  private static final long GARBAGE_SEED = 20_250_610;
  private static final int TLS_CLIENTS = 5;
  private static final int BATCH = 32;

  @TempDir
  static Path directory;
  private static Path clusterCerts;
  private static Path strangerCerts;
  private static SeedNode seed;
  private static DriverNode driver;
  private static NodeProcess worker;
  private static String workerAddress;

  @BeforeAll
  static void startSeedAndDriver() throws Exception {
    clusterCerts = directory.resolve("cluster-certs");
    strangerCerts = directory.resolve("stranger-certs");
    // Two independent CAs; keytool is slow, so the two are made side by side.
    CompletableFuture<Void> stranger = CompletableFuture.runAsync(() -> generate(strangerCerts, List.of("node-9")));
    generate(clusterCerts, List.of("node-1"));
    stranger.join();
    // The seed and the driver use node-1's key store too (keytool is slow): TLS names no node, only the
    // CA's signature counts.
    RuntimeSettings settings = RuntimeSettings.defaults().withTls(TlsSettings.fromDirectory(clusterCerts, "node-1"));
    seed = SeedNode.start(settings);
    driver = DriverNode.start("127.0.0.1", 0, List.of(seed.address()), settings);
    assertTrue(seed.awaitUp(driver.address(), UP_WAIT), "driver never Up; members seen: " + seed.everSeen());
  }

  @AfterAll
  static void stopEverything() throws Exception {
    // The driver leaves first, as at the end of a training run, then the worker, then the seed.
    List<AutoCloseable> started = new ArrayList<>();
    started.add(driver);
    started.add(worker);
    started.add(seed);
    for (AutoCloseable node : started) {
      try {
        if (node != null) {
          node.close();
        }
      } catch (Exception e) {
        System.out.println("stopping " + node + ": " + e); // the others still stop
      }
    }
  }

  private static void generate(Path certs, List<String> names) {
    try {
      TlsCertificates.generate(certs, names);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("making certificates in " + certs, e);
    }
  }

  /** The legitimate worker node-1, started (and awaited as a member) on first use. */
  private static synchronized String worker() throws Exception {
    if (worker == null) {
      worker = NodeProcess.start(directory, "node-1", seed.address(), "--tls", clusterCerts.toString());
      workerAddress = worker.awaitUp(UP_WAIT);
      assertTrue(seed.awaitUp(workerAddress, UP_WAIT), "node-1 at " + workerAddress + " never Up; members seen: "
          + seed.everSeen() + "\n" + worker.log());
    }
    return workerAddress;
  }

  @Test
  @Order(1)
  void nodesFromAnotherCaOrOnPlainTcpNeverBecomeMembers() throws Exception {
    NodeProcess foreign = NodeProcess.start(directory, "node-9", seed.address(), "--tls", strangerCerts.toString());
    NodeProcess plain = NodeProcess.start(directory, "plain", seed.address());
    try {
      String foreignAddress = foreign.awaitUp(UP_WAIT);
      String plainAddress = plain.awaitUp(UP_WAIT);
      // The cluster logs nothing about them; the strangers themselves say that they tried and why they failed.
      awaitLogLine(foreign, "SSLHandshakeException");
      awaitLogLine(foreign, "worker node-9 is no cluster member", strangerCerts.resolve("node-9.p12").toString());
      awaitLogLine(plain, "worker plain is no cluster member", "this node talks plain TCP", "--tls DIR");
      Map<String, MemberStatus> seen = seed.everSeen();
      System.out.println("members the seed ever saw while node-9 and plain tried to join: " + seen);
      assertFalse(seen.containsKey(foreignAddress), "node-9 (other CA) at " + foreignAddress + " became a member: "
          + seen);
      assertFalse(seen.containsKey(plainAddress), "plain-TCP node at " + plainAddress + " became a member: " + seen);
      assertTrue(foreign.isAlive() && plain.isAlive(), "a refused node keeps trying: node-9 alive " + foreign.isAlive()
          + ", plain alive " + plain.isAlive());
    } finally {
      foreign.close();
      plain.close();
    }
    String legitimate = worker();
    assertEquals(Set.of(seed.address(), driver.address(), legitimate), seed.everSeen().keySet(),
        "the seed saw members other than itself, the driver and node-1");
    assertTrainingStepMatchesReference();
  }

  @Test
  @Order(2)
  void garbageAndTlsClientsWithoutAClusterCertificateAreCutOffAtTheSeed() throws Exception {
    Random random = new Random(GARBAGE_SEED);
    int closed = 0;
    for (int i = 0; i < GARBAGE_CONNECTIONS; i++) {
      byte[] garbage = new byte[1 + random.nextInt(16 << 10)];
      random.nextBytes(garbage);
      if (i % 2 == 0 && garbage.length >= 4) {
        // Half of them start like an Artery plain-TCP connection, which a TLS port must refuse as well.
        System.arraycopy("AKKA".getBytes(StandardCharsets.US_ASCII), 0, garbage, 0, 4);
      }
      if (closedAfterWriting(seed.port(), garbage)) {
        closed++;
      }
    }
    SSLContext noCertificate = clientContext(null);
    SSLContext foreignCertificate = clientContext(strangerCerts.resolve("node-9.p12"));
    SSLContext clusterCertificate = clientContext(clusterCerts.resolve("node-1.p12"));
    int refusedWithout = 0;
    int refusedForeign = 0;
    for (int i = 0; i < TLS_CLIENTS; i++) {
      refusedWithout += handshakeRefused(noCertificate) ? 1 : 0;
      refusedForeign += handshakeRefused(foreignCertificate) ? 1 : 0;
    }
    boolean clusterRefused = handshakeRefused(clusterCertificate);
    System.out.printf("seed's TLS port: garbage connections closed %d/%d (seed %d); TLS clients refused: without a"
        + " certificate %d/%d, with another CA's %d/%d; with the cluster's certificate refused: %b%n", closed,
        GARBAGE_CONNECTIONS, GARBAGE_SEED, refusedWithout, TLS_CLIENTS, refusedForeign, TLS_CLIENTS, clusterRefused);
    assertEquals(GARBAGE_CONNECTIONS, closed, "garbage connections the seed closed");
    assertEquals(TLS_CLIENTS, refusedWithout, "TLS clients without a certificate refused");
    assertEquals(TLS_CLIENTS, refusedForeign, "TLS clients with node-9's certificate (other CA) refused");
    assertFalse(clusterRefused, "a client with node-1's certificate must get through the handshake, else the"
        + " refusals above prove nothing");
    assertTrue(seed.upMembers().containsAll(Set.of(seed.address(), driver.address())), "members: " + seed.upMembers());
    worker();
    assertTrainingStepMatchesReference();
  }

  /**
   * The same at node-1's shard links (the direct TLS connections its shards take to other workers'
   * shards), a second port every TLS worker listens on.
   */
  @Test
  @Order(4)
  void garbageAndTlsClientsWithoutAClusterCertificateAreCutOffAtAWorkersShardLinks() throws Exception {
    worker();
    int port = linksPort(worker);
    Random random = new Random(GARBAGE_SEED + 1);
    int closed = 0;
    for (int i = 0; i < GARBAGE_CONNECTIONS; i++) {
      byte[] garbage = new byte[1 + random.nextInt(16 << 10)];
      random.nextBytes(garbage);
      if (closedAfterWriting(port, garbage)) {
        closed++;
      }
    }
    int refusedWithout = 0;
    int refusedForeign = 0;
    for (int i = 0; i < TLS_CLIENTS; i++) {
      refusedWithout += handshakeRefused(clientContext(null), port) ? 1 : 0;
      refusedForeign += handshakeRefused(clientContext(strangerCerts.resolve("node-9.p12")), port) ? 1 : 0;
    }
    boolean clusterRefused = handshakeRefused(clientContext(clusterCerts.resolve("node-1.p12")), port);
    System.out.printf("node-1's shard links: garbage connections closed %d/%d (seed %d); TLS clients refused:"
        + " without a certificate %d/%d, with another CA's %d/%d; with the cluster's certificate refused: %b%n",
        closed, GARBAGE_CONNECTIONS, GARBAGE_SEED + 1, refusedWithout, TLS_CLIENTS, refusedForeign, TLS_CLIENTS,
        clusterRefused);
    assertEquals(GARBAGE_CONNECTIONS, closed, "garbage connections node-1's shard links closed");
    assertEquals(TLS_CLIENTS, refusedWithout, "TLS clients without a certificate refused");
    assertEquals(TLS_CLIENTS, refusedForeign, "TLS clients with node-9's certificate (other CA) refused");
    assertFalse(clusterRefused, "a client with node-1's certificate must get through the handshake, else the"
        + " refusals above prove nothing");
    assertTrainingStepMatchesReference();
  }

  /** The port of the worker's shard links, from its "up at" line ("…, shard links at HOST:PORT"). */
  private static int linksPort(NodeProcess node) throws IOException {
    java.util.regex.Matcher links = java.util.regex.Pattern.compile("shard links at [^\\s:]+:(\\d+)")
        .matcher(node.log());
    assertTrue(links.find(), "node " + node.name() + " names no shard links:\n" + node.log());
    return Integer.parseInt(links.group(1));
  }

  @Test
  @Order(3)
  void framesATrustedPeerForgesAreDroppedAndTheWorkerGoesOn() throws Exception {
    String address = worker();
    Map<String, String> targets = new LinkedHashMap<>();
    targets.put(address + "/user", DescribeNodeProto.getDescriptor().getFullName());
    targets.put(address + "/user/link-echo", LinkProbeProto.getDescriptor().getFullName());
    int forged = 0;
    int javaSerialized = 0;
    try (RoguePeer rogue = RoguePeer.start(TlsSettings.fromDirectory(clusterCerts, "node-1"))) {
      long sequence = 0;
      for (Map.Entry<String, String> target : targets.entrySet()) {
        String path = target.getKey();
        boolean guardian = path.endsWith("/user");
        for (int round = 0; round < 2; round++) {
          // A valid request before and after the hostile frames, on the same lane: the second answer shows
          // the worker read past them, and any answer to a hostile frame would come before it.
          Message request = guardian ? DescribeNodeProto.newBuilder().setReplyTo(rogue.inboxRef()).build()
              : LinkProbeProto.newBuilder().setSequence(sequence++).setReplyTo(rogue.inboxRef())
                  .setPayload(TensorCodec.encode(new float[] {1, 2, 3, 4}, 0, 1, 4)).build();
          rogue.send(path, new RoguePeer.Forged("NODE|" + target.getValue(), request.toByteArray()));
          if (round == 0) {
            for (RoguePeer.Forged frame : HostileFrames.invalidFor(request)) {
              rogue.send(path, frame);
              forged++;
            }
            rogue.send(path, new RoguePeer.JavaObject("a Java-serialized object for " + path));
            javaSerialized++;
          }
        }
      }
      List<String> replies = new ArrayList<>();
      int nodeInfos = 0;
      List<Long> probeReplies = new ArrayList<>();
      while (nodeInfos < 2 || probeReplies.size() < 2) {
        RoguePeer.Forged reply = rogue.nextReceived(REPLY_WAIT);
        assertNotNull(reply, "node-1 stopped answering the valid requests; replies so far: " + replies + "\n"
            + worker.log());
        replies.add(reply.manifest());
        if (reply.manifest().equals("DRIVER|" + NodeInfoProto.getDescriptor().getFullName())) {
          assertEquals("node-1", NodeInfoProto.parseFrom(reply.payload()).getName());
          nodeInfos++;
        } else if (reply.manifest().equals("DRIVER|" + LinkProbeReplyProto.getDescriptor().getFullName())) {
          LinkProbeReplyProto probe = LinkProbeReplyProto.parseFrom(reply.payload());
          assertEquals("", probe.getError(), "link probe " + probe.getSequence());
          probeReplies.add(probe.getSequence());
        } else {
          throw new AssertionError("node-1 answered with " + reply.manifest() + "; replies so far: " + replies);
        }
      }
      assertEquals(List.of(0L, 1L), probeReplies, "link probe replies; all replies: " + replies);
      assertEquals(2, nodeInfos, "node descriptions; all replies: " + replies);
    }
    long droppedForged = awaitLogLines(worker, forged, "Failed to deserialize message from [akka://rogue@",
        "with serializer id [" + org.partita.runtime.wire.WireSerializer.IDENTIFIER + "]");
    long droppedJava = awaitLogLines(worker, javaSerialized, "Failed to deserialize message from [akka://rogue@",
        "with serializer id [1]");
    worker.log().lines().filter(line -> line.contains("Failed to deserialize")).forEach(System.out::println);
    System.out.printf("node-1 dropped forged protobuf frames %d/%d and Java-serialized messages %d/%d, answered"
        + " 4/4 valid requests%n", droppedForged, forged, droppedJava, javaSerialized);
    assertEquals(forged, droppedForged, "forged frames node-1 reports dropping\n" + worker.log());
    assertEquals(javaSerialized, droppedJava, "Java-serialized messages node-1 reports dropping\n" + worker.log());
    // The causes node-1 logs name the manifest in WireSerializer's words: 4 malformed frames per target, 1 unknown type.
    assertEquals(forged - 2, worker.countLogLines("NotSerializableException: malformed NODE|partita."),
        "malformed-frame causes in node-1's log\n" + worker.log());
    assertEquals(2, worker.countLogLines("not a Partita runtime message: manifest 'NODE|partita.NotAMessage'"),
        "unknown-manifest causes in node-1's log\n" + worker.log());
    assertEquals(0, worker.countLogLines("ignores"), "a hostile frame reached an actor of node-1:\n" + worker.log());
    assertTrue(worker.isAlive(), "node-1 died:\n" + worker.log());
    assertTrue(seed.upMembers().contains(address), "node-1 is no longer Up: " + seed.upMembers());
    assertTrainingStepMatchesReference();
  }

  /** Waits (bounded) until the node's log has a line containing all of {@code parts}. */
  private static void awaitLogLine(NodeProcess node, String... parts) throws Exception {
    awaitLogLines(node, 1, parts);
  }

  /**
   * Waits up to {@link #LOG_WAIT} until {@code count} lines of the node's log contain all of
   * {@code parts}, and returns how many do (more, or fewer after the wait).
   */
  private static long awaitLogLines(NodeProcess node, long count, String... parts) throws Exception {
    long deadline = System.nanoTime() + LOG_WAIT.toNanos();
    long lines = node.countLogLines(parts);
    while (lines < count && System.nanoTime() < deadline) {
      Thread.sleep(200);
      lines = node.countLogLines(parts);
    }
    if (lines < count && count == 1) {
      throw new AssertionError("node " + node.name() + " never logged " + List.of(parts) + " within "
          + LOG_WAIT.toSeconds() + " s:\n" + node.log());
    }
    return lines;
  }

  /**
   * Writes {@code garbage} on a fresh connection and reads until the peer closes it: true if it
   * did (end of stream, reset, or closed while writing), false if it stayed open for the whole
   * {@link #CUT_OFF_WAIT}.
   */
  private static boolean closedAfterWriting(int port, byte[] garbage) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout((int) CUT_OFF_WAIT.toMillis());
      try {
        OutputStream out = socket.getOutputStream();
        out.write(garbage);
        out.flush();
      } catch (IOException closedWhileWriting) {
        return true;
      }
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      try {
        while (in.read(buffer) >= 0) {
          // a TLS alert may come first; the end of the stream is what counts
        }
        return true;
      } catch (SocketTimeoutException stillOpen) {
        return false;
      } catch (IOException reset) {
        return true;
      }
    }
  }

  /**
   * A TLS client trusting the cluster's CA (so any failure is the seed refusing it) that presents
   * the certificate in {@code keyStore}, or none when null.
   */
  private static SSLContext clientContext(Path keyStore) throws Exception {
    String password = Files.readString(clusterCerts.resolve(TlsSettings.PASSWORD_FILE)).trim();
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(clusterCerts.resolve(TlsSettings.TRUST_STORE))) {
      trusted.load(in, password.toCharArray());
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    KeyManagerFactory keys = null;
    if (keyStore != null) {
      String storePassword = Files.readString(keyStore.resolveSibling(TlsSettings.PASSWORD_FILE)).trim();
      KeyStore own = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(keyStore)) {
        own.load(in, storePassword.toCharArray());
      }
      keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(own, storePassword.toCharArray());
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
    return context;
  }

  /**
   * Opens a TLS connection to the seed's port: true if the seed refused it — the handshake failed,
   * or the seed closed the connection right after it — false if the connection stands.
   */
  private static boolean handshakeRefused(SSLContext context) throws IOException {
    return handshakeRefused(context, seed.port());
  }

  private static boolean handshakeRefused(SSLContext context, int port) throws IOException {
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout((int) HANDSHAKE_WAIT.toMillis());
      try {
        socket.startHandshake();
      } catch (SSLException | java.net.SocketException refused) {
        return true; // an alert, or the seed closed the connection while the client still wrote its part
      }
      try {
        return socket.getInputStream().read() < 0;
      } catch (SocketTimeoutException open) {
        return false;
      } catch (SSLException | java.net.SocketException closed) {
        return true;
      }
    }
  }

  private static void assertTrainingStepMatchesReference() throws Exception {
    assertTrue(driver.awaitWorkers(1, UP_WAIT), "the driver finds no worker: " + driver.workers());
    ModelSpec model = StandardModels.mlp(7);
    TrainingConfig config = new TrainingConfig(1, BATCH, 3, OptimizerSpec.sgd(0.05f));
    ArrayDataset data = SyntheticData.blobs("blobs", model.inputShape(), 10, BATCH, 0.8f, 5);
    FloatMatrix inputs = new FloatMatrix(model.inputShape().size(), BATCH);
    FloatMatrix targets = new FloatMatrix(10, BATCH);
    data.copyBatch(null, 0, BATCH, inputs, targets);
    LocalTrainer reference = new LocalTrainer(model, config, Blas.get());
    try (DistributedTrainer trainer = driver.trainer(model, config, PartitionPlan.single(model, BATCH, "node-1"))) {
      for (int step = 0; step < 2; step++) {
        StepResult expected = reference.trainStep(inputs, targets, 0);
        StepResult actual = trainer.trainStep(inputs, targets, 0);
        assertEquals(expected.lossSum(), actual.lossSum(), 1e-4 * Math.abs(expected.lossSum()),
            "loss of step " + step + " on node-1");
        assertEquals(expected.correct(), actual.correct(), "right predictions in step " + step + " on node-1");
      }
    }
  }
}
