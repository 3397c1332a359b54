package org.partita.models.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file (the MNIST family's format) of unsigned bytes, gzip-compressed or plain: magic
 * 0x0000_08_NN (type 0x08 = unsigned byte, NN dimensions), NN big-endian int32 sizes, then the
 * values. Everything is validated, and every error names the file and the field.
 */
public record IdxFile(Path path, int[] dimensions, byte[] values) {

  public int count() {
    return dimensions[0];
  }

  /** Product of the dimensions after the first: values per item (784 for 28×28 images). */
  public int itemSize() {
    int size = 1;
    for (int d = 1; d < dimensions.length; d++) {
      size *= dimensions[d];
    }
    return size;
  }

  /** Reads and validates; {@code expectedDimensions} is 1 for labels, 3 for images. */
  public static IdxFile read(Path path, int expectedDimensions) throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
      raw.mark(2);
      int first = raw.read();
      int second = raw.read();
      raw.reset();
      boolean gzip = first == 0x1f && second == 0x8b;
      try (DataInputStream in = new DataInputStream(gzip ? new GZIPInputStream(raw, 1 << 16) : raw)) {
        return parse(path, in, expectedDimensions);
      }
    } catch (NoSuchFileException e) {
      throw new DataFormatException(path, "file not found", e);
    } catch (java.util.zip.ZipException e) {
      throw new DataFormatException(path, "corrupt gzip data (" + e.getMessage() + ")", e);
    } catch (EOFException e) {
      // Only gzip streams end early by exception; parse() reports short plain files itself.
      throw new DataFormatException(path, "truncated gzip data (" + e.getMessage() + ")", e);
    }
  }

  private static IdxFile parse(Path path, DataInputStream in, int expectedDimensions) throws IOException {
    int magic;
    try {
      magic = in.readInt();
    } catch (EOFException e) {
      throw new DataFormatException(path, "empty or shorter than the 4-byte IDX magic number", e);
    }
    if ((magic >>> 16) != 0) {
      throw new DataFormatException(path, String.format("magic number 0x%08x is not IDX (first two bytes must be 0)", magic));
    }
    int type = (magic >>> 8) & 0xff;
    if (type != 0x08) {
      throw new DataFormatException(path, String.format("IDX value type 0x%02x is not supported (only 0x08, unsigned byte)", type));
    }
    int rank = magic & 0xff;
    if (rank != expectedDimensions) {
      throw new DataFormatException(path, "IDX header declares " + rank + " dimensions, expected " + expectedDimensions);
    }
    int[] dimensions = new int[rank];
    long total = 1;
    for (int d = 0; d < rank; d++) {
      try {
        dimensions[d] = in.readInt();
      } catch (EOFException e) {
        throw new DataFormatException(path, "truncated header: dimension " + d + " is missing", e);
      }
      if (dimensions[d] <= 0) {
        throw new DataFormatException(path, "dimension " + d + " is " + dimensions[d] + "; must be positive");
      }
      total *= dimensions[d];
      if (total > Integer.MAX_VALUE - 8) {
        throw new DataFormatException(path, "dimensions " + Arrays.toString(dimensions) + " exceed 2 GiB of values");
      }
    }
    byte[] values = new byte[(int) total];
    int read = in.readNBytes(values, 0, values.length);
    if (read != values.length) {
      throw new DataFormatException(path, "truncated: header " + Arrays.toString(dimensions) + " promises " + total
          + " values but the file holds " + read);
    }
    if (in.read() != -1) {
      throw new DataFormatException(path, "trailing bytes after the " + total + " values that header "
          + Arrays.toString(dimensions) + " declares");
    }
    return new IdxFile(path, dimensions, values);
  }
}
