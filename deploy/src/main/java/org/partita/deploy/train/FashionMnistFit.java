package org.partita.deploy.train;

import org.partita.models.data.FashionMnist;
import org.partita.models.layers.EmbeddingSpec;
import org.partita.models.network.ModelSpec;

/**
 * Whether a model can train on the images {@code partita train} reads: 784 floats per image (as
 * [1, 28, 28], [28, 28] or [784]) in 10 classes, and pixels, not token ids. Checked before a run
 * folder exists, so a model file for other data is refused naming both shapes instead of failing
 * in the first forward.
 */
final class FashionMnistFit {
  private FashionMnistFit() {}

  /** {@code what} names the model in the message, e.g. "--model my.conf". */
  static void refuseUnfit(ModelSpec spec, String what) {
    if (spec.layers().get(0) instanceof EmbeddingSpec) {
      throw new IllegalArgumentException(what + " starts with an embedding, which reads integer token ids, but train "
          + "reads Fashion-MNIST's images, whose pixels are not token ids");
    }
    if (spec.inputShape().size() != FashionMnist.IMAGE.size()) {
      throw new IllegalArgumentException(what + " takes input " + spec.inputShape() + " (" + spec.inputShape().size()
          + " floats per sample), but train reads Fashion-MNIST's 28×28 images: give input = [1, 28, 28], [28, 28] "
          + "or [784]");
    }
    if (spec.outputGroups() != 1 || spec.outputClasses() != FashionMnist.CLASSES) {
      throw new IllegalArgumentException(what + " ends in " + spec.outputShape() + " outputs, but Fashion-MNIST has "
          + FashionMnist.CLASSES + " classes: end in { type = dense, units = 10 }");
    }
  }
}
