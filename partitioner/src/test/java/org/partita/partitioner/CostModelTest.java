package org.partita.partitioner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.layers.Activation;
import org.partita.models.layers.AvgPool2DSpec;
import org.partita.models.layers.Conv2DSpec;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.EmbeddingSpec;
import org.partita.models.layers.GruSpec;
import org.partita.models.layers.LstmSpec;
import org.partita.models.layers.MaxPool2DSpec;
import org.partita.models.layers.Shape;
import org.partita.models.layers.UnitRange;
import org.partita.models.layers.Window;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.optim.OptimizerSpec;

class CostModelTest {
  @TempDir
  Path directory;

  /** FLOPs worked out by hand for small layers. */
  @Test
  void flopCountsEqualHandComputedOnes() {
    // Dense 5→4, batch 3: forward 2·4·3·5 = 120; dW 120; dX 120.
    DenseSpec dense = new DenseSpec(5, 4, Activation.RELU);
    assertEquals(360, LayerWork.of(dense, UnitRange.all(4), 3, true).gemmFlops());
    assertEquals(240, LayerWork.of(dense, UnitRange.all(4), 3, false).gemmFlops());
    assertEquals(120, LayerWork.of(dense, new UnitRange(0, 2), 3, true).gemmFlops() / 3 * 2);
    assertEquals(dense.forwardFlops(UnitRange.all(4), 3) + dense.backwardFlops(UnitRange.all(4), 3),
        LayerWork.of(dense, UnitRange.all(4), 3, true).gemmFlops());
    // Conv 2×4×4 → 3 channels, 3×3, pad 1: P = 16, K = 18; forward 2·(16·2)·3·18 = 3456 for batch 2.
    Conv2DSpec conv = new Conv2DSpec(new Shape(2, 4, 4), 3, Window.square(3, 1, 1), Activation.RELU);
    assertEquals(3 * 3456, LayerWork.of(conv, UnitRange.all(3), 2, true).gemmFlops());
    assertEquals(conv.forwardFlops(UnitRange.all(3), 2) + conv.backwardFlops(UnitRange.all(3), 2),
        LayerWork.of(conv, UnitRange.all(3), 2, true).gemmFlops());
    // LSTM 3→2 over 4 steps, batch 5: per step 2·(4·2)·5·(3+2) = 400 forward, 400 dW, dh 2·2·5·8 = 160,
    // dx 2·3·5·8 = 240.
    LstmSpec lstm = new LstmSpec(3, 2, 4, false);
    assertEquals(4 * (400 + 400 + 160 + 240), LayerWork.of(lstm, UnitRange.all(2), 5, true).gemmFlops());
    assertEquals(4 * (400 + 400 + 160), LayerWork.of(lstm, UnitRange.all(2), 5, false).gemmFlops());
    // GRU 3→2, same sizes: 3 gates, so per step 2·(3·2)·5·(3+2) = 300 forward (over x and over h),
    // 300 dW, dh 2·2·5·6 = 120, dx 2·3·5·6 = 180; six GEMM calls a step instead of four.
    GruSpec gru = new GruSpec(3, 2, 4, false);
    LayerWork gruWork = LayerWork.of(gru, UnitRange.all(2), 5, true);
    assertEquals(4 * (300 + 300 + 120 + 180), gruWork.gemmFlops());
    assertEquals(gru.forwardFlops(UnitRange.all(2), 5) + gru.backwardFlops(UnitRange.all(2), 5), gruWork.gemmFlops());
    assertEquals(4 * 6, gruWork.gemms().size());
    // Embedding: no GEMM; 2 of the 4 dimensions over 6 steps, batch 5: 60 floats copied, 60 added.
    LayerWork lookup = LayerWork.of(new EmbeddingSpec(50, 4, 6), new UnitRange(2, 4), 5, false);
    assertEquals(0, lookup.gemmFlops());
    assertEquals(120, lookup.floatsMoved());
  }

  @Test
  void splittingAddsExchangeAndReplicasAddAllReduce() {
    CostModel cost = new CostModel(Fixtures.machine(), Fixtures.gigabit());
    ModelSpec mlp = StandardModels.mlp(1);
    OptimizerSpec adam = OptimizerSpec.adam(1e-3f);
    List<String> nodes = List.of("a", "b", "c", "d");
    StepPrediction single = cost.predict(mlp, PartitionPlan.single(mlp, 128, "a"), adam);
    assertEquals(0, single.exchange());
    assertEquals(0, single.allReduce());
    StepPrediction sliced = cost.predict(mlp, PartitionPlan.balanced(mlp, 1, new int[] {0, 3}, new int[] {2}, 1,
        PipelineSchedule.GPIPE, 128, nodes), adam);
    assertTrue(sliced.exchange() > 0 && sliced.compute() < single.compute(), sliced.describe());
    StepPrediction replicated = cost.predict(mlp, PartitionPlan.balanced(mlp, 2, new int[] {0, 3}, new int[] {1}, 1,
        PipelineSchedule.GPIPE, 128, nodes), adam);
    assertTrue(replicated.allReduce() > 0 && replicated.compute() < single.compute(), replicated.describe());
    StepPrediction pipelined = cost.predict(mlp, PartitionPlan.balanced(mlp, 1, new int[] {0, 1, 3}, new int[] {1, 1},
        4, PipelineSchedule.GPIPE, 128, nodes), adam);
    assertTrue(pipelined.bubble() > 0, pipelined.describe());
  }

  @Test
  void driverFeedSendsTheFirstMicroBatchToEveryFirstStageSlice() {
    Link link = new Link(1e8, 1e-4);
    CostModel cost = new CostModel(Fixtures.machine(), link);
    ModelSpec mlp = StandardModels.mlp(1);
    List<String> nodes = List.of("a", "b", "c", "d");
    // one shard, batch 128 in one micro-batch: 128·784 floats in one message, then the report back
    assertEquals(2e-4 + 128 * 784 * 4 / 1e8, cost.driverFeedSeconds(mlp, PartitionPlan.single(mlp, 128, "a")), 1e-12);
    // 2 replicas × 2 slices, 4 micro-batches of 16: four messages of 16·784 floats
    PartitionPlan hybrid = PartitionPlan.balanced(mlp, 2, new int[] {0, 3}, new int[] {2}, 4, PipelineSchedule.GPIPE,
        128, nodes);
    assertEquals(5e-4 + 4 * 16 * 784 * 4 / 1e8, cost.driverFeedSeconds(mlp, hybrid), 1e-12);
  }

  @Test
  void profileSavesAndLoadsAndInterpolatesBetweenSamples() throws Exception {
    MachineProfile profile = Fixtures.machine();
    Path file = directory.resolve("profile.pb");
    profile.save(file);
    assertEquals(profile, MachineProfile.load(file));
    double small = profile.gflops(new GemmShape(512, 8, 512));
    double large = profile.gflops(new GemmShape(512, 256, 512));
    assertTrue(large > small, small + " vs " + large);
    double between = profile.gflops(new GemmShape(512, 24, 512));
    assertTrue(between > profile.gflops(new GemmShape(512, 16, 512))
        && between < profile.gflops(new GemmShape(512, 32, 512)));
    assertEquals(2 * profile.gflops(new GemmShape(64, 64, 64)), profile.scaledTo(4).gflops(new GemmShape(64, 64, 64)),
        1e-9);
  }

  /** More single-threaded nodes than cores take turns: each computes on a fraction of a core. */
  @Test
  void nodesBeyondTheCoresGetAFractionOfACoreEach() {
    MachineProfile profile = Fixtures.machine();
    GemmShape shape = new GemmShape(64, 64, 64);
    double perThread = profile.gflops(shape) / profile.threads();
    assertEquals(perThread * 2 / 3, profile.scaledToShare(2.0 / 3).gflops(shape), 1e-9);
    ModelSpec model = StandardModels.mlp(3);
    double oneCore = CostModel.sharedMachine(profile, profile.threads(), Link.SHARED_MACHINE)
        .singleNodeStepSeconds(model, 1024, OptimizerSpec.adam(1e-3f));
    double halfCore = CostModel.sharedMachine(profile, 2 * profile.threads(), Link.SHARED_MACHINE)
        .singleNodeStepSeconds(model, 1024, OptimizerSpec.adam(1e-3f));
    assertTrue(halfCore > 1.5 * oneCore, "half a core each: " + halfCore + " s vs one core each: " + oneCore + " s");
    assertThrows(IllegalArgumentException.class, () -> profile.scaledToShare(0));
  }

  /**
   * Max and average pooling are priced per window element visited, forward and (with an input
   * gradient) backward; global average pooling visits every input once each way.
   */
  @Test
  void poolingIsPricedPerWindowElementVisited() {
    MaxPool2DSpec pool = new MaxPool2DSpec(new Shape(2, 4, 4), Window.square(2, 2, 0));
    // 2 channels × 2×2 outputs × batch 3 = 24 outputs, 4 window elements each.
    LayerWork both = LayerWork.of(pool, UnitRange.all(2), 3, true);
    assertEquals(2 * 24 * 4, both.pooled());
    assertEquals(24 * 4, LayerWork.of(pool, UnitRange.all(2), 3, false).pooled());
    AvgPool2DSpec average = new AvgPool2DSpec(new Shape(2, 4, 4), Window.square(2, 2, 0));
    assertEquals(both, LayerWork.of(average, UnitRange.all(2), 3, true));
    // 1 channel of 2 × batch 3 = 3 outputs, 16 inputs each
    assertEquals(2 * 3 * 16, LayerWork.of(AvgPool2DSpec.global(new Shape(2, 4, 4)), new UnitRange(1, 2), 3, true)
        .pooled());
    MachineProfile profile = Fixtures.machine();
    assertEquals((both.pooled() * profile.nsPerPooled() + both.calls() * profile.nsPerCall()) * 1e-9,
        profile.seconds(both), 1e-15);
  }

  /**
   * With a one-thread measurement, a node of one core gets its rates instead of half the
   * two-thread ones: small GEMMs, which two threads hardly speed up, are not halved.
   */
  @Test
  void oneCoreNodesArePricedFromTheOneThreadMeasurement() throws Exception {
    MachineProfile profile = Fixtures.machineWithOneThread();
    MachineProfile one = profile.oneThread();
    GemmShape small = new GemmShape(8, 512, 512);
    GemmShape large = new GemmShape(512, 512, 512);
    assertEquals(one.gflops(small), profile.scaledToShare(1).gflops(small), 1e-9);
    assertEquals(0.9 * profile.gflops(small), profile.scaledToShare(1).gflops(small), 1e-9);
    assertEquals(one.nsPerCall(), profile.scaledToShare(1).nsPerCall(), 1e-9);
    assertEquals(one.gflops(large) / 2, profile.scaledToShare(0.5).gflops(large), 1e-9);
    assertEquals(2 * one.nsPerFloat(), profile.scaledToShare(0.5).nsPerFloat(), 1e-9);
    // More than the threads measured: the all-thread rates, scaled.
    assertEquals(2 * profile.gflops(small), profile.scaledToShare(4).gflops(small), 1e-9);
    assertEquals(profile.gflops(large), profile.scaledTo(2).gflops(large), 1e-9);
    // Without the one-thread part, one core is half the two-thread rate.
    assertEquals(profile.gflops(small) / 2, Fixtures.machine().scaledToShare(1).gflops(small), 1e-9);
    assertFalse(profile.lacksOneThreadPart());
    assertTrue(Fixtures.machine().lacksOneThreadPart());

    Path file = directory.resolve("two-measurements.pb");
    profile.save(file);
    assertEquals(profile, MachineProfile.load(file));
    assertTrue(profile.describe().contains("; 1 thread: GEMM up to"), profile.describe());
    assertThrows(IllegalArgumentException.class, () -> profile.withOneThread(profile),
        "a one-thread part measured on 2 threads");
  }

  /** Between one core and all threads, throughputs are interpolated: 3 of 5 threads is halfway. */
  @Test
  void sharesBetweenOneCoreAndAllThreadsInterpolateTheRates() {
    MachineProfile two = Fixtures.machineWithOneThread();
    MachineProfile five = new MachineProfile("test CPU", 5, 5, "java", two.gemm(), two.nsPerFloat(),
        two.nsPerPooled(), two.nsPerTranscendental(), two.nsPerCall(), two.update(), 0, two.oneThread());
    GemmShape shape = new GemmShape(512, 512, 512);
    MachineProfile three = five.scaledToShare(3);
    assertEquals((five.gflops(shape) + five.oneThread().gflops(shape)) / 2, three.gflops(shape), 1e-9);
    // 1/0.5 and 1/1.0 ns per float are 2 and 1 floats per ns; halfway is 1.5.
    assertEquals(1 / 1.5, three.nsPerFloat(), 1e-12);
    assertEquals(10_000, three.nsPerCall(), 1e-9);
    assertEquals(3, three.threads());
  }

  /** A link in series with another: a message pays both latencies and both per-byte times. */
  @Test
  void aLinkFollowedByAnotherAddsTheirTimes() {
    Link wire = new Link(1e9, 10e-6);
    Link host = new Link(2e8, 200e-6);
    // 1 MB: 1 ms on the wire, 5 ms through the host; one message: 210 µs of latency.
    assertEquals(210e-6 + 1e-3 + 5e-3, wire.then(host).seconds(1, 1e6), 1e-12);
    assertEquals(wire.then(host).seconds(3, 4e6), host.then(wire).seconds(3, 4e6), 1e-12);
  }

  /** Of a series, only the part on the shared cores is core time; a wire between machines has none. */
  @Test
  void onlyTheSharedCoresPartOfALinkIsCoreTime() {
    Link wire = new Link(1e9, 10e-6);
    Link host = Link.onSharedCores(2e8, 200e-6);
    assertEquals(0, wire.coreSeconds(5, 1e6));
    assertEquals(host.seconds(2, 1e6), host.coreSeconds(2, 1e6), 1e-15);
    // 1 MB in 2 messages: 400 µs + 5 ms of the host's cores; the wire's 20 µs + 1 ms are not.
    assertEquals(400e-6 + 5e-3, wire.then(host).coreSeconds(2, 1e6), 1e-12);
    assertEquals(400e-6 + 5e-3, host.then(wire).coreSeconds(2, 1e6), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> new Link(1e9, 10e-6, 2e-9, 0));
  }

  /**
   * Two stages and many micro-batches over a slow wire between machines: once the transfers are
   * slower than the stages, they set the pace, and each direction of the full-duplex link carries
   * one kind (activations forward, gradients back), so the pace is the slower direction's, not the sum.
   */
  @Test
  void aSlowWireSetsThePipelinePaceByItsSlowerDirection() {
    ModelSpec mlp = StandardModels.mlp(1);
    OptimizerSpec adam = OptimizerSpec.adam(1e-3f);
    Link slow = new Link(1e6, 0);
    CostModel cost = new CostModel(Fixtures.machine(), slow);
    int micro = 16;
    PartitionPlan pipeline = PartitionPlan.balanced(mlp, 1, new int[] {0, 1, 3}, new int[] {1, 1}, 128 / micro,
        PipelineSchedule.ONE_F_ONE_B, 128, List.of("a", "b"));
    StepPrediction predicted = cost.predict(mlp, pipeline, adam);
    double oneWay = slow.seconds(1, (double) mlp.layers().get(0).outputShape().size() * micro * Float.BYTES);
    double stages = cost.sliceComputeSeconds(mlp, pipeline.stages().get(0), 0, micro)
        + cost.sliceComputeSeconds(mlp, pipeline.stages().get(1), 0, micro);
    assertTrue(oneWay > stages, "the wire must be the bottleneck here: " + oneWay + " s vs " + stages + " s");
    // One micro-batch through both stages, crossing forward and back once; the 7 others follow
    // one one-way transfer apart (were both directions summed, 2 transfers apart).
    assertEquals(stages + 2 * oneWay + 7 * oneWay, predicted.total() - predicted.update(), 1e-9);
  }

  /**
   * Between nodes that share cores, sending a micro-batch across a stage boundary takes the
   * sender's cores every time, so a pipeline on shared cores pays it M times; over an equally fast
   * wire between machines the sends overlap with computing.
   */
  @Test
  void onSharedCoresEveryMicroBatchsSendsCountInTheStageTime() {
    ModelSpec mlp = StandardModels.mlp(1);
    OptimizerSpec adam = OptimizerSpec.adam(1e-3f);
    Link shared = Link.onSharedCores(2e8, 200e-6);
    Link wire = new Link(2e8, 200e-6);
    int microBatches = 8;
    PartitionPlan pipeline = PartitionPlan.balanced(mlp, 1, new int[] {0, 1, 3}, new int[] {1, 1}, microBatches,
        PipelineSchedule.ONE_F_ONE_B, 128, List.of("a", "b"));
    StepPrediction onShared = new CostModel(Fixtures.machine(), shared).predict(mlp, pipeline, adam);
    StepPrediction overWire = new CostModel(Fixtures.machine(), wire).predict(mlp, pipeline, adam);
    assertEquals(0, overWire.exchange());
    // Stage 0 sends 16 samples' activations forward, stage 1 their gradient back: one message each.
    double send = shared.seconds(1, (double) mlp.layers().get(0).outputShape().size() * 16 * Float.BYTES);
    assertEquals(microBatches * send, onShared.exchange(), 1e-12);
    assertTrue(onShared.total() > overWire.total() + (microBatches - 2) * send, onShared.describe() + " vs "
        + overWire.describe());
  }
  /**
   * Cores that compute together share memory bandwidth and caches: a one-core node on a host whose
   * every core computes gets the all-thread rates per thread where those are slower than the
   * one-thread ones, and the one-thread rates when it computes alone.
   */
  @Test
  void coresComputingTogetherGetTheAllThreadRatesPerThread() {
    MachineProfile all = Fixtures.machine();
    // Alone, one thread runs GEMMs at 0.6 of the two threads' rate (0.5 per thread when both run)
    // and moves a float in 0.8 ns (1.0 per thread when both run); the other constants scale evenly.
    List<MachineProfile.GemmSample> alone = all.gemm().stream()
        .map(s -> new MachineProfile.GemmSample(s.minDim(), s.otherDim(), 0.6 * s.gflops())).toList();
    MachineProfile profile = all.withOneThread(new MachineProfile("test CPU", 2, 1, "java", alone, 0.8, 2.0, 16, 0,
        new MachineProfile.UpdateCost(0.6, 1.0, 1.6), 0, null));
    GemmShape small = new GemmShape(8, 512, 512);
    MachineProfile lone = profile.scaledToShare(1, 1);
    MachineProfile together = profile.scaledToShare(1, 2);
    assertEquals(profile.oneThread().gflops(small), lone.gflops(small), 1e-9);
    assertEquals(0.8, lone.nsPerFloat(), 1e-12);
    // GEMMs take the largest shape's factor, 0.5 / 0.6, at every shape.
    assertEquals(profile.oneThread().gflops(small) * 0.5 / 0.6, together.gflops(small), 1e-9);
    assertEquals(1.0, together.nsPerFloat(), 1e-12);
    assertEquals(2.0, together.nsPerPooled(), 1e-12);
    assertEquals(16, together.nsPerTranscendental(), 1e-12);
    assertEquals(1.6, together.update().adam(), 1e-12);
    assertEquals(0, together.nsPerCall(), 1e-12);
    // Half a core each (4 nodes on 2 cores): twice the time of a core under load.
    assertEquals(2.0, profile.scaledToShare(0.5, 2).nsPerFloat(), 1e-12);
    assertEquals(profile.scaledToShare(1).nsPerFloat(), profile.scaledToShare(1, 1).nsPerFloat(), 1e-12);
    // The model of a shared machine has all its cores busy.
    ModelSpec mlp = StandardModels.mlp(1);
    OptimizerSpec adam = OptimizerSpec.adam(1e-3f);
    assertEquals(new CostModel(together, Link.SAME_PROCESS).singleNodeStepSeconds(mlp, 64, adam),
        CostModel.sharedMachine(profile, 2, Link.SAME_PROCESS).singleNodeStepSeconds(mlp, 64, adam), 1e-15);
  }

  /**
   * Replicas all-reduce a shard's gradients bucket by bucket while the backward goes on: over a
   * wire between machines, the CNN's dense head (most of its parameters, the first bucket to be
   * final) travels during the convolutions' backward, so the step waits for less than the whole
   * ring, but at least for the last bucket, which is final only when the backward ends. The MLP is
   * one bucket and waits for all of its ring.
   */
  @Test
  void anAllReduceWaitsOnlyForWhatTheBackwardDoesNotHide() {
    CostModel cost = new CostModel(Fixtures.machine(), Fixtures.gigabit());
    OptimizerSpec adam = OptimizerSpec.adam(1e-3f);
    List<String> nodes = List.of("node-1", "node-2");
    ModelSpec cnn = StandardModels.cnn(1);
    int layers = cnn.layers().size();
    PartitionPlan cnnReplicas = PartitionPlan.balanced(cnn, 2, new int[] {0, layers}, new int[] {1}, 1,
        PipelineSchedule.GPIPE, 128, nodes);
    double exposed = cost.predict(cnn, cnnReplicas, adam).allReduce();
    long parameters = cnn.parameterCount();
    double wholeRing = Fixtures.gigabit().seconds(2, parameters * Float.BYTES)
        + parameters * 2.0 * Fixtures.machine().nsPerFloat() * 1e-9;
    long[] floats = cnn.layers().stream().mapToLong(l -> l.parameterCount(UnitRange.all(l.units()))).toArray();
    List<Integer> firsts = GradientBucketing.firstLayers(floats);
    assertEquals(2, firsts.size(), "the dense head and the convolutions: " + firsts);
    long lastBucket = 0;
    for (int layer = 0; layer < firsts.get(0); layer++) {
      lastBucket += floats[layer];
    }
    assertTrue(exposed < 0.9 * wholeRing, exposed + " s exposed of a " + wholeRing + " s ring");
    assertTrue(exposed >= Fixtures.gigabit().seconds(2, lastBucket * Float.BYTES), exposed + " s");

    ModelSpec mlp = StandardModels.mlp(1);
    PartitionPlan mlpReplicas = PartitionPlan.balanced(mlp, 2, new int[] {0, mlp.layers().size()}, new int[] {1}, 1,
        PipelineSchedule.GPIPE, 128, nodes);
    long mlpParameters = mlp.parameterCount();
    assertEquals(Fixtures.gigabit().seconds(2, mlpParameters * Float.BYTES)
        + mlpParameters * 2.0 * Fixtures.machine().nsPerFloat() * 1e-9, cost.predict(mlp, mlpReplicas, adam).allReduce(),
        1e-12);
  }
}
