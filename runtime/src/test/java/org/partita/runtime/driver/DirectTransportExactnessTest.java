package org.partita.runtime.driver;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
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
    return Stream.of(StandardModels.mlp(3), StandardModels.cnn(3)).flatMap(model -> Stream.of(1, 4)
        .flatMap(m -> ExactnessCheck.plans(model, model.layers().size() / 2, m, List.of("local")).stream()
            .map(plan -> Arguments.of(model, plan))));
  }

  private static final java.util.Map<String, LocalTrainer> REFERENCES = new java.util.HashMap<>();

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
}
