package org.partita.models.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a --data path in its format (given, or told by the path: {@link DataFormat#of}) into
 * {@link SampleData}: CSV, LibSVM, NumPy .npy/.npz, IDX files or an MNIST-layout directory, and
 * image folders. Every problem with the input is a {@link DataFormatException} naming the file and,
 * where there is one, the line, column, sample or array.
 */
public final class DataReader {
  private DataReader() {}

  /** What a path holds: its samples, and a held-out split when its layout brings one (MNIST's t10k), else null. */
  public record Source(SampleData samples, SampleData heldOut) {}

  public static Source read(Path path, ReadOptions options) throws IOException {
    DataFormat format = options.format() != null ? options.format() : DataFormat.of(path);
    return switch (format) {
      case CSV -> new Source(CsvReader.read(path, options), null);
      case LIBSVM -> new Source(LibSvmReader.read(path, options), null);
      case NPY -> new Source(NumpyReader.readNpy(path, options), null);
      case NPZ -> new Source(NumpyReader.readNpz(path, options), null);
      case IMAGES -> new Source(ImageFolder.read(path, options), null);
      case IDX -> {
        if (Files.isRegularFile(path)) {
          yield new Source(IdxReader.read(path, options.labelsFile(), options), null);
        }
        IdxDirectory.Splits splits = IdxDirectory.read(path, options);
        yield new Source(splits.train(), splits.test());
      }
    };
  }
}
