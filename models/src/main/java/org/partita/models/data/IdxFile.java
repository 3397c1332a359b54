package org.partita.models.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * An IDX file (the MNIST family's format) of any rank, gzip-compressed or plain: magic
 * 0x0000_TT_NN (TT the value type, NN the number of dimensions), NN big-endian int32 sizes, then
 * the values, big-endian. Types: 0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32,
 * 0x0D float32, 0x0E float64. Everything is validated, and every error names the file and the field.
 *
 * @param values the values as stored (big-endian, {@link #bytesPerValue} each)
 */
public record IdxFile(Path path, int type, int[] dimensions, byte[] values) {
  public static final int UNSIGNED_BYTE = 0x08;

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

  /** The values as floats, as stored: unsigned bytes are 0–255. */
  public float[] floats() {
    int n = values.length / bytesPerValue(type);
    float[] floats = new float[n];
    ByteBuffer in = ByteBuffer.wrap(values);
    for (int i = 0; i < n; i++) {
      floats[i] = switch (type) {
        case UNSIGNED_BYTE -> values[i] & 0xff;
        case 0x09 -> values[i];
        case 0x0B -> in.getShort(2 * i);
        case 0x0C -> in.getInt(4 * i);
        case 0x0D -> in.getFloat(4 * i);
        default -> (float) in.getDouble(8 * i);
      };
    }
    return floats;
  }

  /** Reads and validates a file of exactly {@code expectedDimensions} dimensions (1 for labels, 3 for images). */
  public static IdxFile read(Path path, int expectedDimensions) throws IOException {
    return read(path, expectedDimensions, expectedDimensions);
  }

  /** Reads and validates a file of any rank ≥ 1. */
  public static IdxFile read(Path path) throws IOException {
    return read(path, 1, 255);
  }

  private static IdxFile read(Path path, int minRank, int maxRank) throws IOException {
    try (DataInputStream in = new DataInputStream(DataFiles.open(path))) {
      return parse(path, in, minRank, maxRank);
    } catch (IOException e) {
      // Only gzip streams end early by exception; parse() reports short plain files itself.
      throw DataFiles.gzipProblem(path, e);
    }
  }

  private static int bytesPerValue(int type) {
    return switch (type) {
      case UNSIGNED_BYTE, 0x09 -> 1;
      case 0x0B -> 2;
      case 0x0C, 0x0D -> 4;
      case 0x0E -> 8;
      default -> 0;
    };
  }

  private static String typeName(int type) {
    return switch (type) {
      case UNSIGNED_BYTE -> "unsigned byte";
      case 0x09 -> "signed byte";
      case 0x0B -> "int16";
      case 0x0C -> "int32";
      case 0x0D -> "float32";
      default -> "float64";
    };
  }

  private static IdxFile parse(Path path, InputStream stream, int minRank, int maxRank) throws IOException {
    DataInputStream in = new DataInputStream(stream);
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
    if (bytesPerValue(type) == 0) {
      throw new DataFormatException(path, String.format("IDX value type 0x%02x is not supported (0x08 unsigned byte, "
          + "0x09 signed byte, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)", type));
    }
    int rank = magic & 0xff;
    if (rank < Math.max(1, minRank) || rank > maxRank) {
      throw new DataFormatException(path, "IDX header declares " + rank + " dimensions, expected "
          + (minRank == maxRank ? Integer.toString(minRank) : "at least 1"));
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
      if (total * bytesPerValue(type) > Integer.MAX_VALUE - 8) {
        throw new DataFormatException(path, "dimensions " + Arrays.toString(dimensions) + " exceed 2 GiB of values");
      }
    }
    int width = bytesPerValue(type);
    String values = type == UNSIGNED_BYTE ? total + " values"
        : String.format("%d values (value type 0x%02x, %s, %d bytes each)", total, type, typeName(type), width);
    byte[] bytes = new byte[(int) (total * width)];
    int read = in.readNBytes(bytes, 0, bytes.length);
    if (read != bytes.length) {
      throw new DataFormatException(path, "truncated: header " + Arrays.toString(dimensions) + " promises " + values
          + " but the file holds " + (type == UNSIGNED_BYTE ? read : read + " bytes of them"));
    }
    if (in.read() != -1) {
      throw new DataFormatException(path, "trailing bytes after the " + values + " that header "
          + Arrays.toString(dimensions) + " declares");
    }
    return new IdxFile(path, type, dimensions, bytes);
  }
}
