package org.partita.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jblas.FloatMatrix;
import org.partita.models.blas.Blas;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.SyntheticData;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.StepRunner;
import org.partita.models.train.TrainingConfig;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PipelineSchedule;
import org.partita.runtime.DistributedTrainer;
import org.partita.runtime.EmbeddedCluster;
import org.partita.runtime.RuntimeSettings;

/**
 * Wide MLP (784-4096-4096-10, batch 256) step time, side by side in one process with one BLAS
 * thread per computing shard: the reference trainer on one core, the whole model as one shard on
 * an embedded node (runtime overhead), and 2 slices on 2 embedded nodes (model parallelism using
 * both cores). Rounds alternate the three so machine noise hits all alike; medians are reported.
 */
public final class ClusterBench {
  private ClusterBench() {}

  public static void main(String[] args) {
    int rounds = 5;
    int steps = 8;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--steps" -> steps = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i] + "; use --rounds N --steps N");
      }
    }
    int batch = 256;
    ModelSpec model = StandardModels.wideMlp(1);
    TrainingConfig config = new TrainingConfig(1, batch, 1, OptimizerSpec.adam(1e-3f));
    ArrayDataset data = SyntheticData.blobs("blobs", model.inputShape(), 10, batch, 0.8f, 3);
    FloatMatrix inputs = new FloatMatrix(784, batch);
    FloatMatrix targets = new FloatMatrix(10, batch);
    data.copyBatch(null, 0, batch, inputs, targets);
    System.out.println("cluster bench: " + model.summary().lines().findFirst().orElse("") + ", batch " + batch
        + ", " + Blas.get().describe() + ", " + rounds + " rounds × " + steps + " steps");

    try (EmbeddedCluster cluster = EmbeddedCluster.start(2, RuntimeSettings.defaults())) {
      LocalTrainer local = new LocalTrainer(model, config, Blas.get());
      DistributedTrainer whole = cluster.trainer(model, config, plan(model, 1, batch, List.of("node-1")));
      DistributedTrainer sliced = cluster.trainer(model, config, plan(model, 2, batch, List.of("node-1", "node-2")));
      StepRunner[] runners = {local, whole, sliced};
      String[] names = {"reference trainer, 1 core", "1 shard on 1 embedded node", "2 slices on 2 embedded nodes"};
      double[][] seconds = new double[runners.length][rounds];
      for (StepRunner runner : runners) {
        runner.timeSteps(inputs, targets, 2);
      }
      for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < runners.length; k++) {
          seconds[k][r] = runners[k].timeSteps(inputs, targets, steps) / steps;
        }
      }
      double[] median = new double[runners.length];
      for (int k = 0; k < runners.length; k++) {
        double[] sorted = seconds[k].clone();
        Arrays.sort(sorted);
        median[k] = sorted[rounds / 2];
        System.out.printf(Locale.ROOT, "| %-30s | %8.1f ms | %8.1f–%.1f ms |%n", names[k], median[k] * 1e3,
            sorted[0] * 1e3, sorted[rounds - 1] * 1e3);
      }
      System.out.printf(Locale.ROOT, "speedup of 2 slices: %.2fx over the reference trainer on one core, %.2fx over"
          + " one shard on one node%n", median[0] / median[2], median[1] / median[2]);
      whole.close();
      sliced.close();
    }
  }

  private static PartitionPlan plan(ModelSpec model, int slices, int batch, List<String> nodes) {
    return PartitionPlan.balanced(model, 1, new int[] {0, model.layers().size()}, new int[] {slices}, 1,
        PipelineSchedule.GPIPE, batch, nodes);
  }
}
