package org.partita.runtime.driver;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jblas.FloatMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.partita.models.blas.Blas;
import org.partita.models.data.StreamWindows;
import org.partita.models.network.ModelSpec;
import org.partita.partitioner.PartitionPlan;
import org.partita.runtime.CarriedStreams;
import org.partita.runtime.ClusterException;
import org.partita.runtime.ExactnessCheck;
import org.partita.runtime.RuntimeSettings;

/**
 * Carried recurrent streams on the shard protocol without Akka: every plan of the exactness matrix
 * (slices, which carry the whole h and their own cells; stages; replicas, each with its own
 * streams; hybrids) with 1 and 2 micro-batches equals the reference trainer (see {@link CarriedStreams}).
 */
class CarriedStreamsExactnessTest {
  private static final Map<String, CarriedStreams.Reference> REFERENCES = new HashMap<>();

  static Stream<Arguments> cases() {
    return CarriedStreams.models().stream().flatMap(model -> Stream.of(1, 2)
        .flatMap(m -> ExactnessCheck.plans(model, 1, m, List.of("local"), CarriedStreams.STREAMS).stream()
            .map(plan -> Arguments.of(model, plan))));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void planEqualsReference(ModelSpec model, PartitionPlan plan) {
    CarriedStreams.Reference reference = REFERENCES.computeIfAbsent(model.name(), n -> CarriedStreams.reference(model));
    DirectTransport transport = new DirectTransport(model, plan, CarriedStreams.config().optimizer(), Blas.get());
    try (TrainingSession session = new TrainingSession(model, CarriedStreams.config(), plan, transport,
        RuntimeSettings.defaults())) {
      ExactnessCheck.Outcome outcome = CarriedStreams.compare(reference, session);
      System.out.println(model.name() + " " + ExactnessCheck.describe(plan, outcome));
      assertTrue(outcome.maxRelative() < ExactnessCheck.TOLERANCE, ExactnessCheck.describe(plan, outcome));
    }
  }

  /**
   * A batch that cuts the streams differently from the one before cannot continue them: the shards
   * refuse it, naming the micro-batch, instead of starting from another group's state.
   */
  @Test
  void aBatchOfOtherStreamsCannotCarryTheirState() {
    ModelSpec model = CarriedStreams.models().get(0);
    PartitionPlan plan = ExactnessCheck.plan(model, 1, new int[] {0, model.layers().size()}, new int[] {2}, 1,
        List.of("local"), CarriedStreams.STREAMS);
    StreamWindows windows = CarriedStreams.train();
    int rows = model.outputClasses() * model.outputGroups();
    DirectTransport transport = new DirectTransport(model, plan, CarriedStreams.config().optimizer(), Blas.get());
    try (TrainingSession session = new TrainingSession(model, CarriedStreams.config(), plan, transport,
        RuntimeSettings.defaults())) {
      FloatMatrix inputs = new FloatMatrix(model.inputShape().size(), CarriedStreams.STREAMS);
      FloatMatrix targets = new FloatMatrix(rows, CarriedStreams.STREAMS);
      windows.copyBatch(null, 0, CarriedStreams.STREAMS, inputs, targets);
      session.trainStep(inputs, targets, 0);
      session.carryRecurrentState();
      FloatMatrix fewer = new FloatMatrix(model.inputShape().size(), 4);
      FloatMatrix fewerTargets = new FloatMatrix(rows, 4);
      windows.copyBatch(null, CarriedStreams.STREAMS, 4, fewer, fewerTargets);
      ClusterException refused = assertThrows(ClusterException.class, () -> session.trainStep(fewer, fewerTargets, 0));
      assertTrue(refused.getMessage().contains("micro-batch 0 (4 samples) did not finish that round here; carried"
          + " streams need the same split in consecutive rounds"), refused.getMessage());
    }
  }
}
