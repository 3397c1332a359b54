package org.partita.models.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.partita.models.layers.Shape;

/**
 * Samples from NumPy arrays: an .npy of features with its labels in a second .npy (--labels), or
 * an .npz holding both (arrays "x" and "y" unless named). The first axis counts samples; items
 * of shape (F,) are feature vectors, (H, W) grey images, (C, H, W) images, and higher ranks are
 * read flat (see --input-shape). Values are taken as stored and must be finite.
 */
final class NumpyReader {
  private NumpyReader() {}

  static SampleData readNpy(Path features, ReadOptions options) throws IOException {
    NpyArray x = NpyArray.read(features);
    NpyArray y = null;
    Path labels = options.labelsFile();
    if (options.expected().labels() == ReadOptions.LabelUse.REQUIRED) {
      if (labels == null) {
        throw new DataFormatException(features, "an .npy holds the features only; give the labels with --labels "
            + "FILE.npy");
      }
      y = NpyArray.read(labels);
    }
    String labelName = labels == null ? "y" : stem(labels);
    return samples(features, DataFormat.NPY, x, features, y, labels, labelName, options);
  }

  static SampleData readNpz(Path file, ReadOptions options) throws IOException {
    String xName = options.arrays().get(0);
    String yName = options.arrays().get(1);
    try (ZipFile zip = new ZipFile(file.toFile())) {
      NpyArray x = array(zip, file, xName);
      NpyArray y = options.expected().labels() == ReadOptions.LabelUse.REQUIRED ? array(zip, file, yName) : null;
      return samples(file, DataFormat.NPZ, x, file, y, file, yName, options);
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new DataFormatException(file, "file not found", e);
    } catch (ZipException e) {
      throw new DataFormatException(file, "is not an .npz (zip) archive: " + e.getMessage(), e);
    }
  }

  private static NpyArray array(ZipFile zip, Path file, String name) throws IOException {
    ZipEntry entry = zip.getEntry(name + ".npy");
    if (entry == null) {
      List<String> present = new ArrayList<>();
      zip.stream().forEach(e -> present.add(e.getName().replaceAll("\\.npy$", "")));
      throw new DataFormatException(file, "holds no array '" + name + "'; its arrays are " + String.join(", ", present)
          + " (name them with --arrays FEATURES,LABELS)");
    }
    try (InputStream in = zip.getInputStream(entry)) {
      return NpyArray.parse(in, file, "array '" + name + "': ");
    } catch (ZipException e) {
      throw new DataFormatException(file, "array '" + name + "' is damaged in the archive: " + e.getMessage(), e);
    }
  }

  private static SampleData samples(Path source, DataFormat format, NpyArray x, Path xFile, NpyArray y, Path yFile,
      String yName, ReadOptions options) throws DataFormatException {
    int[] d = x.shape();
    if (d.length == 0) {
      throw new DataFormatException(xFile, "holds a single number, not an array of samples");
    }
    if (x.count() == 0) {
      throw new DataFormatException(xFile, "holds no samples (shape " + x.describeShape() + ")");
    }
    Shape shape = switch (d.length) {
      case 1 -> Shape.vector(1);
      case 2 -> Shape.vector(d[1]);
      case 3 -> new Shape(1, d[1], d[2]);
      case 4 -> new Shape(d[1], d[2], d[3]);
      default -> Shape.vector(x.itemSize());
    };
    Numbers.checkFinite(x.values(), x.itemSize(), xFile, "sample");
    Targets targets = null;
    if (y != null) {
      if (y.count() != x.count() || y.shape().length == 0) {
        throw new DataFormatException(yFile, (yFile.equals(xFile) ? "array '" + yName + "' " : "") + "holds labels of "
            + "shape " + y.describeShape() + " for " + x.count() + " samples (features of shape " + x.describeShape()
            + ")");
      }
      targets = Numbers.targets(y.values(), y.itemSize(), yFile, yName, options.expected());
    }
    List<String> labelNames = targets instanceof Targets.Values values ? values.names() : List.of(yName);
    return new SampleData(source.toString(), format, shape, x.values(), targets, List.of(), labelNames);
  }

  private static String stem(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".npy") ? name.substring(0, name.length() - 4) : name;
  }
}
