package org.partita.runtime.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.jblas.FloatMatrix;
import org.junit.jupiter.api.Test;
import org.partita.models.blas.Blas;
import org.partita.models.layers.LayerBinding;
import org.partita.models.layers.LstmSpec;
import org.partita.models.layers.RecurrentLayer;
import org.partita.models.layers.UnitRange;
import org.partita.models.tensor.TensorCodec;
import org.partita.proto.TensorProto;

/** The per-step bookkeeping of a recurrent slice: what it waits for and what it refuses. */
class RecurrentStepsTest {
  private static final LstmSpec SPEC = new LstmSpec(3, 4, 5, false);
  private static final List<UnitRange> SLICES = List.of(new UnitRange(0, 2), new UnitRange(2, 4));

  private static RecurrentSteps slice(int q) {
    RecurrentLayer layer = (RecurrentLayer) SPEC.bind(new LayerBinding(0, 7, SLICES.get(q), Blas.get()));
    RecurrentSteps steps = new RecurrentSteps(layer, SLICES, q, 2);
    steps.start(false);
    return steps;
  }

  /** Records what a slice sends. */
  private static final class Sent implements RecurrentSteps.Exchange {
    final List<Integer> hidden = new ArrayList<>();
    final List<FloatMatrix> values = new ArrayList<>();

    @Override
    public void hidden(int timeStep, FloatMatrix own) {
      hidden.add(timeStep);
      values.add(own.dup());
    }

    @Override
    public void hiddenGradient(int timeStep, int slice, TensorProto values) {}
  }

  @Test
  void eachStepWaitsForTheOtherSlicesHidden() {
    RecurrentSteps first = slice(0);
    FloatMatrix input = FloatMatrix.rand(3 * 5, 2);
    Sent sent = new Sent();
    assertFalse(first.forward(input, sent));
    assertEquals(List.of(0), sent.hidden, "step 1 needs slice 1's h_0");
    RecurrentSteps.Waiting waiting = first.waitingForward();
    assertEquals(0, waiting.timeStep());
    assertEquals(List.of(1), waiting.slices());
    for (int t = 0; t < 5; t++) {
      first.receiveHidden(t, 1, TensorCodec.encode(FloatMatrix.zeros(2, 2)), "test");
      boolean done = first.forward(input, sent);
      assertEquals(t == 4, done);
    }
    assertEquals(List.of(0, 1, 2, 3, 4), sent.hidden);
    assertNull(first.waitingForward());
  }

  @Test
  void malformedPiecesAreRefusedWithTheStepNamed() {
    RecurrentSteps steps = slice(1);
    TensorProto piece = TensorCodec.encode(FloatMatrix.zeros(2, 2));
    IllegalArgumentException outOfRange = assertThrows(IllegalArgumentException.class,
        () -> steps.receiveHidden(5, 0, piece, "h from shard r0/s0/p0"));
    assertTrue(outOfRange.getMessage().contains("time step 5 but the layer has 5"), outOfRange.getMessage());
    steps.receiveHidden(2, 0, piece, "h");
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
        () -> steps.receiveHidden(2, 0, piece, "h"));
    assertTrue(twice.getMessage().contains("time step 2 arrived twice from slice 0"), twice.getMessage());
    IllegalArgumentException last = assertThrows(IllegalArgumentException.class,
        () -> steps.receiveHiddenGradient(4, 0, piece, "dh"));
    assertTrue(last.getMessage().contains("no step after 4"), last.getMessage());
    IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
        () -> steps.receiveHidden(3, 0, TensorCodec.encode(FloatMatrix.zeros(3, 2)), "h"));
    assertTrue(shape.getMessage().contains("3, 2"), shape.getMessage());
  }
}
