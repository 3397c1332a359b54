package org.partita.partitioner;

import java.util.ArrayList;
import java.util.List;
import org.partita.models.layers.Activation;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.EmbeddingSpec;
import org.partita.models.layers.GruSpec;
import org.partita.models.layers.LstmSpec;
import org.partita.models.layers.Shape;
import org.partita.models.layers.SimpleRnnSpec;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;

/** A fixed machine profile (no measuring in unit tests) and small models of every family. */
final class Fixtures {
  private Fixtures() {}

  static MachineProfile machine() {
    List<MachineProfile.GemmSample> samples = new ArrayList<>();
    for (int d : MachineProbe.MIN_DIMS) {
      for (int o : MachineProbe.OTHER_DIMS) {
        samples.add(new MachineProfile.GemmSample(d, o, Math.min(150, 10 + d * 0.5 + o / 50.0)));
      }
    }
    return new MachineProfile("test CPU", 2, 2, "java", samples, 0.5, 1.0, 8, 20_000,
        new MachineProfile.UpdateCost(0.3, 0.5, 0.8), 0, null);
  }

  /**
   * {@link #machine()} with a one-thread part: large GEMMs and the loops at half the two-thread
   * rates, small GEMMs (which two threads hardly speed up) at 90% of them, no cost per call.
   */
  static MachineProfile machineWithOneThread() {
    MachineProfile all = machine();
    List<MachineProfile.GemmSample> samples = all.gemm().stream().map(s -> new MachineProfile.GemmSample(s.minDim(),
        s.otherDim(), s.gflops() * (s.minDim() <= 16 ? 0.9 : 0.5))).toList();
    return all.withOneThread(new MachineProfile("test CPU", 2, 1, "java", samples, 1.0, 2.0, 16, 0,
        new MachineProfile.UpdateCost(0.6, 1.0, 1.6), 0, null));
  }

  static Link gigabit() {
    return Link.parse("1gbit", 50e-6);
  }

  static ModelSpec rnn() {
    return new ModelSpec("rnn", new Shape(28, 28, 1), List.of(new SimpleRnnSpec(28, 64, 28, false),
        new DenseSpec(64, 10, Activation.IDENTITY)), Loss.SOFTMAX_CROSS_ENTROPY, 1);
  }

  /** Token ids in: an embedding of 1000 tokens into 32 dimensions, a GRU over its 20 steps, a dense head. */
  static ModelSpec embeddedGru() {
    return new ModelSpec("embedding-gru", Shape.vector(20), List.of(new EmbeddingSpec(1000, 32, 20),
        new GruSpec(32, 64, 20, false), new DenseSpec(64, 10, Activation.IDENTITY)), Loss.SOFTMAX_CROSS_ENTROPY, 1);
  }

  static ModelSpec stackedLstm() {
    return new ModelSpec("lstm2", new Shape(28, 28, 1), List.of(new LstmSpec(28, 64, 28, true),
        new LstmSpec(64, 64, 28, false), new DenseSpec(64, 10, Activation.IDENTITY)), Loss.SOFTMAX_CROSS_ENTROPY, 1);
  }
}
