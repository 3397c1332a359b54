package org.partita.runtime;

import java.util.ArrayList;
import java.util.List;
import org.partita.models.network.ModelSpec;
import org.partita.models.train.TrainingConfig;
import org.partita.partitioner.PartitionPlan;
import org.partita.proto.ShardStateProto;
import org.partita.runtime.driver.DriverNode;
import org.partita.runtime.node.WorkerNode;

/**
 * N worker nodes and a driver as N + 1 ActorSystems in this JVM, talking Artery TCP over
 * loopback: the same messages, serialization and frames as separate machines, without TLS. Workers
 * are called node-1 … node-N. Used by the main job and by tests.
 *
 * <p>All nodes share this process's BLAS thread pool: give the process one OpenBLAS thread per
 * shard computing at once (the partita script does) or the nodes oversubscribe the cores.
 */
public final class EmbeddedCluster implements TrainingCluster {
  private static final String LOOPBACK = "127.0.0.1";

  private final DriverNode driver;
  private final List<WorkerNode> nodes;

  private EmbeddedCluster(DriverNode driver, List<WorkerNode> nodes) {
    this.driver = driver;
    this.nodes = nodes;
  }

  public static EmbeddedCluster start(int workers, RuntimeSettings settings) {
    if (workers < 1) {
      throw new IllegalArgumentException("an embedded cluster needs at least one worker, got " + workers);
    }
    DriverNode driver = DriverNode.start(LOOPBACK, 0, List.of(), settings);
    List<WorkerNode> nodes = new ArrayList<>();
    try {
      for (int i = 1; i <= workers; i++) {
        nodes.add(WorkerNode.start("node-" + i, LOOPBACK, 0, List.of(driver.address()), settings));
      }
      driver.awaitWorkers(workers);
      return new EmbeddedCluster(driver, nodes);
    } catch (RuntimeException e) {
      new EmbeddedCluster(driver, nodes).close();
      throw e;
    }
  }

  /** The worker nodes, to stop one in a fault test. */
  public List<WorkerNode> nodes() {
    return List.copyOf(nodes);
  }

  public String driverAddress() {
    return driver.address();
  }

  @Override
  public List<WorkerInfo> workers() {
    return driver.workers();
  }

  @Override
  public boolean awaitWorkers(int count, java.time.Duration wait) {
    return driver.awaitWorkers(count, wait);
  }

  @Override
  public DistributedTrainer trainer(ModelSpec model, TrainingConfig config, PartitionPlan plan) {
    return driver.trainer(model, config, plan);
  }

  @Override
  public DistributedTrainer trainer(ModelSpec model, TrainingConfig config, PartitionPlan plan,
      ShardStateProto whole) {
    return driver.trainer(model, config, plan, whole);
  }

  @Override
  public LinkMeasurement measureLink(String worker, int payloadBytes, int messages, int window) {
    return driver.measureLink(worker, payloadBytes, messages, window);
  }

  /** Stops every node at once (one by one, each stop would make the others log lost connections). */
  @Override
  public void close() {
    List<Thread> stops = new ArrayList<>();
    List<RuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (WorkerNode node : nodes) {
      Thread stop = new Thread(() -> {
        try {
          node.close();
        } catch (RuntimeException e) {
          failures.add(e);
        }
      }, "stop-" + node.name());
      stop.start();
      stops.add(stop);
    }
    driver.close();
    for (Thread stop : stops) {
      try {
        stop.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
  }
}
