package org.partita.runtime.node;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.ActorSystem;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.partita.proto.LinkFrameHeaderProto;
import org.partita.runtime.ClusterException;
import org.partita.runtime.TlsSettings;
import org.partita.runtime.wire.WireMessage;
import org.partita.runtime.wire.WireSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shard-to-shard messages between the worker nodes of a TLS cluster, over direct mutual-TLS
 * connections beside Artery. Artery's TLS stage passes every 16 KiB TLS record through an actor
 * and a reassembly buffer of its own: on loopback a 4 MiB tensor went at ~300 MB/s and cost ~24 ms
 * of CPU, against ~1.3 GB/s and ~5 ms over Artery's plain TCP, while the JDK's SSLSocket moves it
 * at ~1.1 GB/s ({@code bench/bin/bench link}, docs/BENCHMARKS.md). Activations, input gradients
 * and all-reduce pieces, nearly every byte of a step, take a link; everything else (the driver's
 * messages, membership, failure detection) stays on Artery.
 *
 * <p>Trust is Artery's: the node's key store and the cluster CA's trust store, the client's
 * certificate required, TLS 1.3. A frame is a {@link LinkFrameHeaderProto} (receiving shard and
 * wire manifest) and the protobuf bytes, each after its length (fixed32, little-endian); frames over the node's message
 * limit, unknown manifests and targets that are not shards of this node close the connection with
 * the peer named. One connection per direction between two nodes, written by one thread, so
 * messages from one shard to another keep their order, as on Artery.
 *
 * <p>A link that fails loses the messages queued on it: the round waiting for them fails at its
 * step timeout naming the shard and what it waits for, or the driver's recovery starts when the
 * node is found gone (the same as a message Artery drops when a node dies).
 */
public final class ShardLinks implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShardLinks.class);
  private static final String PROTOCOL = "TLSv1.3";
  private static final int MAX_HEADER_BYTES = 8 << 10;
  private static final int BUFFER_BYTES = 256 << 10;
  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
  /** A peer completes its handshake in milliseconds; garbage or a stalled client is cut off after this. */
  private static final int HANDSHAKE_TIMEOUT_MILLIS = 5_000;

  private final String node;
  private final long maxMessageBytes;
  private final SSLContext context;
  private final SSLServerSocket server;
  private final String endpoint;
  private final Map<String, Outbound> outbound = new ConcurrentHashMap<>();
  private final Set<Socket> inbound = ConcurrentHashMap.newKeySet();
  private final AtomicLong framesSent = new AtomicLong();
  private final AtomicLong framesReceived = new AtomicLong();
  private volatile ActorRefResolver resolver;
  private volatile boolean closed;

  private ShardLinks(String node, long maxMessageBytes, SSLContext context, SSLServerSocket server, String host) {
    this.node = node;
    this.maxMessageBytes = maxMessageBytes;
    this.context = context;
    this.server = server;
    this.endpoint = host + ":" + server.getLocalPort();
  }

  /**
   * Listens on {@code host}:{@code port} (0: any free port) for links from the cluster's other nodes.
   * Messages arriving before {@link #deliverTo} are refused.
   */
  public static ShardLinks start(String node, String host, int port, TlsSettings tls, long maxMessageBytes) {
    SSLContext context = context(tls);
    SSLServerSocket server;
    try {
      server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(port, 50,
          InetAddress.getByName(host));
    } catch (IOException e) {
      throw new ClusterException("node " + node + ": cannot listen for shard links on " + host + ":" + port + " ("
          + e.getMessage() + "); give another port (partita.runtime.links.port) or turn links off"
          + " (partita.runtime.links.enabled = off)", e);
    }
    server.setNeedClientAuth(true);
    server.setEnabledProtocols(new String[] {PROTOCOL});
    ShardLinks links = new ShardLinks(node, maxMessageBytes, context, server, host);
    Thread acceptor = new Thread(links::accept, "partita-links-accept-" + node);
    acceptor.setDaemon(true);
    acceptor.start();
    return links;
  }

  /** Hands arriving messages to the shard actors of {@code system}, this node's ActorSystem. */
  public void deliverTo(ActorSystem<?> system) {
    this.resolver = ActorRefResolver.get(system);
  }

  /** "host:port", as other nodes connect to it. */
  public String endpoint() {
    return endpoint;
  }

  public long framesSent() {
    return framesSent.get();
  }

  public long framesReceived() {
    return framesReceived.get();
  }

  /**
   * Queues {@code message} for the shard {@code targetRef} on the node whose links listen at
   * {@code to}; written by the link's own thread, so the caller (a shard computing) never waits on
   * the network.
   */
  public void send(String to, String targetRef, Message message) {
    Frame frame = new Frame(targetRef, message);
    while (!closed) {
      Outbound link = outbound.computeIfAbsent(to, Outbound::new);
      if (link.offer(frame)) {
        return;
      }
      outbound.remove(to, link); // it failed after we found it: the next one connects afresh
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Outbound link : outbound.values()) {
      link.close();
    }
    for (Socket socket : inbound) {
      closeQuietly(socket);
    }
  }

  // ---- receiving --------------------------------------------------------------------------------

  private void accept() {
    while (!closed) {
      try {
        SSLSocket socket = (SSLSocket) server.accept();
        inbound.add(socket);
        Thread reader = new Thread(() -> receive(socket), "partita-links-in-" + node + "-"
            + socket.getRemoteSocketAddress());
        reader.setDaemon(true);
        reader.start();
      } catch (IOException e) {
        if (!closed) {
          LOG.error("node {}: shard links stopped accepting connections on {}: {}", node, endpoint, e.toString());
        }
        return;
      }
    }
  }

  private void receive(SSLSocket socket) {
    String peer = String.valueOf(socket.getRemoteSocketAddress());
    try {
      socket.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
      socket.startHandshake();
      socket.setSoTimeout(0);
      socket.setTcpNoDelay(true);
      peer = peer + " (" + socket.getSession().getPeerPrincipal().getName() + ")";
    } catch (IOException e) {
      if (!closed) {
        LOG.warn("node {}: refused a shard link from {}: TLS handshake failed: {}", node, peer, e.toString());
      }
      closeQuietly(socket);
      inbound.remove(socket);
      return;
    }
    // A link carries messages for the same few shards step after step: each is resolved once.
    Map<String, ActorRef<ShardActor.Command>> targets = new java.util.HashMap<>();
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), BUFFER_BYTES))) {
      while (readFrame(in, peer, targets)) {
        framesReceived.incrementAndGet();
      }
    } catch (MalformedFrame | RuntimeException e) {
      if (!closed) {
        LOG.error("node {}: closed the shard link from {}: {}", node, peer, e.getMessage());
      }
    } catch (IOException e) {
      if (!closed) {
        LOG.info("node {}: the shard link from {} ended: {}", node, peer, e.toString());
      }
    } finally {
      closeQuietly(socket);
      inbound.remove(socket);
    }
  }

  /** Reads one frame and hands it to its shard; false at a clean end of the stream. */
  private boolean readFrame(DataInputStream in, String peer, Map<String, ActorRef<ShardActor.Command>> targets)
      throws IOException {
    int headerBytes;
    try {
      headerBytes = Integer.reverseBytes(in.readInt());
    } catch (EOFException end) {
      return false;
    }
    if (headerBytes <= 0 || headerBytes > MAX_HEADER_BYTES) {
      throw new MalformedFrame("malformed frame: a header of " + headerBytes + " bytes (at most " + MAX_HEADER_BYTES
          + ")");
    }
    LinkFrameHeaderProto header;
    try {
      header = LinkFrameHeaderProto.parseFrom(readFully(in, headerBytes));
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedFrame("malformed frame header: " + e.getMessage());
    }
    int payloadBytes = Integer.reverseBytes(in.readInt());
    if (payloadBytes < 0 || payloadBytes > maxMessageBytes) {
      throw new MalformedFrame("a " + header.getManifest() + " of " + payloadBytes + " bytes for "
          + header.getTargetRef() + ", over this node's message limit of " + maxMessageBytes + " bytes");
    }
    byte[] payload = readFully(in, payloadBytes);
    WireMessage message;
    try {
      message = WireSerializer.decode(ByteBuffer.wrap(payload), header.getManifest());
    } catch (java.io.NotSerializableException e) {
      throw new MalformedFrame(e.getMessage());
    }
    if (!(message instanceof ShardActor.Wire wire)) {
      throw new MalformedFrame("a " + header.getManifest() + " is not a shard's message; links carry only those");
    }
    ActorRefResolver shards = resolver;
    if (shards == null) {
      throw new MalformedFrame("a message arrived before the node was up");
    }
    ActorRef<ShardActor.Command> target = targets.computeIfAbsent(header.getTargetRef(), shards::resolveActorRef);
    // Shards live under this node's guardian; anything else (another node's actor, an unknown
    // address resolving to dead letters) is not for a link to reach.
    if (!target.path().address().hasLocalScope() || !target.path().toStringWithoutAddress().startsWith("/user/")) {
      throw new MalformedFrame("a message for " + header.getTargetRef() + ", which is no actor of node " + node);
    }
    target.tell(wire);
    return true;
  }

  /** A peer broke the link protocol (as opposed to a connection that ended). */
  private static final class MalformedFrame extends IOException {
    MalformedFrame(String message) {
      super(message);
    }
  }

  private static byte[] readFully(DataInputStream in, int bytes) throws IOException {
    byte[] data = new byte[bytes];
    in.readFully(data);
    return data;
  }

  // ---- sending ----------------------------------------------------------------------------------

  private record Frame(String targetRef, Message message) {}

  /** The connection to one other node and the thread that writes it. */
  private final class Outbound {
    private final String to;
    private final LinkedBlockingQueue<Frame> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile SSLSocket socket;
    private boolean dead;

    Outbound(String to) {
      this.to = to;
      this.writer = new Thread(this::write, "partita-links-out-" + node + "-" + to);
      writer.setDaemon(true);
      writer.start();
    }

    synchronized boolean offer(Frame frame) {
      if (dead) {
        return false;
      }
      queue.add(frame);
      return true;
    }

    private void write() {
      try {
        SSLSocket connected = connect();
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(connected.getOutputStream(),
            BUFFER_BYTES));
        CodedOutputStream coded = CodedOutputStream.newInstance(out, BUFFER_BYTES);
        while (!closed) {
          Frame frame = queue.take();
          do {
            byte[] header = LinkFrameHeaderProto.newBuilder().setTargetRef(frame.targetRef())
                .setManifest(WireSerializer.manifestOf(new ShardActor.Wire(frame.message()))).build().toByteArray();
            coded.writeFixed32NoTag(header.length);
            coded.writeRawBytes(header);
            coded.writeFixed32NoTag(frame.message().getSerializedSize());
            frame.message().writeTo(coded);
            framesSent.incrementAndGet();
            frame = queue.poll();
          } while (frame != null);
          coded.flush();
          out.flush();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException | RuntimeException e) {
        if (!closed) {
          int lost;
          synchronized (this) {
            dead = true;
            lost = queue.size() + 1;
          }
          LOG.error("node {}: shard link to {} failed ({}); about {} shard message(s) to it are lost — the round"
              + " waiting for them fails at its step timeout, or recovery starts if that node is gone", node, to,
              e.getMessage() == null ? e.toString() : e.getMessage(), lost);
        }
      } finally {
        synchronized (this) {
          dead = true;
        }
        outbound.remove(to, this);
        if (socket != null) {
          closeQuietly(socket);
        }
      }
    }

    private SSLSocket connect() throws IOException {
      int colon = to.lastIndexOf(':');
      SSLSocket connecting = (SSLSocket) context.getSocketFactory().createSocket();
      socket = connecting;
      connecting.setEnabledProtocols(new String[] {PROTOCOL});
      connecting.setTcpNoDelay(true);
      connecting.connect(new InetSocketAddress(to.substring(0, colon), Integer.parseInt(to.substring(colon + 1))),
          CONNECT_TIMEOUT_MILLIS);
      connecting.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
      connecting.startHandshake();
      connecting.setSoTimeout(0);
      return connecting;
    }

    void close() {
      writer.interrupt();
      if (socket != null) {
        closeQuietly(socket);
      }
    }
  }

  // ---- TLS ----------------------------------------------------------------------------------------

  /** The node's key and the CA it trusts, from the same stores Artery uses. */
  static SSLContext context(TlsSettings tls) {
    try {
      char[] password = tls.password().toCharArray();
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(load(tls.keyStore(), password), password);
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(load(tls.trustStore(), password));
      SSLContext context = SSLContext.getInstance(PROTOCOL);
      context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("TLS for shard links: cannot use " + tls + ": " + e.getMessage(), e);
    }
  }

  private static KeyStore load(java.nio.file.Path file, char[] password) throws GeneralSecurityException,
      IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      store.load(in, password);
    }
    return store;
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already broken; nothing to release beyond this
    }
  }
}
