package org.partita.bench.peers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.partita.bench.KernelBench;
import org.partita.models.blas.Blas;
import org.partita.models.blas.Parallel;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;

/**
 * Partita's reference trainer as a worker process of the peers benchmark ({@link PeerWorker}), and
 * the machine's sgemm at this process's threads — the limit the training rates are held against.
 * Threads come from the environment the coordinator sets: OPENBLAS_NUM_THREADS and
 * {@code -Dpartita.compute.threads}.
 *
 * <pre>
 *   java -cp … org.partita.bench.peers.PartitaPeer LEARNING_RATE
 * </pre>
 */
public final class PartitaPeer implements PeerWorker.Peer {
  private final OptimizerSpec optimizer;
  private final Blas blas = Blas.get();

  private PartitaPeer(float learningRate) {
    this.optimizer = OptimizerSpec.adam(learningRate);
  }

  public static void main(String[] args) throws IOException {
    PeerWorker.serve(new PartitaPeer(Float.parseFloat(args[0])));
  }

  @Override
  public String describe() {
    return String.format(Locale.ROOT, "Partita reference trainer, %s, %d compute thread(s), OPENBLAS_NUM_THREADS=%s",
        blas.describe(), Parallel.threads(), System.getenv("OPENBLAS_NUM_THREADS"));
  }

  @Override
  public TrainingSide build(String model, Path specJson, SharedBatches batches) {
    return new PartitaSide(StandardModels.byName(model, 1), optimizer, batches, blas);
  }

  @Override
  public String command(String[] words) {
    if (!words[0].equals("sgemm")) {
      return PeerWorker.Peer.super.command(words);
    }
    int n = Integer.parseInt(words[1]);
    return String.format(Locale.ROOT, "sgemm %.3f", KernelBench.measureGemm(blas, n, 5).median());
  }
}
