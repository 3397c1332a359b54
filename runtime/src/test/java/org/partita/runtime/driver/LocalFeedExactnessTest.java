package org.partita.runtime.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.partita.models.blas.Blas;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.Dataset;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.PartitionedBatches;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.models.train.TrainingLoop;
import org.partita.partitioner.PartitionPlan;
import org.partita.runtime.ClusterException;
import org.partita.runtime.ExactnessCheck;
import org.partita.runtime.LocalSamples;
import org.partita.runtime.RuntimeSettings;
import org.partita.runtime.TrainedModel;

/**
 * Samples kept by the replicas (as in Spark partitions): each replica's first shard feeds its
 * share of every batch, the driver sends only batch numbers. Two epochs, so the per-replica
 * reshuffle is exercised; the reference trains on the same global batches assembled in one process.
 */
class LocalFeedExactnessTest {
  private static final TrainingConfig CONFIG = new TrainingConfig(2, ExactnessCheck.BATCH, 11,
      ExactnessCheck.config().optimizer());

  static Stream<Arguments> plans() {
    ModelSpec mlp = StandardModels.mlp(3);
    int layers = mlp.layers().size();
    List<String> nodes = List.of("local");
    return Stream.of(
        Arguments.of(mlp, ExactnessCheck.plan(mlp, 2, new int[] {0, layers}, new int[] {1}, 1, nodes), 290),
        Arguments.of(mlp, ExactnessCheck.plan(mlp, 2, new int[] {0, layers}, new int[] {2}, 2, nodes), 290),
        Arguments.of(mlp, ExactnessCheck.plan(mlp, 1, new int[] {0, 1, layers}, new int[] {2, 1}, 2, nodes), 290),
        Arguments.of(mlp, ExactnessCheck.plan(mlp, 3, new int[] {0, layers}, new int[] {1}, 1, nodes), 31));
  }

  @ParameterizedTest(name = "{1}, {2} samples")
  @MethodSource("plans")
  void keptSamplesTrainLikeTheReferenceOnTheSameGlobalBatches(ModelSpec model, PartitionPlan plan, int samples) {
    ArrayDataset data = org.partita.models.data.SyntheticData.blobs("blobs", model.inputShape(), 10, samples, 0.8f, 5);
    PartitionedBatches batches = new PartitionedBatches(samples, CONFIG.batchSize(), plan.replicas(), 17);
    List<ArrayDataset> kept = data.splitFor(batches);
    LocalTrainer reference = new LocalTrainer(model, CONFIG, Blas.get());
    TrainingLoop.fit(reference, CONFIG, batches.feed(new ArrayList<Dataset>(kept), reference), null,
        TrainingListener.NONE, null, null);
    List<LocalSamples> local = new ArrayList<>();
    for (int r = 0; r < kept.size(); r++) {
      local.add(new LocalSamples(r, kept.get(r), batches));
    }
    DirectTransport transport = new DirectTransport(model, plan, CONFIG.optimizer(), Blas.get(), null, local);
    try (TrainingSession session = new TrainingSession(model, CONFIG, plan, transport, RuntimeSettings.defaults())) {
      TrainingLoop.fit(session, CONFIG, session.localFeed(batches), null, TrainingListener.NONE, null, null);
      TrainedModel trained = session.collect();
      assertEquals(reference.step(), trained.step());
      double[] worst = ExactnessCheck.differences(reference.network().parameters(), trained.network().parameters());
      System.out.printf("%s, %d kept samples: max |Δ| %.3e, max relative %.3e%n", plan.describe(), samples, worst[0],
          worst[1]);
      assertTrue(worst[1] < ExactnessCheck.TOLERANCE, "max relative difference " + worst[1]);
    }
  }

  @Test
  void aReplicaWhoseSamplesAreElsewhereIsNamed() {
    ModelSpec model = StandardModels.mlp(3);
    PartitionPlan plan = ExactnessCheck.plan(model, 2, new int[] {0, model.layers().size()}, new int[] {1}, 1,
        List.of("local"));
    ArrayDataset data = org.partita.models.data.SyntheticData.blobs("blobs", model.inputShape(), 10, 60, 0.8f, 5);
    PartitionedBatches batches = new PartitionedBatches(60, CONFIG.batchSize(), 2, 17);
    List<ArrayDataset> kept = data.splitFor(batches);
    DirectTransport transport = new DirectTransport(model, plan, CONFIG.optimizer(), Blas.get(), null,
        List.of(new LocalSamples(0, kept.get(0), batches)));
    try (TrainingSession session = new TrainingSession(model, CONFIG, plan, transport, RuntimeSettings.defaults())) {
      ClusterException missing = assertThrows(ClusterException.class,
          () -> session.localFeed(batches).trainStep(0, 0, 0, batches.batchSamples(0)));
      assertTrue(missing.getMessage().contains("keeps no samples") && missing.getMessage().contains("replica 1"),
          missing.getMessage());
    }
  }
}
