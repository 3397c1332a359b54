package org.partita.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX files written by hand — good, gzip, and broken in each way a file can be. */
class IdxFileTest {
  @TempDir
  Path directory;

  private static byte[] idx(int magic, int[] dims, int values) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(magic);
    for (int dim : dims) {
      out.writeInt(dim);
    }
    for (int i = 0; i < values; i++) {
      out.writeByte(i);
    }
    return bytes.toByteArray();
  }

  private Path write(String name, byte[] content, boolean gzip) throws IOException {
    Path file = directory.resolve(name);
    try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
      out.write(content);
    }
    return file;
  }

  @Test
  void readsPlainAndGzip() throws IOException {
    byte[] content = idx(0x0803, new int[] {2, 2, 3}, 12);
    for (boolean gzip : new boolean[] {false, true}) {
      IdxFile file = IdxFile.read(write("images" + gzip, content, gzip), 3);
      assertEquals(2, file.count());
      assertEquals(6, file.itemSize());
      assertArrayEquals(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, file.values());
    }
  }

  @Test
  void rejectsEachKindOfDamageNamingTheFile() throws IOException {
    assertProblem(write("a", idx(0x0803, new int[] {2, 2, 3}, 11), true), 3, "truncated: header [2, 2, 3] promises 12");
    assertProblem(write("b", idx(0x0803, new int[] {2, 2, 3}, 13), false), 3, "trailing bytes");
    assertProblem(write("c", idx(0x0801, new int[] {5}, 5), false), 3, "declares 1 dimensions, expected 3");
    assertProblem(write("d", idx(0x0a03, new int[] {1, 1, 1}, 1), false), 3, "value type 0x0a is not supported");
    assertProblem(write("d2", idx(0x0d03, new int[] {1, 1, 1}, 1), false), 3,
        "promises 1 values (value type 0x0d, float32, 4 bytes each) but the file holds 1 bytes of them");
    assertProblem(write("e", idx(0x12340803, new int[] {1, 1, 1}, 1), false), 3, "is not IDX");
    assertProblem(write("f", idx(0x0803, new int[] {2, -1, 3}, 0), false), 3, "dimension 1 is -1");
    assertProblem(write("g", new byte[] {0, 0}, false), 3, "shorter than the 4-byte IDX magic");
    assertProblem(write("h", idx(0x0803, new int[] {2}, 0), false), 3, "dimension 1 is missing");
    byte[] gzip = Files.readAllBytes(write("i", idx(0x0801, new int[] {100}, 100), true));
    gzip[gzip.length - 6] ^= 0x55;
    assertProblem(write("j", gzip, false), 1, "");
    assertProblem(write("k", java.util.Arrays.copyOf(gzip, gzip.length / 2), false), 1, "truncated gzip data");
    assertProblem(directory.resolve("absent"), 1, "file not found");
  }

  private static void assertProblem(Path file, int dimensions, String expected) {
    DataFormatException error = assertThrows(DataFormatException.class, () -> IdxFile.read(file, dimensions));
    assertEquals(file, error.file());
    assertTrue(error.getMessage().startsWith(file.toString()) && error.getMessage().contains(expected),
        error.getMessage());
  }

  @Test
  void fashionMnistDirectoryWithMismatchedCountsIsRejected() throws IOException {
    write("train-images-idx3-ubyte", idx(0x0803, new int[] {3, 28, 28}, 3 * 784), false);
    write("train-labels-idx1-ubyte", idx(0x0801, new int[] {2}, 2), false);
    write("t10k-images-idx3-ubyte", idx(0x0803, new int[] {1, 28, 28}, 784), false);
    write("t10k-labels-idx1-ubyte", idx(0x0801, new int[] {1}, 1), false);
    DataFormatException error = assertThrows(DataFormatException.class, () -> FashionMnist.load(directory));
    assertTrue(error.getMessage().contains("2 labels but train-images-idx3-ubyte holds 3 images"), error.getMessage());
  }
}
