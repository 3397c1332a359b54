package org.partita.partitioner;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import org.partita.models.layers.LayerSpec;
import org.partita.models.network.ModelSpec;
import org.partita.models.optim.OptimizerSpec;

/**
 * Chooses a plan: enumerates replicas × pipeline stages × slices per stage (one shard per node)
 * and micro-batch counts, cuts the layers into stages that balance predicted compute, drops plans
 * that do not fit every node's memory, and picks the fastest predicted step (fewer nodes on a tie).
 */
public final class Planner {
  private static final int[] MICRO_BATCHES = {1, 2, 4, 8, 16};

  private final CostModel cost;
  private final Function<PartitionPlan, CostModel> costOfPlan;

  /** Prices every plan with {@code cost}: nodes whose speed does not depend on how many of them a plan uses. */
  public Planner(CostModel cost) {
    this(cost, plan -> cost);
  }

  /**
   * Prices each plan with the cost model {@code costOfPlan} gives for it: where nodes share a
   * host's cores, a plan that leaves some of them idle computes faster on the ones it uses.
   * {@code cost} (all nodes busy) weighs the layers against each other for stage cuts.
   */
  public Planner(CostModel cost, Function<PartitionPlan, CostModel> costOfPlan) {
    this.cost = cost;
    this.costOfPlan = costOfPlan;
  }

  /**
   * What to plan for. {@code minShardsPerReplica} ≥ 2 asks for model parallelism: each replica's
   * stages × slices must split the model over at least that many workers.
   */
  public record Request(ModelSpec model, ClusterSpec cluster, int globalBatch, OptimizerSpec optimizer,
      int maxReplicas, int minShardsPerReplica) {
    public Request(ModelSpec model, ClusterSpec cluster, int globalBatch, OptimizerSpec optimizer) {
      this(model, cluster, globalBatch, optimizer, Integer.MAX_VALUE, 1);
    }

    public Request(ModelSpec model, ClusterSpec cluster, int globalBatch, OptimizerSpec optimizer, int maxReplicas) {
      this(model, cluster, globalBatch, optimizer, maxReplicas, 1);
    }

    /** Only plans that split every replica of the model over at least two workers. */
    public Request modelParallel() {
      return new Request(model, cluster, globalBatch, optimizer, maxReplicas, 2);
    }
  }

  /** One feasible plan with its prediction and the most memory any of its nodes needs. */
  public record Candidate(PartitionPlan plan, StepPrediction prediction, long peakNodeBytes) {}

  /** The choice, the runners-up (fastest first) and how many plans were looked at. */
  public record Result(Candidate chosen, List<Candidate> alternatives, int considered, int tooLarge) {}

  public Result plan(Request request) {
    ModelSpec model = request.model();
    List<String> nodes = request.cluster().names();
    int n = nodes.size();
    List<Candidate> feasible = new ArrayList<>();
    long smallestPeak = Long.MAX_VALUE;
    PartitionPlan smallestPlan = null;
    int considered = 0;
    int tooLarge = 0;
    for (int replicas = 1; replicas <= Math.min(n, request.maxReplicas()); replicas++) {
      for (int stages = 1; stages <= Math.min(model.layers().size(), n / replicas); stages++) {
        int[] cuts = balancedCuts(model, stages);
        for (int slices = 1; replicas * stages * slices <= n; slices++) {
          if (!sliceable(model, slices)) {
            break;
          }
          if (stages * slices < request.minShardsPerReplica()) {
            continue;
          }
          for (int micro : MICRO_BATCHES) {
            if (request.globalBatch() % (replicas * micro) != 0) {
              continue;
            }
            for (PipelineSchedule schedule : stages == 1 ? List.of(PipelineSchedule.GPIPE)
                : List.of(PipelineSchedule.GPIPE, PipelineSchedule.ONE_F_ONE_B)) {
              int[] sliceCounts = new int[stages];
              java.util.Arrays.fill(sliceCounts, slices);
              PartitionPlan plan = PartitionPlan.balanced(model, replicas, cuts, sliceCounts, micro, schedule,
                  request.globalBatch(), nodes);
              considered++;
              // Balanced plans are well-formed by construction; what remains to check is memory.
              long peak = 0;
              boolean fits = true;
              for (NodeSpec node : request.cluster().nodes()) {
                long need = MemoryModel.node(model, plan, node.name(), request.optimizer());
                peak = Math.max(peak, need);
                fits &= need <= node.memoryBytes();
              }
              if (peak < smallestPeak) {
                smallestPeak = peak;
                smallestPlan = plan;
              }
              if (!fits) {
                tooLarge++;
                continue;
              }
              feasible.add(new Candidate(plan, costOfPlan.apply(plan).predict(model, plan, request.optimizer()), peak));
            }
          }
        }
      }
    }
    if (considered == 0) {
      throw new IllegalArgumentException("no plan splits model '" + model.name() + "' over "
          + request.minShardsPerReplica() + " or more of " + n + " node(s): model parallelism needs at least "
          + request.minShardsPerReplica() + " nodes");
    }
    if (feasible.isEmpty()) {
      long offered = request.cluster().nodes().stream().mapToLong(NodeSpec::memoryBytes).min().orElse(0);
      throw new IllegalArgumentException("model '" + model.name() + "' (" + String.format("%,d", model.parameterCount())
          + " parameters) fits no plan on " + n + " node(s) offering " + ShardMemory.mebibytes(offered)
          + ": the smallest plan, " + (smallestPlan == null ? "none" : smallestPlan.describe()) + ", needs "
          + ShardMemory.mebibytes(smallestPeak) + " on its fullest node — add nodes or memory");
    }
    feasible.sort(Comparator.comparingDouble((Candidate c) -> c.prediction().total())
        .thenComparingInt(c -> c.plan().shards().size())
        .thenComparingLong(Candidate::peakNodeBytes));
    return new Result(feasible.get(0), feasible.subList(1, Math.min(feasible.size(), 6)), considered, tooLarge);
  }

  /** Can every layer be cut into this many slices (each needs at least one unit)? */
  private static boolean sliceable(ModelSpec model, int slices) {
    return model.layers().stream().mapToInt(LayerSpec::units).min().orElse(0) >= slices;
  }

  /**
   * Stage boundaries minimising the most expensive stage (single-slice compute per layer), by
   * dynamic programming over the layer sequence.
   */
  public int[] balancedCuts(ModelSpec model, int stages) {
    List<Double> layer = cost.layerSeconds(model, 64);
    int n = layer.size();
    double[] prefix = new double[n + 1];
    for (int i = 0; i < n; i++) {
      prefix[i + 1] = prefix[i] + layer.get(i);
    }
    double[][] best = new double[stages + 1][n + 1];
    int[][] from = new int[stages + 1][n + 1];
    for (double[] row : best) {
      java.util.Arrays.fill(row, Double.MAX_VALUE);
    }
    best[0][0] = 0;
    for (int s = 1; s <= stages; s++) {
      for (int end = s; end <= n; end++) {
        for (int start = s - 1; start < end; start++) {
          double value = Math.max(best[s - 1][start], prefix[end] - prefix[start]);
          if (value < best[s][end]) {
            best[s][end] = value;
            from[s][end] = start;
          }
        }
      }
    }
    int[] cuts = new int[stages + 1];
    cuts[stages] = n;
    for (int s = stages; s > 0; s--) {
      cuts[s - 1] = from[s][cuts[s]];
    }
    return cuts;
  }
}
