package org.partita.bench.dl4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.Loader;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.partita.bench.peers.PeerWorker;
import org.partita.bench.peers.SharedBatches;
import org.partita.bench.peers.TrainingSide;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;

/**
 * Deeplearning4j 1.0.0-M2.1 as a worker process of the peers benchmark ({@link PeerWorker}): each
 * network translated from the same spec ({@link Dl4jNetworks}), fitted one batch per step.
 *
 * <p>Which native build runs is chosen by the coordinator, which puts exactly one nd4j-native
 * platform jar on this process's class path (the avx2 or the onednn-avx2 one); {@link #describe}
 * names the library JavaCPP actually loaded, so a result can be checked against its label. Threads
 * come from OMP_NUM_THREADS, which sizes nd4j's bundled OpenBLAS and its op threads when the
 * library loads; OMP_WAIT_POLICY=PASSIVE keeps its idle OpenMP threads from spinning on the cores
 * the computing ones need. ND4J's periodic System.gc() is off, as DL4J advises with workspaces.
 *
 * <pre>
 *   java -cp … org.partita.bench.dl4j.Dl4jPeer LEARNING_RATE THREADS
 * </pre>
 */
public final class Dl4jPeer implements PeerWorker.Peer {
  private final OptimizerSpec optimizer;
  private final int threads;

  private Dl4jPeer(float learningRate, int threads) {
    this.optimizer = OptimizerSpec.adam(learningRate);
    this.threads = threads;
    Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    Nd4j.getEnvironment().setMaxThreads(threads);
    Nd4j.getEnvironment().setMaxMasterThreads(threads);
    Nd4j.factory().blas().setMaxThreads(threads);
    // DL4J's training runs in workspaces, whose memory the JVM's collector never tracks; its own
    // performance advice is to turn ND4J's periodic System.gc() off then.
    Nd4j.getMemoryManager().togglePeriodicGc(false);
  }

  public static void main(String[] args) throws IOException {
    PeerWorker.serve(new Dl4jPeer(Float.parseFloat(args[0]), Integer.parseInt(args[1])));
  }

  @Override
  public String describe() {
    String library = "?";
    for (Map.Entry<String, String> loaded : Loader.getLoadedLibraries().entrySet()) {
      if (loaded.getKey().contains("nd4jcpu") && !loaded.getKey().contains("jni")) {
        library = loaded.getValue();
      }
    }
    return String.format(Locale.ROOT, "Deeplearning4j 1.0.0-M2.1, %s, %s with %d BLAS thread(s), %d op thread(s),"
        + " OMP_WAIT_POLICY=%s, native library %s", Nd4j.getBackend().getClass().getSimpleName(),
        Nd4j.factory().blas().getBlasVendor(), Nd4j.factory().blas().getMaxThreads(),
        Nd4j.getEnvironment().maxThreads(), System.getenv("OMP_WAIT_POLICY"), library);
  }

  @Override
  public TrainingSide build(String model, Path specJson, SharedBatches batches) {
    if (Nd4j.getEnvironment().maxThreads() != threads) {
      throw new IllegalStateException("nd4j runs " + Nd4j.getEnvironment().maxThreads() + " op threads, not " + threads);
    }
    return new Dl4jSide(StandardModels.byName(model, 1), optimizer, batches);
  }
}
