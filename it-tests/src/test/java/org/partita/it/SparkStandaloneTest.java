package org.partita.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.runtime.TlsCertificates;
import org.partita.spark.PartitaClassifier;
import org.partita.spark.ReferenceRuns;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Issue 10, Spark: the bridge on a Spark standalone cluster of separate JVMs — a master and two
 * one-core workers started from the jars Maven provides ({@link SparkStandaloneCluster}), this JVM
 * the driver in client mode. A data-parallel fit (replicas=2: one barrier task in each worker's
 * executor, their task nodes talking mutual TLS) completes and equals the reference trainer on the
 * same global batches, held to the tolerance spark-bridge's tests hold local masters to
 * ({@link ReferenceRuns}). Every JVM started is gone afterwards.
 */
class SparkStandaloneTest {
  private static final Duration EXECUTOR_WAIT = Duration.ofSeconds(90);

  @TempDir
  static Path directory;
  private static SparkStandaloneCluster cluster;
  private static SparkSession spark;
  private static final BarrierTaskPlaces places = new BarrierTaskPlaces();

  @BeforeAll
  static void startClusterAndDriver() throws Exception {
    long start = System.nanoTime();
    cluster = SparkStandaloneCluster.start(directory, 2, "1g");
    spark = SparkSession.builder().master(cluster.masterUrl()).appName("partita-it-spark-standalone")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false").config("spark.executor.cores", "1")
        .config("spark.executor.memory", "512m").config("spark.cores.max", "2")
        .config("spark.sql.shuffle.partitions", "2").getOrCreate();
    spark.sparkContext().addSparkListener(places);
    awaitExecutors(2);
    System.out.printf("SPARK-STANDALONE master, 2 workers and 2 executors up in %.1f s%n",
        (System.nanoTime() - start) / 1e9);
  }

  @AfterAll
  static void stopEverything() throws Exception {
    try {
      if (spark != null) {
        spark.stop();
      }
    } finally {
      if (cluster != null) {
        List<ProcessHandle> started = cluster.processes();
        cluster.close();
        for (ProcessHandle process : started) {
          assertFalse(process.isAlive(), "process " + process.pid() + " " + process.info().command().orElse("")
              + " outlived the test");
        }
      }
    }
  }

  @Test
  void dataParallelFitOnTwoWorkersEqualsTheReference() throws Exception {
    Path certificates = directory.resolve("certs");
    TlsCertificates.generate(certificates, List.of("task-0", "task-1"));
    PartitaClassifier classifier = ReferenceRuns.classifier().setTlsDir(certificates.toString());
    assertEquals(2, cluster.executors().size(), "one executor JVM per worker:\n" + cluster.diagnostics());

    ReferenceRuns.Comparison result;
    try {
      result = ReferenceRuns.assertFitMatchesReference(spark, classifier, "replicas=2", 2);
    } catch (RuntimeException | AssertionError e) {
      throw new AssertionError("the fit on " + cluster.masterUrl() + " failed: " + e + "\n" + cluster.diagnostics(), e);
    }
    Set<String> executors = places.awaitTwo(EXECUTOR_WAIT);
    assertEquals(2, executors.size(), "the two barrier tasks ran on executors " + executors);
    List<String> progress = cluster.executorOutput().stream().filter(line -> line.startsWith("partita [")).toList();
    progress.forEach(System.out::println);
    assertTrue(progress.stream().anyMatch(line -> line.contains("2 task nodes up")),
        "the training driver in barrier task 0 saw both task nodes join:\n" + cluster.diagnostics());
    System.out.printf("SPARK-STANDALONE fit completed: plan %s, %d steps, max relative difference %.3e vs the"
        + " reference (tolerance %.0e), fit %.1f s, barrier tasks on executors %s%n", result.plan(), result.steps(),
        result.maxRelativeDifference(), ReferenceRuns.TOLERANCE, result.fitSeconds(), executors);
  }

  /** Waits until {@code count} executors have registered with this driver (the driver itself not counted). */
  private static void awaitExecutors(int count) throws InterruptedException {
    long deadline = System.nanoTime() + EXECUTOR_WAIT.toNanos();
    while (spark.sparkContext().statusTracker().getExecutorInfos().length < count + 1) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(count + " executors did not register within " + EXECUTOR_WAIT.toSeconds()
            + " s:\n" + cluster.diagnostics());
      }
      Thread.sleep(200); // no public event to wait on: SparkListenerExecutorAdded may have gone before the listener
    }
  }

  /** The executors that finished tasks of barrier stages, as the listener bus reports them. */
  private static final class BarrierTaskPlaces extends SparkListener {
    private final Set<Integer> barrierStages = ConcurrentHashMap.newKeySet();
    private final Set<String> executors = ConcurrentHashMap.newKeySet();
    private final CountDownLatch twoExecutors = new CountDownLatch(2);

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
      if (CollectionConverters.asJava(submitted.stageInfo().rddInfos()).stream().anyMatch(rdd -> rdd.isBarrier())) {
        barrierStages.add(submitted.stageInfo().stageId());
      }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      if (barrierStages.contains(end.stageId()) && end.taskInfo().successful()
          && executors.add(end.taskInfo().executorId())) {
        twoExecutors.countDown();
      }
    }

    /** The executors seen once there are two, or after {@code timeout}: the bus delivers events after the job ends. */
    Set<String> awaitTwo(Duration timeout) throws InterruptedException {
      twoExecutors.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return Set.copyOf(executors);
    }
  }
}
