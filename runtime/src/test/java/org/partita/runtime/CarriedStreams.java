package org.partita.runtime;

import java.util.List;
import org.partita.models.blas.Blas;
import org.partita.models.data.StreamWindows;
import org.partita.models.data.TextCorpus;
import org.partita.models.layers.Activation;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.GruSpec;
import org.partita.models.layers.LstmSpec;
import org.partita.models.layers.Shape;
import org.partita.models.layers.SimpleRnnSpec;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.TrainingConfig;
import org.partita.models.train.TrainingListener;
import org.partita.models.train.TrainingReport;

/**
 * The exactness check for carried recurrent streams (truncated BPTT over consecutive windows, as
 * char-lstm trains): a short text in {@value #STREAMS} streams of {@value #STEPS}-step windows, 9
 * batches an epoch, 2 epochs, a held-out evaluation (its own streams, carried from batch to batch)
 * after each. Each recurrent layer must start every batch from the state its streams reached in the
 * previous one, and from zeros at each epoch and evaluation, exactly as the reference trainer does:
 * a runtime that started from zeros, or from another micro-batch's or replica's state, ends with
 * other weights.
 */
public final class CarriedStreams {
  public static final int STREAMS = 6;
  public static final int STEPS = 5;
  private static final TextCorpus CORPUS = TextCorpus.of("carried-streams text", text());
  private static final int SPLIT = 300;

  private CarriedStreams() {}

  /**
   * char-lstm itself, and a SimpleRNN whose sequence feeds a GRU and then an LSTM: three carried
   * layers, slices and stages between them.
   */
  public static List<ModelSpec> models() {
    int vocabulary = CORPUS.vocabularySize();
    ModelSpec stack = new ModelSpec("rnn-gru-lstm-streams", new Shape(STEPS, vocabulary, 1), List.of(
        new SimpleRnnSpec(vocabulary, 8, STEPS, true),
        new GruSpec(8, 6, STEPS, true),
        new LstmSpec(6, 10, STEPS, true),
        new DenseSpec(10, vocabulary, Activation.IDENTITY, STEPS)), Loss.SOFTMAX_CROSS_ENTROPY, 5);
    return List.of(StandardModels.charLstm(vocabulary, STEPS, 12, 7), stack);
  }

  public static TrainingConfig config() {
    return new TrainingConfig(2, STREAMS, 11, ExactnessCheck.config().optimizer(), TrainingConfig.BatchOrder.STREAMS);
  }

  public static StreamWindows train() {
    return CORPUS.windows("train", CORPUS.codes(0, SPLIT), STREAMS, STEPS);
  }

  public static StreamWindows heldOut() {
    return CORPUS.windows("held-out", CORPUS.codes(SPLIT, CORPUS.length()), STREAMS, STEPS);
  }

  /** The reference trainer after training, and its report (whose held-out loss {@link #compare} checks too). */
  public record Reference(LocalTrainer trainer, TrainingReport report) {}

  public static Reference reference(ModelSpec model) {
    LocalTrainer trainer = new LocalTrainer(model, config(), Blas.get());
    return new Reference(trainer, trainer.fit(train(), heldOut(), TrainingListener.NONE));
  }

  /**
   * Trains with {@code trainer}; the largest parameter differences from the reference, the
   * relative one also covering the last held-out loss.
   */
  public static ExactnessCheck.Outcome compare(Reference reference, DistributedTrainer trainer) {
    TrainingReport report = trainer.fit(train(), heldOut(), TrainingListener.NONE);
    TrainedModel trained = trainer.collect();
    if (trained.step() != reference.trainer().step()) {
      throw new AssertionError("distributed run took " + trained.step() + " steps, reference "
          + reference.trainer().step());
    }
    double[] worst = ExactnessCheck.differences(reference.trainer().network().parameters(),
        trained.network().parameters());
    double expectedLoss = reference.report().finalTest().loss();
    double lossDifference = Math.abs(report.finalTest().loss() - expectedLoss) / Math.abs(expectedLoss);
    return new ExactnessCheck.Outcome(worst[0], Math.max(worst[1], lossDifference), report);
  }

  /** About 420 characters of prose: 9 windows a stream for training, 3 held out. */
  private static String text() {
    return "Partita splits the data across replicas and the network across machines. A recurrent layer "
        + "carries its state from one window of a stream to the next, so the streams must stay with the "
        + "replica and the micro-batch that began them. Slices of the layer all gather the hidden state at "
        + "every step and keep their own cells. The reference trainer reads the same windows in the same "
        + "order; every plan must end with its weights, and the held-out loss must match it too.";
  }
}
