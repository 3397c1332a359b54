package org.partita.runtime.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.partita.models.blas.Blas;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.train.LocalTrainer;
import org.partita.partitioner.PartitionPlan;
import org.partita.runtime.ExactnessCheck;
import org.partita.runtime.RuntimeSettings;

/** The shard protocol without Akka: every plan of the matrix equals the reference trainer. */
class DirectTransportExactnessTest {

  static Stream<Arguments> cases() {
    return Stream.of(StandardModels.mlp(3), StandardModels.cnn(3), ExactnessCheck.averagePoolingCnn())
        .flatMap(model -> Stream.of(1, 4)
        .flatMap(m -> ExactnessCheck.plans(model, model.layers().size() / 2, m, List.of("local")).stream()
            .map(plan -> Arguments.of(model, plan))));
  }

  private static final java.util.Map<String, LocalTrainer> REFERENCES = new java.util.HashMap<>();

  /** The build runs this class on every core and again on one compute thread (runtime/pom.xml). */
  @org.junit.jupiter.api.BeforeAll
  static void sayComputeThreads() {
    System.out.println("compute threads around the GEMMs: " + org.partita.models.blas.Parallel.threads());
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void planEqualsReference(ModelSpec model, PartitionPlan plan) {
    LocalTrainer reference = REFERENCES.computeIfAbsent(model.name(), n -> ExactnessCheck.reference(model));
    DirectTransport transport = new DirectTransport(model, plan, ExactnessCheck.config().optimizer(), Blas.get());
    try (TrainingSession session = new TrainingSession(model, ExactnessCheck.config(), plan, transport,
        RuntimeSettings.defaults())) {
      ExactnessCheck.Outcome outcome = ExactnessCheck.compare(reference, session);
      System.out.println(ExactnessCheck.describe(plan, outcome));
      assertTrue(outcome.maxRelative() < ExactnessCheck.TOLERANCE, ExactnessCheck.describe(plan, outcome));
    }
  }

  static Stream<Arguments> recurrentCases() {
    return ExactnessCheck.recurrentModels().stream().flatMap(model -> Stream.of(1, 4)
        .flatMap(m -> ExactnessCheck.plans(model, 1, m, List.of("local")).stream()
            .map(plan -> Arguments.of(model, plan))));
  }

  /**
   * Recurrent layers split by hidden units (h_t all-gathered and dh reduce-scattered every time
   * step), alone, with pipeline stages (a sequence output handed to the next stage's slices),
   * and on replicas.
   */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("recurrentCases")
  void recurrentPlanEqualsReference(ModelSpec model, PartitionPlan plan) {
    planEqualsReference(model, plan);
  }

  /**
   * Replicas of one shard each apply their update themselves, without the driver's ApplyUpdate,
   * so each also computes the clipping scale itself: with a norm limit every step exceeds, 1, 2
   * and 3 replicas (and, for contrast, 2 slices, which wait for the driver's global scale) still
   * equal the reference, which clips the whole batch's gradient.
   */
  @Test
  void replicasApplyingTheirOwnUpdatesClipLikeTheReference() {
    ModelSpec model = StandardModels.mlp(3);
    org.partita.models.optim.OptimizerSpec clipped = new org.partita.models.optim.OptimizerSpec(
        new org.partita.models.optim.UpdateRule.Momentum(0.9f, false), 0.05f,
        new org.partita.models.optim.LearningRateSchedule.Constant(), 1e-4f, 1e-3f);
    org.partita.models.train.TrainingConfig config = new org.partita.models.train.TrainingConfig(1,
        ExactnessCheck.BATCH, 11, clipped);
    LocalTrainer reference = new LocalTrainer(model, config, Blas.get());
    reference.fit(ExactnessCheck.data(model), null, org.partita.models.train.TrainingListener.NONE);
    int layers = model.layers().size();
    for (PartitionPlan plan : List.of(
        ExactnessCheck.plan(model, 1, new int[] {0, layers}, new int[] {1}, 1, List.of("local")),
        ExactnessCheck.plan(model, 2, new int[] {0, layers}, new int[] {1}, 1, List.of("local")),
        ExactnessCheck.plan(model, 3, new int[] {0, layers}, new int[] {1}, 4, List.of("local")),
        ExactnessCheck.plan(model, 1, new int[] {0, layers}, new int[] {2}, 1, List.of("local")))) {
      DirectTransport transport = new DirectTransport(model, plan, clipped, Blas.get());
      try (TrainingSession session = new TrainingSession(model, config, plan, transport, RuntimeSettings.defaults())) {
        ExactnessCheck.Outcome outcome = ExactnessCheck.compare(reference, session);
        System.out.println("clipped at 1e-3: " + ExactnessCheck.describe(plan, outcome));
        assertTrue(outcome.maxRelative() < ExactnessCheck.TOLERANCE, "clipped at 1e-3: "
            + ExactnessCheck.describe(plan, outcome));
      }
    }
  }

  /**
   * 31 samples in batches of 30 over 3 replicas: the last batch has one sample, so two replicas
   * get none and still take part in the all-reduce with zero gradients; the loss is the mean over
   * the one sample, as in the reference.
   */
  @Test
  void replicasWithoutSamplesStillAllReduce() {
    ModelSpec model = StandardModels.mlp(3);
    org.partita.models.data.ArrayDataset data = org.partita.models.data.SyntheticData.blobs("blobs",
        model.inputShape(), 10, 31, 0.8f, 5);
    LocalTrainer reference = new LocalTrainer(model, ExactnessCheck.config(), Blas.get());
    reference.fit(data, null, org.partita.models.train.TrainingListener.NONE);
    PartitionPlan plan = ExactnessCheck.plan(model, 3, new int[] {0, model.layers().size()}, new int[] {1}, 1,
        List.of("local"));
    DirectTransport transport = new DirectTransport(model, plan, ExactnessCheck.config().optimizer(), Blas.get());
    try (TrainingSession session = new TrainingSession(model, ExactnessCheck.config(), plan, transport,
        RuntimeSettings.defaults())) {
      session.fit(data, null, org.partita.models.train.TrainingListener.NONE);
      org.partita.runtime.TrainedModel trained = session.collect();
      assertEquals(2, trained.step(), "a step of 30 and a step of 1");
      org.partita.runtime.StepTimings timings = session.timings();
      assertEquals(2, timings.steps());
      assertTrue(timings.computeSeconds() > 0 && timings.allReduceSeconds() > 0
          && timings.stepSeconds() >= timings.computeSeconds(), timings.describe());
      double[] worst = ExactnessCheck.differences(reference.network().parameters(), trained.network().parameters());
      assertTrue(worst[1] < ExactnessCheck.TOLERANCE, "max relative difference " + worst[1]);
    }
  }

  /**
   * Every training step's timeline reaches a listener that asks for it, before the step's
   * progress: every shard of 2 replicas × 2 stages with its spans in order from its RunStep, the
   * gradient all-reduce among the replicas as exchange spans.
   */
  @Test
  void listenerHearsEveryStepsTimelineOfEveryShard() {
    ModelSpec model = StandardModels.mlp(3);
    PartitionPlan plan = ExactnessCheck.plan(model, 2, new int[] {0, 2, model.layers().size()}, new int[] {1, 1}, 2,
        List.of("local"));
    List<org.partita.runtime.StepTimeline> timelines = new java.util.ArrayList<>();
    List<Long> order = new java.util.ArrayList<>();
    class Watcher implements org.partita.models.train.TrainingListener, org.partita.runtime.StepTimeline.Listener {
      @Override
      public void onStepTimeline(org.partita.runtime.StepTimeline timeline) {
        timelines.add(timeline);
        order.add(-timeline.step());
      }

      @Override
      public void onStep(org.partita.models.train.StepMetrics metrics) {
        order.add(metrics.globalStep());
      }
    }
    org.partita.models.data.ArrayDataset data = org.partita.models.data.SyntheticData.blobs("blobs",
        model.inputShape(), 10, 90, 0.8f, 5);
    DirectTransport transport = new DirectTransport(model, plan, ExactnessCheck.config().optimizer(), Blas.get());
    try (TrainingSession session = new TrainingSession(model, ExactnessCheck.config(), plan, transport,
        RuntimeSettings.defaults())) {
      session.fit(data, null, new Watcher());
    }
    assertEquals(List.of(-1L, 1L, -2L, 2L, -3L, 3L), order, "each step's timeline just before its progress");
    boolean exchanged = false;
    for (org.partita.runtime.StepTimeline timeline : timelines) {
      assertEquals(java.util.Set.copyOf(plan.shards()), timeline.shards().stream()
          .map(org.partita.runtime.StepTimeline.Shard::id).collect(java.util.stream.Collectors.toSet()));
      for (org.partita.runtime.StepTimeline.Shard shard : timeline.shards()) {
        List<org.partita.runtime.StepTimeline.Span> spans = shard.spans();
        assertTrue(!spans.isEmpty() && spans.size() <= 64, shard.id() + ": " + spans.size() + " spans");
        assertEquals(0, spans.get(0).begin(), shard.id() + " starts with its RunStep");
        double last = 0;
        for (org.partita.runtime.StepTimeline.Span span : spans) {
          assertTrue(span.begin() >= last && span.end() >= span.begin(), shard.id() + " spans in order: " + spans);
          last = span.end();
          exchanged |= span.kind() == org.partita.runtime.StepTimeline.Kind.EXCHANGE;
        }
        assertTrue(shard.computeSeconds() > 0 && "local".equals(shard.node()), shard.toString());
      }
    }
    assertTrue(exchanged, "the replicas' all-reduce shows as exchange spans");
  }
}
