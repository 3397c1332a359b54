package org.partita.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jblas.FloatMatrix;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.SyntheticData;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.train.TrainingConfig;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PipelineSchedule;
import org.partita.runtime.DistributedTrainer;
import org.partita.runtime.EmbeddedCluster;
import org.partita.runtime.LinkMeasurement;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.StepTimings;

/**
 * Ring all-reduce of the wide MLP's gradients (20 M floats, 80 MB) among 2 and 3 replicas on
 * embedded nodes, timed by the shards themselves (the replica that starts last, so waiting for
 * slower replicas is left out), against point-to-point tensor throughput measured in the same
 * run. Batches are one sample per replica so the exchange, not the compute, is what is timed.
 * Bus bandwidth = bytes / time × 2(R−1)/R: the rate each link carries, comparable across R.
 */
public final class AllReduceBench {
  private AllReduceBench() {}

  public static void main(String[] args) {
    int steps = 6;
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].equals("--steps")) {
        throw new IllegalArgumentException("unknown option " + args[i] + "; use --steps N");
      }
      steps = Integer.parseInt(args[i + 1]);
    }
    ModelSpec model = StandardModels.wideMlp(1);
    long parameters = model.parameterCount();
    double bytes = parameters * (double) Float.BYTES;
    System.out.printf(Locale.ROOT, "all-reduce bench: %s, %,d gradients (%.0f MB), %s, %d timed steps per setup%n",
        model.name(), parameters, bytes / 1e6, MachineInfo.summary(), steps);
    try (EmbeddedCluster cluster = EmbeddedCluster.start(3, RuntimeSettings.defaults())) {
      cluster.measureLink("node-1", 4 << 20, 20, 8); // warm-up
      LinkMeasurement link = cluster.measureLink("node-1", 4 << 20, 50, 8);
      System.out.printf(Locale.ROOT, "point to point (driver → node-1, 4 MiB tensors, 8 in flight): %.0f MB/s%n",
          link.bytesPerSecond() / 1e6);
      System.out.println();
      System.out.println("| replicas | all-reduce per step | algorithm bandwidth | bus bandwidth | bus ÷ point to point |");
      System.out.println("|---|---|---|---|---|");
      for (int replicas : new int[] {2, 3}) {
        StepTimings timings = run(cluster, model, replicas, steps);
        double seconds = timings.meanAllReduceSeconds();
        double algorithm = bytes / seconds;
        double bus = algorithm * 2 * (replicas - 1) / replicas;
        System.out.printf(Locale.ROOT, "| %d | %.1f ms | %.0f MB/s | %.0f MB/s | %.2f |%n", replicas, seconds * 1e3,
            algorithm / 1e6, bus / 1e6, bus / link.bytesPerSecond());
      }
    }
  }

  private static StepTimings run(EmbeddedCluster cluster, ModelSpec model, int replicas, int steps) {
    List<String> nodes = new ArrayList<>();
    for (int r = 1; r <= replicas; r++) {
      nodes.add("node-" + r);
    }
    TrainingConfig config = new TrainingConfig(1, replicas, 1, OptimizerSpec.adam(1e-3f));
    PartitionPlan plan = PartitionPlan.balanced(model, replicas, new int[] {0, model.layers().size()}, new int[] {1},
        1, PipelineSchedule.GPIPE, replicas, nodes);
    ArrayDataset data = SyntheticData.blobs("blobs", model.inputShape(), 10, replicas, 0.8f, 3);
    FloatMatrix inputs = new FloatMatrix(model.inputShape().size(), replicas);
    FloatMatrix targets = new FloatMatrix(10, replicas);
    data.copyBatch(null, 0, replicas, inputs, targets);
    try (DistributedTrainer trainer = cluster.trainer(model, config, plan)) {
      for (int s = 0; s < 2; s++) {
        trainer.trainStep(inputs, targets, 0);
      }
      StepTimings before = trainer.timings();
      for (int s = 0; s < steps; s++) {
        trainer.trainStep(inputs, targets, 0);
      }
      return trainer.timings().since(before);
    }
  }
}
