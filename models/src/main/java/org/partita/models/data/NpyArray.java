package org.partita.models.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One NumPy array from the .npy format (versions 1–3): the magic "\x93NUMPY", a header that is a
 * Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (N, …)}, then the values.
 * Number types float32/float64, int8–int64, uint8–uint64 and bool, in the byte order the descr
 * states; C order only (a Fortran-order array is refused by name). Values become floats; the
 * data must be exactly as long as the header's shape says.
 *
 * @param kind 'f' floating point, 'i' signed, 'u' unsigned, 'b' bool
 */
public record NpyArray(int[] shape, char kind, float[] values) {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  /** Number of items along the first axis (1 for a scalar). */
  public int count() {
    return shape.length == 0 ? 1 : shape[0];
  }

  /** Values per item: the product of the dimensions after the first. */
  public int itemSize() {
    int size = 1;
    for (int d = 1; d < shape.length; d++) {
      size *= shape[d];
    }
    return size;
  }

  public String describeShape() {
    StringBuilder text = new StringBuilder("(");
    for (int d = 0; d < shape.length; d++) {
      text.append(d == 0 ? "" : ", ").append(shape[d]);
    }
    return text.append(shape.length == 1 ? ",)" : ")").toString();
  }

  public static NpyArray read(Path file) throws IOException {
    try (InputStream in = DataFiles.open(file)) {
      return parse(in, file, "");
    } catch (IOException e) {
      throw DataFiles.gzipProblem(file, e);
    }
  }

  /**
   * Parses an array from {@code in}; errors name {@code file} and, inside an .npz, the array
   * ({@code what} is then "array 'x': ", else empty).
   */
  static NpyArray parse(InputStream in, Path file, String what) throws IOException {
    DataInputStream data = new DataInputStream(in);
    byte[] magic = new byte[8];
    int got = data.readNBytes(magic, 0, 8);
    if (got == 0) {
      throw new DataFormatException(file, what + "is empty");
    }
    if (got < 8 || !Arrays.equals(Arrays.copyOf(magic, 6), MAGIC)) {
      throw new DataFormatException(file, what + "is not a NumPy .npy array (it does not start with \\x93NUMPY)");
    }
    int major = magic[6];
    int headerLength;
    try {
      headerLength = major == 1 ? Short.toUnsignedInt(Short.reverseBytes(data.readShort()))
          : Integer.reverseBytes(data.readInt());
    } catch (EOFException e) {
      throw new DataFormatException(file, what + "ends inside the .npy header", e);
    }
    if (major < 1 || major > 3 || headerLength < 0) {
      throw new DataFormatException(file, what + ".npy version " + major + "." + magic[7] + " is not one of 1.0, 2.0, 3.0");
    }
    byte[] headerBytes = data.readNBytes(headerLength);
    if (headerBytes.length != headerLength) {
      throw new DataFormatException(file, what + "ends inside the .npy header (" + headerLength + " bytes promised)");
    }
    String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Matcher descr = DESCR.matcher(header);
    Matcher fortran = FORTRAN.matcher(header);
    Matcher shapeText = SHAPE.matcher(header);
    if (!descr.find() || !fortran.find() || !shapeText.find()) {
      throw new DataFormatException(file, what + "the .npy header is not a plain array's "
          + "{'descr': …, 'fortran_order': …, 'shape': (…)}: " + header.strip());
    }
    if (fortran.group(1).equals("True")) {
      throw new DataFormatException(file, what + "is stored in Fortran order (fortran_order: True); only C order is "
          + "read — save it with numpy.ascontiguousarray(a)");
    }
    String type = descr.group(1);
    if (!type.matches("[<>|=][fiub][1248]")) {
      throw new DataFormatException(file, what + "dtype '" + type + "' is not supported (float32/64, int8–64, "
          + "uint8–64 or bool, C order)");
    }
    ByteOrder order = type.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN
        : type.charAt(0) == '=' ? ByteOrder.nativeOrder() : ByteOrder.LITTLE_ENDIAN;
    char kind = type.charAt(1);
    int bytes = type.charAt(2) - '0';
    if ((kind == 'f' && bytes < 4) || (kind == 'b' && bytes != 1)) {
      throw new DataFormatException(file, what + "dtype '" + type + "' is not supported (float32/64, int8–64, "
          + "uint8–64 or bool)");
    }
    int[] shape = shape(shapeText.group(1), file, what);
    long count = 1;
    for (int dimension : shape) {
      count *= dimension;
      if (count * bytes > Integer.MAX_VALUE - 8) {
        throw new DataFormatException(file, what + "shape " + shapeText.group(0) + " holds more than 2 GiB");
      }
    }
    byte[] raw = data.readNBytes((int) (count * bytes));
    String promise = "the header promises shape (" + shapeText.group(1).strip() + ") of " + type + ", " + count * bytes
        + " bytes of data, but the file holds ";
    if (raw.length < count * bytes) {
      throw new DataFormatException(file, what + promise + "only " + raw.length + " after the header");
    }
    if (data.read() != -1) {
      throw new DataFormatException(file, what + promise + "more after the header");
    }
    return new NpyArray(shape, kind, floats(ByteBuffer.wrap(raw).order(order), kind, bytes, (int) count));
  }

  private static int[] shape(String text, Path file, String what) throws DataFormatException {
    String[] parts = text.split(",");
    int[] shape = new int[parts.length];
    int rank = 0;
    for (String part : parts) {
      if (part.isBlank()) {
        continue;
      }
      try {
        shape[rank] = Integer.parseInt(part.strip().replace("L", ""));
      } catch (NumberFormatException e) {
        throw new DataFormatException(file, what + "shape (" + text + ") is not a tuple of whole numbers");
      }
      if (shape[rank] < 0) {
        throw new DataFormatException(file, what + "shape (" + text + ") has a negative dimension");
      }
      rank++;
    }
    return Arrays.copyOf(shape, rank);
  }

  private static float[] floats(ByteBuffer buffer, char kind, int bytes, int count) {
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = switch (kind) {
        case 'f' -> bytes == 4 ? buffer.getFloat() : (float) buffer.getDouble();
        case 'i' -> switch (bytes) {
          case 1 -> buffer.get();
          case 2 -> buffer.getShort();
          case 4 -> buffer.getInt();
          default -> buffer.getLong();
        };
        case 'u' -> switch (bytes) {
          case 1 -> Byte.toUnsignedInt(buffer.get());
          case 2 -> Short.toUnsignedInt(buffer.getShort());
          case 4 -> Integer.toUnsignedLong(buffer.getInt());
          default -> unsignedLong(buffer.getLong());
        };
        default -> buffer.get() != 0 ? 1f : 0f;
      };
    }
    return values;
  }

  private static float unsignedLong(long value) {
    return value >= 0 ? value : (float) ((value >>> 1) * 2.0 + (value & 1));
  }
}
