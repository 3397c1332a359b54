package org.partita.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.partita.models.blas.Blas;
import org.partita.models.data.ArrayDataset;
import org.partita.models.data.SyntheticData;
import org.partita.models.layers.Activation;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.Shape;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.partitioner.PartitionPlan;
import org.partita.partitioner.PipelineSchedule;

/**
 * Oversized activations pass. A 784→4096→10 network split into two slices on two embedded nodes,
 * global batch 512 in one micro-batch: each slice all-gathers its 2048 × 512 hidden outputs to
 * the other and reduce-scatters 2048 × 512 input gradients back, 4 MiB messages, sixteen times
 * Artery's default 256 KiB frame, which Artery would drop with only a log line on the sender.
 * After two steps every parameter equals the reference trainer's within 1e-4 relative, so the
 * frame size, large-message lane and buffers the nodes are configured with carry them intact
 * (same-process delivery off, so that they do cross Artery).
 * And a node limit below what a plan sends refuses the plan in {@code trainer(...)}, before any
 * shard is placed, naming the layer and the limit.
 */
class OversizedActivationsTest {
  private static final int BATCH = 512;
  /** Two full steps of 512. */
  private static final int SAMPLES = 1024;
  private static final List<String> NODES = List.of("node-1", "node-2");

  private static final ModelSpec WIDE = new ModelSpec("wide", Shape.vector(784), List.of(
      new DenseSpec(784, 4096, Activation.RELU), new DenseSpec(4096, 10, Activation.IDENTITY)),
      Loss.SOFTMAX_CROSS_ENTROPY, 1);

  @Test
  void fourMebibyteActivationsTrainExactly() {
    PartitionPlan plan = twoSlices(1);
    long messageBytes = 2048L * BATCH * Float.BYTES;
    assertEquals(4 << 20, messageBytes, "each slice's hidden outputs per message");
    ArrayDataset data = data();
    LocalTrainer reference = new LocalTrainer(WIDE, config(), Blas.get());
    reference.fit(data, null, TrainingListener.NONE);
    // Through Artery, as between machines: in-process delivery would carry them without frames.
    try (EmbeddedCluster cluster = EmbeddedCluster.start(NODES.size(),
        RuntimeSettings.defaults().withSameProcessDelivery(false));
        DistributedTrainer trainer = cluster.trainer(WIDE, config(), plan)) {
      trainer.fit(data, null, TrainingListener.NONE);
      TrainedModel trained = trainer.collect();
      assertEquals(2, reference.step(), "reference steps");
      assertEquals(reference.step(), trained.step(), "distributed steps");
      double worst = ExactnessCheck.differences(reference.network().parameters(), trained.network().parameters())[1];
      String outcome = String.format(java.util.Locale.ROOT, "%s, %d-byte activation messages: max relative %.3e",
          plan.describe(), messageBytes, worst);
      System.out.println(outcome);
      assertTrue(worst < ExactnessCheck.TOLERANCE, outcome);
    }
  }

  @Test
  void planOverTheMessageLimitIsRefusedBeforePlacement() {
    long limit = 1 << 20;
    try (EmbeddedCluster cluster = EmbeddedCluster.start(NODES.size(),
        RuntimeSettings.defaults().withMaxMessageBytes(limit))) {
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
          () -> cluster.trainer(WIDE, config(), twoSlices(1)));
      String message = refused.getMessage();
      System.out.println("refused: " + message);
      String layer = "layer 0 (" + WIDE.layers().get(0).describe() + ")";
      assertTrue(message.contains(layer), "names " + layer + ": " + message);
      assertTrue(message.contains("4.0 MiB"), "names the message size: " + message);
      assertTrue(message.contains("limit is 1 MiB"), "names the limit: " + message);

      // Nothing was placed, and the same cluster runs a plan whose messages fit (64 samples: 512 KiB).
      try (DistributedTrainer trainer = cluster.trainer(WIDE, config(), twoSlices(8))) {
        trainer.fit(data(), null, TrainingListener.NONE);
        assertEquals(2, trainer.step(), "steps with 8 micro-batches under the 1 MiB limit");
      }
    }
  }

  private static PartitionPlan twoSlices(int microBatches) {
    return PartitionPlan.balanced(WIDE, 1, new int[] {0, WIDE.layers().size()}, new int[] {2}, microBatches,
        PipelineSchedule.GPIPE, BATCH, NODES);
  }

  /** ExactnessCheck's optimizer (momentum, weight decay, clipping) with batches of 512. */
  private static TrainingConfig config() {
    TrainingConfig exactness = ExactnessCheck.config();
    return new TrainingConfig(1, BATCH, exactness.shuffleSeed(), exactness.optimizer());
  }

  private static ArrayDataset data() {
    return SyntheticData.blobs("blobs", WIDE.inputShape(), 10, SAMPLES, 0.8f, 5);
  }
}
