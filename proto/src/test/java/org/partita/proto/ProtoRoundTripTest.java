package org.partita.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every top-level wire and file message survives serialize → parse unchanged. Samples are fully
 * populated (checked through the descriptors), so a field added to a schema without a sample here
 * fails the test instead of going untested.
 */
class ProtoRoundTripTest {

  static Stream<Message> samples() {
    return Stream.of(
        Samples.tensor(),
        Samples.modelSpec(),
        Samples.optimizer(Samples.Optimizer.ADAM),
        Samples.plan(),
        Samples.shardState(),
        Samples.manifest(),
        Samples.layerOutput(),
        Samples.inputGradient(),
        Samples.inputs(),
        Samples.targets(),
        Samples.allReduceChunk(),
        Samples.assignShard(),
        Samples.machineProfile(),
        ShardReadyProto.newBuilder().setShard(Samples.shardId()).setNode("w1").setActorRef("akka://partita/user/s")
            .setError("out of memory").setLinksEndpoint("10.0.0.6:25600").build(),
        ConnectShardsProto.newBuilder().addShards(ShardAddressProto.newBuilder().setShard(Samples.shardId())
            .setNode("w1").setActorRef("akka://partita/user/s").setLinksEndpoint("10.0.0.6:25600")).build(),
        ContinueRoundProto.newBuilder().setStep(42).build(),
        LinkFrameHeaderProto.newBuilder().setTargetRef("akka://partita@10.0.0.6:25520/user/shard-1-r0-s0-p0")
            .setManifest("SHARD|partita.LayerOutputProto").build(),
        ShardsConnectedProto.newBuilder().setShard(Samples.shardId()).build(),
        DescribeNodeProto.newBuilder().setReplyTo("akka://partita/temp/$a").build(),
        NodeInfoProto.newBuilder().setName("w1").setAddress("127.0.0.1:25521").setCores(2)
            .setMaxMemoryBytes(1L << 33).setGuardianRef("akka://partita/user").setBlas("openblas")
            .setLinkEchoRef("akka://partita/user/link-echo").setProcess("4242@host-a").build(),
        LinkProbeProto.newBuilder().setSequence(7).setReplyTo("akka://partita/user/probe-1")
            .setPayload(Samples.tensor()).build(),
        LinkProbeReplyProto.newBuilder().setSequence(7).setNode("w1").setError("payload holds 3 bytes").build(),
        RunStepProto.newBuilder().setStep(42).setMicroBatches(4).setSamples(128).setKind(StepKindProto.TRAIN)
            .setOptimizerStep(40).setFirstSample(128).setGlobalSamples(256)
            .setLocalFeed(LocalFeedProto.newBuilder().setEpoch(3).setBatch(17)).setCarryState(true).setApplyLocally(true).build(),
        GradientsReadyProto.newBuilder().setShard(Samples.shardId()).setStep(42).setSumOfSquares(3.5)
            .setNonFinite("layer 2 WEIGHTS").setComputeNanos(41_000_000).setAllReduceNanos(5_000_000)
            .setLossSum(12.5).setCorrect(90).addSpans(TimeSpanProto.newBuilder().setBeginNanos(1_000)
                .setEndNanos(41_000_000).setKind(SpanKindProto.SPAN_COMPUTE)).build(),
        ApplyUpdateProto.newBuilder().setStep(42).setGradientScale(0.5f).build(),
        TrainingOutcomeProto.newBuilder().setModel(Samples.modelSpec()).setOptimizer(Samples.optimizer(Samples.Optimizer.ADAM))
            .setState(Samples.shardState()).setPlan("2 replicas").setResumedFromStep(40).setSamplesPerSecond(1900.5)
            .addEpochs(EpochOutcomeProto.newBuilder().setEpoch(1).setTrainLoss(0.5).setTrainAccuracy(0.8)
                .setSeconds(12.5)).build(),
        StepDoneProto.newBuilder().setShard(Samples.shardId()).setStep(42).setLossSum(12.5)
            .setCorrect(90).setSamples(128).build(),
        AbortStepProto.newBuilder().setStep(42).setReason("node w2 unreachable").build(),
        ShardStatusQueryProto.newBuilder().setStep(42).build(),
        ShardStatusProto.newBuilder().setShard(Samples.shardId()).setNode("w1").setStep(42).setPhase("FORWARD")
            .setWaitingFor("outputs of layer 2").build(),
        FetchStateProto.newBuilder().setStep(42).setChunk(3).build(),
        ShardStateChunkProto.newBuilder().setShard(Samples.shardId()).setIndex(1).setCount(3)
            .setData(ByteString.copyFromUtf8("state")).build(),
        ReleaseShardProto.newBuilder().setReason("training finished").build(),
        SaveShardProto.newBuilder().setStep(42).setDirectory("/tmp/ckpt/step-42").build(),
        ShardSavedProto.newBuilder().setFile(Samples.shardFileRef()).setStep(42).build(),
        NodeLostProto.newBuilder().setNode("w2").setAddress("akka://partita@127.0.0.1:25522")
            .setReason("unreachable").build(),
        ShardFailureProto.newBuilder().setShard(Samples.shardId()).setStep(42)
            .setMessage("loss is NaN").setDiverged(true).build());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void survivesSerializeAndParse(Message sample) throws Exception {
    List<String> unset = fieldsNeverSet(sample);
    assertTrue(unset.isEmpty(), "sample leaves fields unset, so they are not round-tripped: " + unset);

    byte[] bytes = sample.toByteArray();
    Message parsed = sample.getParserForType().parseFrom(bytes);
    assertEquals(sample, parsed);
    assertEquals(ByteString.copyFrom(bytes), parsed.toByteString());
  }

  /** A message added to runtime.proto without a sample above fails here. */
  @Test
  void everyRuntimeMessageHasASample() {
    Set<String> sampled = new HashSet<>();
    samples().forEach(sample -> sampled.add(sample.getDescriptorForType().getFullName()));
    List<String> missing = new ArrayList<>();
    for (Descriptor type : org.partita.proto.Runtime.getDescriptor().getMessageTypes()) {
      boolean nested = type.getName().equals("StepRefProto") || type.getName().equals("ShardAddressProto")
          || type.getName().equals("LocalFeedProto") || type.getName().equals("EpochOutcomeProto")
          || type.getName().equals("TimeSpanProto");
      if (!nested && !sampled.contains(type.getFullName())) {
        missing.add(type.getName());
      }
    }
    assertTrue(missing.isEmpty(), "runtime messages without a round-trip sample: " + missing);
  }

  /** Each oneof needs only one member set; the other optimizer and layer kinds have own samples. */
  @Test
  void everyOneofMemberHasASample() throws Exception {
    for (Samples.Optimizer kind : Samples.Optimizer.values()) {
      OptimizerSpecProto spec = Samples.optimizer(kind);
      assertEquals(spec, OptimizerSpecProto.parseFrom(spec.toByteArray()));
    }
    ModelSpecProto model = Samples.modelSpec();
    List<LayerSpecProto.KindCase> kinds = new ArrayList<>();
    model.getLayersList().forEach(layer -> kinds.add(layer.getKindCase()));
    for (LayerSpecProto.KindCase kind : LayerSpecProto.KindCase.values()) {
      if (kind != LayerSpecProto.KindCase.KIND_NOT_SET) {
        assertTrue(kinds.contains(kind), "no sample layer of kind " + kind);
      }
    }
  }

  /** Persisted messages must say which format they are in, so old readers can refuse new files. */
  @Test
  void persistedMessagesCarryAFormatVersion() {
    for (Message persisted : List.<Message>of(Samples.modelSpec(), Samples.plan(),
        Samples.shardState(), Samples.manifest(), Samples.machineProfile())) {
      FieldDescriptor version = persisted.getDescriptorForType().findFieldByName("format_version");
      assertTrue(version != null, persisted.getDescriptorForType().getName() + " has no format_version");
      assertEquals(FormatVersionProto.FORMAT_VERSION_CURRENT_VALUE, persisted.getField(version));
    }
  }

  /**
   * Names every field of every message type reached from {@code root} that is never given a
   * non-default value anywhere in the sample. Zero is a legitimate value (a range starting at unit
   * 0), so each field needs to be exercised once, not at every occurrence. For a oneof, one member
   * suffices.
   */
  private static List<String> fieldsNeverSet(Message root) {
    Map<Descriptor, Set<FieldDescriptor>> seen = new LinkedHashMap<>();
    visit(root, seen);
    List<String> never = new ArrayList<>();
    seen.forEach((type, set) -> {
      for (FieldDescriptor field : type.getFields()) {
        OneofDescriptor oneof = field.getRealContainingOneof();
        boolean covered = oneof == null ? set.contains(field)
            : oneof.getFields().stream().anyMatch(set::contains);
        if (!covered) {
          never.add(type.getName() + "." + (oneof == null ? field.getName() : oneof.getName()));
        }
      }
    });
    return never.stream().distinct().toList();
  }

  private static void visit(Message message, Map<Descriptor, Set<FieldDescriptor>> seen) {
    Set<FieldDescriptor> set = seen.computeIfAbsent(message.getDescriptorForType(), t -> new HashSet<>());
    // getAllFields lists exactly the fields holding a non-default value (proto3 semantics).
    message.getAllFields().forEach((field, value) -> {
      set.add(field);
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (field.isRepeated()) {
          ((List<?>) value).forEach(element -> visit((Message) element, seen));
        } else {
          visit((Message) value, seen);
        }
      }
    });
  }
}
