package org.partita.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.train.LocalTrainer;
import org.partita.partitioner.PartitionPlan;
import org.partita.runtime.node.SameProcessRefs;

/**
 * Embedded nodes share a JVM, and with same-process delivery on (the default) the driver and the
 * shards resolve each other to the actors themselves: the driver its 4 shards, and each shard its
 * 3 peers, its own node's included — 16 resolutions at least, and none may miss (a reference resolved
 * before its actor registered would go through Artery for the session). Off, none; every message goes
 * through Artery as between machines. Either way 2 replicas × 2 slices of the MLP equal the
 * reference trainer within 1e-4.
 */
class SameProcessDeliveryTest {
  private static final List<String> NODES = List.of("node-1", "node-2");

  @ParameterizedTest(name = "same-process delivery {0}")
  @ValueSource(booleans = {true, false})
  void deliversInProcessOnlyWhenOnAndTrainsExactlyEitherWay(boolean on) {
    ModelSpec model = StandardModels.mlp(3);
    PartitionPlan plan = ExactnessCheck.plan(model, 2, new int[] {0, model.layers().size()}, new int[] {2}, 1, NODES);
    LocalTrainer reference = ExactnessCheck.reference(model);
    try (EmbeddedCluster cluster = EmbeddedCluster.start(NODES.size(),
        RuntimeSettings.defaults().withSameProcessDelivery(on))) {
      long before = SameProcessRefs.hits();
      long missedBefore = SameProcessRefs.misses();
      try (DistributedTrainer trainer = cluster.trainer(model, ExactnessCheck.config(), plan)) {
        ExactnessCheck.Outcome outcome = ExactnessCheck.compare(reference, trainer);
        System.out.println("same-process delivery " + on + ": " + ExactnessCheck.describe(plan, outcome));
        assertTrue(outcome.maxRelative() < ExactnessCheck.TOLERANCE, ExactnessCheck.describe(plan, outcome));
      }
      long resolved = SameProcessRefs.hits() - before;
      if (on) {
        assertTrue(resolved >= 16, "resolved in-process: " + resolved);
        assertEquals(0, SameProcessRefs.misses() - missedBefore, "references resolved through Artery although "
            + "their actors are in this JVM (resolved before they registered?)");
      } else {
        assertEquals(0, resolved, "resolved in-process with delivery off");
      }
    }
  }
}
