package org.partita.proto;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Fully populated sample messages for the round-trip tests. */
final class Samples {
  private Samples() {}

  enum Optimizer { SGD, MOMENTUM, ADAM }

  static final int VERSION = FormatVersionProto.FORMAT_VERSION_CURRENT_VALUE;

  static TensorProto tensor() {
    float[] values = {1f, -2.5f, 3.25f, Float.MIN_VALUE, -0f, 1e30f};
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    return TensorProto.newBuilder().addShape(3).addShape(2).setData(ByteString.copyFrom(bytes)).build();
  }

  static ModelSpecProto modelSpec() {
    return ModelSpecProto.newBuilder()
        .setFormatVersion(VERSION)
        .setName("every-layer")
        .addInputShape(1).addInputShape(28).addInputShape(28)
        .addLayers(LayerSpecProto.newBuilder().setEmbedding(EmbeddingSpecProto.newBuilder()
            .setVocabulary(100).setDim(16).setTimeSteps(49)))
        .addLayers(LayerSpecProto.newBuilder().setConv2D(Conv2DSpecProto.newBuilder()
            .setInChannels(1).setInHeight(28).setInWidth(28).setOutChannels(8)
            .setKernelHeight(3).setKernelWidth(3).setStride(1).setPadding(1)
            .setActivation(ActivationFunctionProto.RELU)))
        .addLayers(LayerSpecProto.newBuilder().setMaxPool2D(MaxPool2DSpecProto.newBuilder()
            .setChannels(8).setInHeight(28).setInWidth(28).setPoolSize(2).setStride(2)))
        .addLayers(LayerSpecProto.newBuilder().setAvgPool2D(AvgPool2DSpecProto.newBuilder()
            .setChannels(8).setInHeight(14).setInWidth(14).setPoolHeight(2).setPoolWidth(2).setStride(2)))
        .addLayers(LayerSpecProto.newBuilder().setFlatten(FlattenSpecProto.newBuilder()
            .setChannels(8).setHeight(14).setWidth(14)))
        .addLayers(LayerSpecProto.newBuilder().setDropout(DropoutSpecProto.newBuilder()
            .setFeatures(1568).setRate(0.25f)))
        .addLayers(LayerSpecProto.newBuilder().setSimpleRnn(SimpleRnnSpecProto.newBuilder()
            .setInputs(56).setHidden(32).setTimeSteps(28).setReturnSequences(true)))
        .addLayers(LayerSpecProto.newBuilder().setLstm(LstmSpecProto.newBuilder()
            .setInputs(32).setHidden(64).setTimeSteps(28).setReturnSequences(true).setForgetBias(1f)))
        .addLayers(LayerSpecProto.newBuilder().setGru(GruSpecProto.newBuilder()
            .setInputs(64).setHidden(64).setTimeSteps(28).setReturnSequences(true)))
        .addLayers(LayerSpecProto.newBuilder().setDense(DenseSpecProto.newBuilder()
            .setInputs(64).setOutputs(10).setActivation(ActivationFunctionProto.IDENTITY).setTimeSteps(28)))
        .setLoss(LossSpecProto.newBuilder().setKind(LossKindProto.SOFTMAX_CROSS_ENTROPY))
        .setInitSeed(1234)
        .build();
  }

  static OptimizerSpecProto optimizer(Optimizer kind) {
    OptimizerSpecProto.Builder builder = OptimizerSpecProto.newBuilder()
        .setLearningRate(0.001f)
        .setWeightDecay(1e-4f)
        .setClipGlobalNorm(5f);
    switch (kind) {
      case SGD -> builder.setSgd(SgdProto.getDefaultInstance())
          .setSchedule(LearningRateScheduleProto.newBuilder()
              .setConstant(ConstantScheduleProto.getDefaultInstance()));
      case MOMENTUM -> builder.setMomentum(MomentumProto.newBuilder().setMomentum(0.9f).setNesterov(true))
          .setSchedule(LearningRateScheduleProto.newBuilder()
              .setStep(StepScheduleProto.newBuilder().setStepSize(1000).setGamma(0.5f)));
      case ADAM -> builder.setAdam(AdamProto.newBuilder().setBeta1(0.9f).setBeta2(0.999f).setEpsilon(1e-8f))
          .setSchedule(LearningRateScheduleProto.newBuilder()
              .setCosine(CosineScheduleProto.newBuilder().setTotalSteps(10_000)
                  .setMinLearningRate(1e-5f).setWarmupSteps(100)));
    }
    return builder.build();
  }

  static UnitRangeProto range(int begin, int end) {
    return UnitRangeProto.newBuilder().setBegin(begin).setEnd(end).build();
  }

  static ShardIdProto shardId() {
    return ShardIdProto.newBuilder().setReplica(1).setStage(1).setSlice(2).build();
  }

  static PartitionPlanProto plan() {
    return PartitionPlanProto.newBuilder()
        .setFormatVersion(VERSION)
        .setReplicas(2)
        .addStages(StageProto.newBuilder().setFirstLayer(0).setEndLayer(2).setSliceCount(2)
            .addLayers(LayerSplitProto.newBuilder().setLayer(0).addSlices(range(0, 4)).addSlices(range(4, 8)))
            .addLayers(LayerSplitProto.newBuilder().setLayer(1).addSlices(range(0, 4)).addSlices(range(4, 8))))
        .addStages(StageProto.newBuilder().setFirstLayer(2).setEndLayer(3).setSliceCount(1)
            .addLayers(LayerSplitProto.newBuilder().setLayer(2).addSlices(range(0, 10))))
        .setMicroBatches(4)
        .setSchedule(PipelineScheduleProto.ONE_F_ONE_B)
        .addPlacements(PlacementProto.newBuilder().setShard(shardId()).setNode("w3"))
        .setGlobalBatch(256)
        .build();
  }

  static ShardStateProto shardState() {
    return ShardStateProto.newBuilder()
        .setFormatVersion(VERSION)
        .setShard(shardId())
        .setStep(42)
        .addParameters(ParameterProto.newBuilder().setLayer(3).setKind(ParameterKindProto.WEIGHTS)
            .setUnits(range(5, 10)).setValue(tensor()))
        .addOptimizerState(OptimizerStateProto.newBuilder().setLayer(3)
            .setParameter(ParameterKindProto.WEIGHTS).setSlot(OptimizerSlotProto.ADAM_SECOND_MOMENT)
            .setUnits(range(5, 10)).setValue(tensor()))
        .setOptimizerSteps(42)
        .build();
  }

  static ShardFileRefProto shardFileRef() {
    return ShardFileRefProto.newBuilder().setShard(shardId()).setFileName("shard-r1-s1-p2.pb")
        .setSizeBytes(4096).setSha256(ByteString.copyFrom(new byte[32]).concat(ByteString.copyFromUtf8("x")))
        .build();
  }

  static CheckpointManifestProto manifest() {
    return CheckpointManifestProto.newBuilder()
        .setFormatVersion(VERSION)
        .setModel(modelSpec())
        .setPlan(plan())
        .setOptimizer(optimizer(Optimizer.MOMENTUM))
        .setStep(42)
        .setEpoch(3)
        .setSeed(7)
        .setDataPosition(DataPositionProto.newBuilder().setEpoch(3).setBatchInEpoch(17).setShuffleSeed(99)
            .setPreparation(DataPreparationProto.newBuilder().setFormat("csv")
                .setFeatures(StandardizationProto.newBuilder().addMean(0.5).addMean(-2).addStd(1.5).addStd(0))
                .addFeatureNames("width").addFeatureNames("height").addClassNames("small").addClassNames("large")
                .addLabelNames("size").setTargets(StandardizationProto.newBuilder().addMean(3).addStd(2))))
        .addShards(shardFileRef())
        .setCreatedUnixMillis(1_795_000_000_000L)
        .build();
  }

  static StepRefProto stepRef() {
    return StepRefProto.newBuilder().setStep(42).setMicroBatch(3).build();
  }

  static LayerOutputProto layerOutput() {
    return LayerOutputProto.newBuilder().setStep(stepRef()).setSender(shardId()).setLayer(4)
        .setUnits(range(16, 32)).setTimeStep(5).setValues(tensor()).setRecurrentState(true).build();
  }

  static InputGradientProto inputGradient() {
    return InputGradientProto.newBuilder().setStep(stepRef()).setSender(shardId()).setLayer(4)
        .setUnits(range(8, 16)).setTimeStep(5).setValues(tensor()).setRecurrentState(true).build();
  }

  static InputsProto inputs() {
    return InputsProto.newBuilder().setStep(stepRef()).setInputs(tensor()).build();
  }

  static TargetsProto targets() {
    return TargetsProto.newBuilder().setStep(stepRef()).setTargets(tensor()).build();
  }

  static AllReduceChunkProto allReduceChunk() {
    return AllReduceChunkProto.newBuilder().setStep(42).setStage(1).setSlice(2).setFromReplica(1)
        .setPhase(AllReducePhaseProto.ALL_GATHER).setRound(2).setChunk(3).setValues(tensor()).setBucket(1).build();
  }

  static AssignShardProto assignShard() {
    return AssignShardProto.newBuilder().setShard(shardId()).setModel(modelSpec()).setPlan(plan())
        .setOptimizer(optimizer(Optimizer.SGD)).setInitialState(shardState()).setSession("run-7")
        .setDriver("akka://partita@127.0.0.1:25520/user/driver-run-7#1").build();
  }

  static MachineProfileProto machineProfile() {
    return measuredProfile(2, 150.5).toBuilder().setOneThread(measuredProfile(1, 101.5)).build();
  }

  private static MachineProfileProto measuredProfile(int threads, double gflops) {
    return MachineProfileProto.newBuilder().setFormatVersion(VERSION).setCpu("AMD EPYC").setCores(2)
        .setThreads(threads).addGemm(GemmSampleProto.newBuilder().setMinDim(64).setOtherDim(1024).setGflops(gflops))
        .setNsPerFloat(0.8 / threads).setNsPerPooledElement(1.2 / threads).setNsPerTranscendental(3.5)
        .setNsPerCall(2000).setMeasuredUnixMillis(1_795_000_000_000L).setBlas("openblas").setNsPerSgdUpdate(0.3)
        .setNsPerMomentumUpdate(0.5).setNsPerAdamUpdate(1.1).build();
  }
}
