package org.partita.runtime.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.ConfigFactory;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.proto.AbortStepProto;
import org.partita.proto.LinkFrameHeaderProto;
import org.partita.runtime.TlsCertificates;
import org.partita.runtime.TlsSettings;

/**
 * What a shard link accepts from a peer: nothing without a certificate from the cluster's CA, and
 * nothing but well-formed shard messages within the node's limit — anything else closes the
 * connection without a message delivered. (That links carry a training session's messages and
 * keep it exact is {@code TlsClusterTest}'s.)
 */
class ShardLinksTest {
  private static final long LIMIT = 1 << 20;
  /** No such actor lives there: a delivered message goes to dead letters, which is all these tests need. */
  private static final String LOCAL_SHARD = "akka://partita/user/shard-x";

  @TempDir
  static Path directory;
  private static ShardLinks links;
  private static ActorSystem<Void> system;
  private static TlsSettings member;
  private static TlsSettings stranger;

  @BeforeAll
  static void listen() throws IOException {
    TlsCertificates.generate(directory.resolve("cluster"), List.of("node-1", "node-2"));
    TlsCertificates.generate(directory.resolve("stranger"), List.of("node-9"));
    member = TlsSettings.fromDirectory(directory.resolve("cluster"), "node-2");
    stranger = TlsSettings.fromDirectory(directory.resolve("stranger"), "node-9");
    links = ShardLinks.start("node-1", "127.0.0.1", 0,
        TlsSettings.fromDirectory(directory.resolve("cluster"), "node-1"), LIMIT);
    system = ActorSystem.create(Behaviors.empty(), "partita", ConfigFactory.parseString(
        "akka.actor.provider = local\nakka.log-dead-letters = off"));
    links.deliverTo(system);
  }

  @AfterAll
  static void stop() {
    links.close();
    system.terminate();
  }

  /** The other tests' counterpart: a member's well-formed shard message is taken and the link stays open. */
  @Test
  void aMembersShardMessageIsDelivered() throws Exception {
    long before = links.framesReceived();
    byte[] abort = AbortStepProto.newBuilder().setStep(7).build().toByteArray();
    try (SSLSocket socket = connect(member)) {
      socket.getOutputStream().write(frame("SHARD|partita.AbortStepProto", abort));
      socket.getOutputStream().write(frame("SHARD|partita.AbortStepProto", abort));
      socket.getOutputStream().flush();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (links.framesReceived() < before + 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(before + 2, links.framesReceived());
      socket.setSoTimeout(300);
      assertThrows(SocketTimeoutException.class, () -> socket.getInputStream().read(), "the link should stay open");
    }
  }

  @Test
  void aMessageForAnotherNodesActorClosesTheLink() throws IOException {
    assertClosedAfter(frame("SHARD|partita.AbortStepProto", new byte[0], "akka://partita@192.0.2.1:25520/user/shard-x"));
  }

  @Test
  void aPeerWithACertificateFromAnotherCaIsRefused() throws Exception {
    assertRefused(ShardLinks.context(stranger));
  }

  /** The client trusts the node, but has no certificate to show: the node requires one. */
  @Test
  void aPeerWithoutACertificateIsRefused() throws Exception {
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(member.trustStore())) {
      trusted.load(in, member.password().toCharArray());
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext anonymous = SSLContext.getInstance("TLSv1.3");
    anonymous.init(null, trust.getTrustManagers(), null);
    assertRefused(anonymous);
  }

  private static void assertRefused(SSLContext client) {
    long before = links.framesReceived();
    assertThrows(IOException.class, () -> {
      try (SSLSocket socket = connect(client)) {
        socket.startHandshake();
        // TLS 1.3: the client may finish its side before the node rejects it; the refusal then
        // shows on the next read.
        socket.getOutputStream().write(frame("SHARD|partita.AbortStepProto", new byte[0]));
        socket.getOutputStream().flush();
        socket.setSoTimeout(10_000);
        new DataInputStream(socket.getInputStream()).readInt();
      }
    });
    assertEquals(before, links.framesReceived());
  }

  @Test
  void aFrameOverTheMessageLimitClosesTheLink() throws IOException {
    byte[] header = header("SHARD|partita.LayerOutputProto", LOCAL_SHARD);
    ByteBuffer frame = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
    frame.putInt(header.length).put(header).putInt((int) LIMIT + 1);
    assertClosedAfter(frame.array());
  }

  @Test
  void aMalformedHeaderClosesTheLink() throws IOException {
    assertClosedAfter(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(-5).array());
  }

  @Test
  void aMessageForAnythingButAShardClosesTheLink() throws IOException {
    assertClosedAfter(frame("NODE|partita.DescribeNodeProto", new byte[0]));
  }

  @Test
  void anUnknownMessageTypeClosesTheLink() throws IOException {
    assertClosedAfter(frame("SHARD|partita.NoSuchProto", new byte[0]));
  }

  /** A member's connection that sends {@code bytes} is closed by the node, and nothing is delivered. */
  private static void assertClosedAfter(byte[] bytes) throws IOException {
    long before = links.framesReceived();
    try (SSLSocket socket = connect(member)) {
      socket.startHandshake();
      OutputStream out = socket.getOutputStream();
      out.write(bytes);
      out.flush();
      socket.setSoTimeout(10_000);
      int read;
      try {
        read = socket.getInputStream().read();
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the node kept the connection open for 10 s after a bad frame", e);
      } catch (IOException closed) {
        read = -1;
      }
      assertEquals(-1, read, "the node should close the connection");
    }
    assertEquals(before, links.framesReceived());
  }

  private static SSLSocket connect(TlsSettings tls) throws IOException {
    return connect(ShardLinks.context(tls));
  }

  private static SSLSocket connect(SSLContext context) throws IOException {
    String endpoint = links.endpoint();
    int colon = endpoint.lastIndexOf(':');
    SSLSocket socket = (SSLSocket) context.getSocketFactory()
        .createSocket(endpoint.substring(0, colon), Integer.parseInt(endpoint.substring(colon + 1)));
    assertTrue(socket.isConnected());
    return socket;
  }

  private static byte[] header(String manifest, String target) {
    return LinkFrameHeaderProto.newBuilder().setTargetRef(target).setManifest(manifest).build().toByteArray();
  }

  private static byte[] frame(String manifest, byte[] payload) {
    return frame(manifest, payload, LOCAL_SHARD);
  }

  private static byte[] frame(String manifest, byte[] payload, String target) {
    byte[] header = header(manifest, target);
    return ByteBuffer.allocate(8 + header.length + payload.length).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(header.length).put(header).putInt(payload.length).put(payload).array();
  }
}
