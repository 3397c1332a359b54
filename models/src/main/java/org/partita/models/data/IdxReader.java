package org.partita.models.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.partita.models.layers.Shape;

/**
 * Samples from an IDX file of any rank and their labels from a second one. Items of rank 1 are
 * feature vectors, of rank 2 (H×W) grey images, of rank 3 C×H×W images; higher ranks are read as
 * flat vectors (see --input-shape). Unsigned bytes are intensities and become v/255, as image
 * pixels do; other types are taken as stored, and must be finite.
 */
final class IdxReader {
  private IdxReader() {}

  static SampleData read(Path features, Path labels, ReadOptions options) throws IOException {
    IdxFile samples = IdxFile.read(features);
    int[] d = samples.dimensions();
    if (d.length == 1) {
      throw new DataFormatException(features, "IDX header declares 1 dimension: one number per item, as labels have; "
          + "samples need 2 or more (give labels with --labels)");
    }
    Shape shape = switch (d.length) {
      case 2 -> Shape.vector(d[1]);
      case 3 -> new Shape(1, d[1], d[2]);
      case 4 -> new Shape(d[1], d[2], d[3]);
      default -> Shape.vector(samples.itemSize());
    };
    float[] values = samples.floats();
    if (samples.type() == IdxFile.UNSIGNED_BYTE) {
      for (int i = 0; i < values.length; i++) {
        values[i] /= 255f;
      }
    } else {
      Numbers.checkFinite(values, samples.itemSize(), features, "sample");
    }
    String noun = shape.isVector() ? "samples" : "images";
    Targets targets = null;
    List<String> labelNames = List.of();
    if (options.expected().labels() == ReadOptions.LabelUse.REQUIRED) {
      if (labels == null) {
        throw new DataFormatException(features, "holds " + noun + " only; give their labels with --labels FILE");
      }
      // A class per sample; regression targets may be one or several per sample.
      IdxFile labelFile = options.expected().kind() == ReadOptions.TargetKind.CLASSES ? IdxFile.read(labels, 1)
          : IdxFile.read(labels);
      if (labelFile.count() != samples.count()) {
        throw new DataFormatException(labels, labelFile.count() + " labels but " + features.getFileName() + " holds "
            + samples.count() + " " + noun);
      }
      // Named "label", as CSV files of such samples (Fashion-MNIST's, say) call the column.
      targets = Numbers.targets(labelFile.floats(), labelFile.itemSize(), labels, "label", options.expected());
      labelNames = targets instanceof Targets.Values v ? v.names() : List.of("label");
    }
    return new SampleData(features.toString(), DataFormat.IDX, shape, values, targets, List.of(), labelNames);
  }
}
