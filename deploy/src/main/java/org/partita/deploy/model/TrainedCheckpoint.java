package org.partita.deploy.model;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import org.partita.models.blas.Blas;
import org.partita.models.data.DataPreparation;
import org.partita.models.data.FashionMnist;
import org.partita.models.network.ModelSpec;
import org.partita.models.train.CheckpointSchedule;
import org.partita.models.train.LocalTrainer;
import org.partita.models.train.TrainingConfig;
import org.partita.partitioner.LoadedCheckpoint;

/**
 * A trained model from any checkpoint — a run's final RUN/checkpoint, its RUN/best, one of its
 * periodic RUN/checkpoints/step-N (the newest when the directory is given), saved whole or by
 * shards of any plan, checksums verified — in a single-process trainer, with how its samples were
 * prepared, for {@code evaluate}, {@code predict} and {@code export}.
 */
final class TrainedCheckpoint {
  private TrainedCheckpoint() {}

  /** The model, how new samples must be prepared for it, and where it came from. */
  record Loaded(LocalTrainer trainer, DataPreparation preparation, LoadedCheckpoint checkpoint) {
    ModelSpec spec() {
      return trainer.spec();
    }
  }

  /**
   * A model with one answer per sample, for evaluate and predict. A checkpoint written before
   * preparations were saved holds a Fashion-MNIST model: its pixel statistics are computed again
   * from {@code fashionMnist}, as they were then.
   */
  static Loaded load(Path directory, Path fashionMnist, PrintStream console) throws IOException {
    LoadedCheckpoint loaded = LoadedCheckpoint.read(CheckpointSchedule.resolve(directory));
    ModelSpec spec = loaded.model();
    if (spec.outputGroups() != 1) {
      throw new IllegalArgumentException(loaded.directory() + " holds model '" + spec.name() + "', which predicts "
          + spec.outputGroups() + " steps per sample; evaluate and predict take models with one answer per sample");
    }
    Loaded restored = restore(loaded, fashionMnist, console);
    if (restored.preparation() == null) {
      throw new IllegalArgumentException(loaded.directory() + " holds model '" + spec.name() + "' but no record of how"
          + " its samples were prepared, and it is no Fashion-MNIST classifier; train it again to evaluate it");
    }
    return restored;
  }

  /**
   * Any trained model (char-lstm's per-step outputs too), for export. Without a saved preparation,
   * a Fashion-MNIST classifier gets its pixel statistics again as in {@link #load}; any other model
   * (char-lstm's one-hot symbols) was trained on its inputs as they are.
   */
  static Loaded loadAny(Path directory, Path fashionMnist, PrintStream console) throws IOException {
    return restore(LoadedCheckpoint.read(CheckpointSchedule.resolve(directory)), fashionMnist, console);
  }

  /** A model that takes a 28×28 image and gives one of 10 classes: what checkpoints before preparations held. */
  private static boolean isFashionMnistClassifier(ModelSpec spec) {
    return spec.inputShape().size() == FashionMnist.IMAGE.size() && spec.outputClasses() == FashionMnist.CLASSES
        && spec.outputGroups() == 1;
  }

  private static Loaded restore(LoadedCheckpoint loaded, Path fashionMnist, PrintStream console) throws IOException {
    ModelSpec spec = loaded.model();
    DataPreparation preparation = loaded.preparation();
    if (preparation == null && isFashionMnistClassifier(spec)) {
      FashionMnist.Splits splits = FashionMnist.load(fashionMnist);
      preparation = DataPreparation.fashionMnist(splits.mean(), splits.std());
    }
    LocalTrainer trainer = new LocalTrainer(spec, new TrainingConfig(1, 1, loaded.position().seed(),
        loaded.optimizer()), Blas.get());
    trainer.restore(loaded.whole(), loaded.position().step(), "checkpoint " + loaded.directory());
    console.printf(Locale.ROOT, "checkpoint: %s — model %s (%,d parameters) after optimizer step %d, saved %s%n",
        loaded.directory(), spec.name(), spec.parameterCount(), loaded.position().step(),
        loaded.plan() == null ? "whole" : "from " + loaded.plan().describe());
    return new Loaded(trainer, preparation, loaded);
  }
}
