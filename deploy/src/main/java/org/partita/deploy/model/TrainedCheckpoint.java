package org.partita.deploy.model;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import org.partita.models.blas.Blas;
import org.partita.models.data.FashionMnist;
import org.partita.models.network.ModelSpec;
import org.partita.models.train.CheckpointSchedule;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.TrainingConfig;
import org.partita.partitioner.LoadedCheckpoint;

/**
 * A trained model from any checkpoint — a run's final RUN/checkpoint, one of its periodic
 * RUN/checkpoints/step-N (the newest when the directory is given), saved whole or by shards of any
 * plan, checksums verified — in a single-process trainer, for {@code evaluate}, {@code predict}
 * and {@code export}.
 */
final class TrainedCheckpoint {
  private TrainedCheckpoint() {}

  /** A trained image classifier, for {@code evaluate} and {@code predict}. */
  static LocalTrainer load(Path directory, PrintStream console) throws IOException {
    LoadedCheckpoint loaded = LoadedCheckpoint.read(CheckpointSchedule.resolve(directory));
    ModelSpec spec = loaded.model();
    if (!isFashionMnistClassifier(spec)) {
      throw new IllegalArgumentException(loaded.directory() + " holds model '" + spec.name() + "' (input "
          + spec.inputShape() + ", " + spec.outputClasses() + " classes); evaluate and predict take the 28×28 image"
          + " classifiers (mlp, cnn, lstm, wide-mlp)");
    }
    return restore(loaded, console);
  }

  /** Any trained model, the checkpoint's shards merged into the whole. */
  static LocalTrainer loadAny(Path directory, PrintStream console) throws IOException {
    return restore(LoadedCheckpoint.read(CheckpointSchedule.resolve(directory)), console);
  }

  /** A model that takes a 28×28 image and gives one of 10 classes: trained on Fashion-MNIST. */
  static boolean isFashionMnistClassifier(ModelSpec spec) {
    return spec.inputShape().size() == FashionMnist.IMAGE.size() && spec.outputClasses() == FashionMnist.CLASSES
        && spec.outputGroups() == 1;
  }

  private static LocalTrainer restore(LoadedCheckpoint loaded, PrintStream console) {
    ModelSpec spec = loaded.model();
    LocalTrainer trainer = new LocalTrainer(spec, new TrainingConfig(1, 1, loaded.position().seed(),
        loaded.optimizer()), Blas.get());
    trainer.restore(loaded.whole(), loaded.position().step(), "checkpoint " + loaded.directory());
    console.printf(Locale.ROOT, "checkpoint: %s — model %s (%,d parameters) after optimizer step %d, saved %s%n",
        loaded.directory(), spec.name(), spec.parameterCount(), loaded.position().step(),
        loaded.plan() == null ? "whole" : "from " + loaded.plan().describe());
    return trainer;
  }
}
