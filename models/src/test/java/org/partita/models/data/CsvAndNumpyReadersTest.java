package org.partita.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.data.ReadOptions.Expected;
import org.partita.models.data.ReadOptions.LabelUse;
import org.partita.models.data.ReadOptions.TargetKind;
import org.partita.models.layers.Shape;

/** CSV and NumPy files written by hand: what each reads to, and each bad file refused with its place named. */
class CsvAndNumpyReadersTest {
  @TempDir
  Path directory;

  private static final Expected THREE_CLASSES = Expected.training(Shape.vector(2), 3, TargetKind.CLASSES);
  private static final Expected REGRESSION = Expected.training(Shape.vector(2), 1, TargetKind.VALUES);

  private Path file(String name, String text) throws IOException {
    return Files.writeString(directory.resolve(name), text);
  }

  private static SampleData read(Path path, ReadOptions options) throws IOException {
    return DataReader.read(path, options).samples();
  }

  private static SampleData read(Path path, Expected expected) throws IOException {
    return read(path, ReadOptions.of(expected));
  }

  // ---- CSV ----

  @Test
  void csvWithClassNamesNumbersAndQuotesGzipOrPlain() throws IOException {
    String text = "height,\"width, cm\",species\n1.5,2,versicolor\n\n-3e-1,\"4\",setosa\r\n7,8,\"virginica\"\n";
    for (boolean gzip : new boolean[] {false, true}) {
      Path csv = directory.resolve(gzip ? "iris.csv.gz" : "iris.csv");
      try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(csv)) : Files.newOutputStream(csv)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
      SampleData data = read(csv, THREE_CLASSES);
      assertEquals(DataFormat.CSV, data.format());
      assertEquals(Shape.vector(2), data.sampleShape());
      assertArrayEquals(new float[] {1.5f, 2, -0.3f, 4, 7, 8}, data.features());
      Targets.Classes classes = (Targets.Classes) data.targets();
      assertEquals(List.of("setosa", "versicolor", "virginica"), classes.names());
      assertArrayEquals(new int[] {1, 0, 2}, classes.labels());
      assertEquals(List.of("height", "width, cm"), data.featureNames());
      assertEquals(List.of("species"), data.labelNames());
    }
  }

  /** Without --label a column called "label" holds the labels (Fashion-MNIST's CSV layout), wherever it is. */
  @Test
  void csvLabelsThatAreNumbersAreTheClassesThemselves() throws IOException {
    Path csv = file("digits.csv", "label,a,b\n2,0,1\n0,1,1\n2,0,0\n");
    SampleData data = read(csv, THREE_CLASSES);
    Targets.Classes classes = (Targets.Classes) data.targets();
    assertEquals(List.of("0", "1", "2"), classes.names());
    assertArrayEquals(new int[] {2, 0, 2}, classes.labels());
    assertArrayEquals(new float[] {0, 1, 1, 1, 0, 0}, data.features());
  }

  @Test
  void csvRegressionWithSeveralTargets() throws IOException {
    Path csv = file("houses.csv", "rooms,price,area,age\n3,250.5,80,10\n4,300,95,2\n");
    SampleData data = read(csv, new ReadOptions(null, List.of("price", "age"), null, List.of("x", "y"), 0,
        ReadOptions.ImageSize.MODEL, Expected.training(Shape.vector(2), 2, TargetKind.VALUES)));
    assertArrayEquals(new float[] {3, 80, 4, 95}, data.features());
    Targets.Values values = (Targets.Values) data.targets();
    assertEquals(List.of("price", "age"), values.names());
    assertArrayEquals(new float[] {250.5f, 10, 300, 2}, values.values());
    assertEquals(List.of("rooms", "area"), data.featureNames());
  }

  @Test
  void csvToPredictPicksTheTrainedColumnsAndNeedsNoLabels() throws IOException {
    Path csv = file("new.csv", "b,extra,a\n1,9,2\n3,9,4\n");
    Expected predict = new Expected(Shape.vector(2), 3, TargetKind.CLASSES, LabelUse.IGNORED, List.of("x", "y", "z"),
        List.of("a", "b"));
    SampleData data = read(csv, new ReadOptions(null, List.of("species"), null, List.of("x", "y"), 0,
        ReadOptions.ImageSize.MODEL, predict));
    assertArrayEquals(new float[] {2, 1, 4, 3}, data.features());
    assertNull(data.targets());
  }

  @Test
  void badCsvFilesAreRefusedWithFileLineAndColumn() throws IOException {
    assertRefused(file("ragged.csv", "a,b,y\n1,2,x\n1,2\n"), THREE_CLASSES, "line 3 has 2 values but the header has 3");
    assertRefused(file("text.csv", "a,b,y\n1,2,x\n1,two,x\n"), THREE_CLASSES, "line 3, column 'b': 'two' is not a number");
    for (String bad : new String[] {"NaN", "Infinity", "-Infinity", "1e39"}) {
      assertRefused(file("nan.csv", "a,b,y\n1,2,x\n" + bad + ",2,x\n"), THREE_CLASSES,
          "line 3, column 'a': " + bad + " is not a finite number");
    }
    assertRefused(file("nan-target.csv", "a,b,y\n1,2,3\n1,2,NaN\n"), REGRESSION,
        "line 3, column 'y': NaN is not a finite number");
    assertRefused(file("empty-cell.csv", "a,b,y\n1,,x\n"), THREE_CLASSES, "line 2, column 'b' is empty");
    assertRefused(file("empty.csv", ""), THREE_CLASSES, "is empty; a CSV file starts with a header row");
    assertRefused(file("header.csv", "a,b,y\n"), THREE_CLASSES, "has a header but no rows of data");
    assertRefused(file("quote.csv", "a,b,y\n1,\"2,x\n"), THREE_CLASSES, "line 2 has a quote that is never closed");
    DataFormatException missing = assertThrows(DataFormatException.class, () -> read(file("cols.csv",
        "a,b,y\n1,2,x\n"), new ReadOptions(null, List.of("label"), null, List.of("x", "y"), 0,
        ReadOptions.ImageSize.MODEL, THREE_CLASSES)));
    assertTrue(missing.getMessage().contains("has no column 'label' for the labels; its columns are a, b, y"),
        missing.getMessage());
    assertRefused(file("four.csv", "a,b,y\n1,2,p\n1,2,q\n1,2,r\n1,2,s\n"), THREE_CLASSES,
        "holds 4 classes (p, q, r, s) but the model has 3 outputs");
    assertRefused(file("big.csv", "a,b,y\n1,2,0\n1,2,3\n"), THREE_CLASSES,
        "line 3, column 'y': label 3 is no class of a model with 3 outputs");
    Expected evaluate = new Expected(Shape.vector(2), 3, TargetKind.CLASSES, LabelUse.REQUIRED,
        List.of("p", "q", "r"), List.of("a", "b"));
    assertRefused(file("unseen.csv", "a,b,y\n1,2,p\n1,2,t\n"), evaluate,
        "line 3, column 'y': class 't' was not seen in training; the model's classes are p, q, r");
    assertRefused(file("lost.csv", "a,y\n1,p\n"), evaluate, "has no column 'b', which the model was trained with");
    assertRefused(directory.resolve("absent.csv"), THREE_CLASSES, "file not found");
  }

  // ---- NumPy ----

  /** An .npy of {@code values} in {@code descr} (e.g. "<f4", ">i2"), version 1 header padded to 64 bytes. */
  static byte[] npy(String descr, String shape, boolean fortran, double... values) {
    String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': ("
        + shape + "), }";
    int unpadded = 10 + dict.length() + 1;
    String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
    int bytes = descr.charAt(2) - '0';
    ByteBuffer data = ByteBuffer.allocate(values.length * bytes)
        .order(descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    for (double v : values) {
      switch (descr.substring(1)) {
        case "f4" -> data.putFloat((float) v);
        case "f8" -> data.putDouble(v);
        case "i1", "u1", "b1" -> data.put((byte) v);
        case "i2" -> data.putShort((short) v);
        case "i4" -> data.putInt((int) v);
        case "i8", "u8" -> data.putLong((long) v);
        default -> throw new IllegalArgumentException(descr);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    out.write(header.length() & 0xff);
    out.write(header.length() >> 8);
    out.writeBytes(header.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(data.array());
    return out.toByteArray();
  }

  private Path npyFile(String name, byte[] bytes) throws IOException {
    return Files.write(directory.resolve(name), bytes);
  }

  @Test
  void npyOfEveryNumberTypeAndByteOrder() throws IOException {
    Path labels = npyFile("y.npy", npy("<i8", "2,", false, 2, 0));
    for (String descr : new String[] {"<f4", ">f4", "<f8", ">f8", "|i1", "<i2", ">i2", "<i4", ">i4", "<i8", "|u1",
        "<u8"}) {
      Path x = npyFile("x.npy", npy(descr, "2, 3", false, 1, 2, 3, 4, 5, 6));
      SampleData data = read(x, new ReadOptions(null, List.of(), labels, List.of("x", "y"), 0,
          ReadOptions.ImageSize.MODEL, Expected.training(Shape.vector(3), 3, TargetKind.CLASSES)));
      assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, data.features(), descr);
      assertArrayEquals(new int[] {2, 0}, ((Targets.Classes) data.targets()).labels(), descr);
    }
    SampleData bools = NumpyReader.readNpy(npyFile("b.npy", npy("|b1", "1, 3", false, 1, 0, 1)),
        ReadOptions.of(new Expected(Shape.vector(3), 2, TargetKind.CLASSES, LabelUse.IGNORED, List.of(), List.of())));
    assertArrayEquals(new float[] {1, 0, 1}, bools.features());
  }

  @Test
  void npyImagesAndRegressionTargets() throws IOException {
    Path x = npyFile("images.npy", npy("<f4", "2, 1, 2, 2", false, 1, 2, 3, 4, 5, 6, 7, 8));
    Path y = npyFile("price.npy", npy("<f8", "2, 2", false, 0.5, 1.5, 2.5, 3.5));
    SampleData data = read(x, new ReadOptions(null, List.of(), y, List.of("x", "y"), 0, ReadOptions.ImageSize.MODEL,
        Expected.training(new Shape(1, 2, 2), 2, TargetKind.VALUES)));
    assertEquals(new Shape(1, 2, 2), data.sampleShape());
    assertTrue(data.isImages());
    Targets.Values values = (Targets.Values) data.targets();
    assertEquals(List.of("price[0]", "price[1]"), values.names());
    assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f, 3.5f}, values.values());
  }

  @Test
  void npzWithDefaultOrNamedArraysCompressedOrStored() throws IOException {
    for (int method : new int[] {ZipEntry.DEFLATED, ZipEntry.STORED}) {
      Path npz = directory.resolve("data" + method + ".npz");
      writeNpz(npz, method, "features", npy("<f4", "2, 2", false, 1, 2, 3, 4), "target",
          npy("<i4", "2,", false, 1, 0));
      SampleData data = read(npz, new ReadOptions(null, List.of(), null, List.of("features", "target"), 0,
          ReadOptions.ImageSize.MODEL, Expected.training(Shape.vector(2), 2, TargetKind.CLASSES)));
      assertArrayEquals(new float[] {1, 2, 3, 4}, data.features());
      assertArrayEquals(new int[] {1, 0}, ((Targets.Classes) data.targets()).labels());
      DataFormatException missing = assertThrows(DataFormatException.class, () -> read(npz, Expected.training(
          Shape.vector(2), 2, TargetKind.CLASSES)));
      assertTrue(missing.getMessage().contains("holds no array 'x'; its arrays are features, target"),
          missing.getMessage());
    }
  }

  private static void writeNpz(Path npz, int method, String xName, byte[] x, String yName, byte[] y) throws IOException {
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(npz))) {
      for (Object[] array : new Object[][] {{xName, x}, {yName, y}}) {
        byte[] bytes = (byte[]) array[1];
        ZipEntry entry = new ZipEntry(array[0] + ".npy");
        entry.setMethod(method);
        if (method == ZipEntry.STORED) {
          java.util.zip.CRC32 crc = new java.util.zip.CRC32();
          crc.update(bytes);
          entry.setSize(bytes.length);
          entry.setCrc(crc.getValue());
        }
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
      }
    }
  }

  @Test
  void badNumpyFilesAreRefusedByName() throws IOException {
    Path labels = npyFile("labels.npy", npy("<i8", "2,", false, 0, 1));
    ReadOptions withLabels = new ReadOptions(null, List.of(), labels, List.of("x", "y"), 0, ReadOptions.ImageSize.MODEL,
        THREE_CLASSES);
    assertRefused(npyFile("f.npy", npy("<f4", "2, 2", true, 1, 2, 3, 4)), withLabels,
        "is stored in Fortran order (fortran_order: True)");
    byte[] lying = npy("<f4", "2, 2", false, 1, 2, 3, 4);
    assertRefused(npyFile("short.npy", java.util.Arrays.copyOf(lying, lying.length - 4)), withLabels,
        "the header promises shape (2, 2) of <f4, 16 bytes of data, but the file holds only 12 after the header");
    assertRefused(npyFile("long.npy", java.util.Arrays.copyOf(lying, lying.length + 4)), withLabels,
        "but the file holds more after the header");
    assertRefused(npyFile("half.npy", npy("<f2", "2, 2", false)), withLabels, "dtype '<f2' is not supported");
    assertRefused(npyFile("nan.npy", npy("<f8", "2, 2", false, 1, Double.NaN, 3, 4)), withLabels,
        "sample 0, value 1 is NaN");
    assertRefused(npyFile("empty.npy", new byte[0]), withLabels, "is empty");
    assertRefused(npyFile("text.npy", "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8)), withLabels,
        "is not a NumPy .npy array");
    assertRefused(npyFile("none.npy", npy("<f4", "0, 2", false)), withLabels, "holds no samples (shape (0, 2))");
    Path good = npyFile("good.npy", npy("<f4", "2, 2", false, 1, 2, 3, 4));
    assertRefused(good, THREE_CLASSES, "an .npy holds the features only; give the labels with --labels");
    Path three = npyFile("three.npy", npy("<i8", "3,", false, 0, 1, 2));
    DataFormatException miscounted = assertThrows(DataFormatException.class, () -> read(good, new ReadOptions(null,
        List.of(), three, List.of("x", "y"), 0, ReadOptions.ImageSize.MODEL, THREE_CLASSES)));
    assertTrue(miscounted.getMessage().equals(three + ": holds labels of shape (3,) for 2 samples (features of shape "
        + "(2, 2))"), miscounted.getMessage());
    Path nanTargets = npyFile("nan-y.npy", npy("<f4", "2,", false, 1, Float.NaN));
    assertRefused(good, new ReadOptions(null, List.of(), nanTargets, List.of("x", "y"), 0, ReadOptions.ImageSize.MODEL,
        REGRESSION), "target of sample 1, value 0 is NaN");
    Path fraction = npyFile("half-y.npy", npy("<f4", "2,", false, 1, 0.5));
    assertRefused(good, new ReadOptions(null, List.of(), fraction, List.of("x", "y"), 0, ReadOptions.ImageSize.MODEL,
        THREE_CLASSES), "label 1 is 0.5, no class of a model with 3 classes");
    assertRefused(npyFile("zip.npz", "not a zip".getBytes(StandardCharsets.UTF_8)), THREE_CLASSES,
        "is not an .npz (zip) archive");
  }

  private static void assertRefused(Path file, Expected expected, String problem) {
    assertRefused(file, ReadOptions.of(expected), problem);
  }

  private static void assertRefused(Path file, ReadOptions options, String problem) {
    DataFormatException error = assertThrows(DataFormatException.class, () -> read(file, options));
    // The features file, or the labels file when the labels are what is wrong.
    boolean named = error.file().equals(file) || error.file().equals(options.labelsFile());
    assertTrue(named && error.getMessage().startsWith(error.file() + ": ") && error.getMessage().contains(problem),
        "expected '" + problem + "' in: " + error.getMessage());
  }
}
