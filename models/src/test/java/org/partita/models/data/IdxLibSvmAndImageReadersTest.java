package org.partita.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.partita.models.data.ReadOptions.Expected;
import org.partita.models.data.ReadOptions.LabelUse;
import org.partita.models.data.ReadOptions.TargetKind;
import org.partita.models.layers.Shape;

/** IDX of other ranks and types, LibSVM text and image folders written by hand; each bad input named. */
class IdxLibSvmAndImageReadersTest {
  @TempDir
  Path directory;

  private static ReadOptions options(Path labels, Expected expected) {
    return new ReadOptions(null, List.of(), labels, List.of("x", "y"), 0, ReadOptions.ImageSize.MODEL, expected);
  }

  // ---- IDX ----

  private Path idx(String name, int type, int[] dimensions, float... values) throws IOException {
    int width = switch (type) {
      case 0x08, 0x09 -> 1;
      case 0x0B -> 2;
      case 0x0C, 0x0D -> 4;
      default -> 8;
    };
    ByteBuffer bytes = ByteBuffer.allocate(4 + 4 * dimensions.length + width * values.length);
    bytes.putInt((type << 8) | dimensions.length);
    for (int d : dimensions) {
      bytes.putInt(d);
    }
    for (float v : values) {
      switch (type) {
        case 0x08, 0x09 -> bytes.put((byte) v);
        case 0x0B -> bytes.putShort((short) v);
        case 0x0C -> bytes.putInt((int) v);
        case 0x0D -> bytes.putFloat(v);
        default -> bytes.putDouble(v);
      }
    }
    return Files.write(directory.resolve(name), bytes.array());
  }

  @Test
  void idxOfAnyRankAndType() throws IOException {
    Path labels = idx("labels-idx1-ubyte", 0x08, new int[] {2}, 1, 0);
    Path table = idx("table.idx", 0x0D, new int[] {2, 3}, 1.5f, -2, 3, 4, 5, 6);
    SampleData rows = DataReader.read(table, options(labels, Expected.training(Shape.vector(3), 2,
        TargetKind.CLASSES))).samples();
    assertEquals(Shape.vector(3), rows.sampleShape());
    assertArrayEquals(new float[] {1.5f, -2, 3, 4, 5, 6}, rows.features());
    assertArrayEquals(new int[] {1, 0}, ((Targets.Classes) rows.targets()).labels());

    Path colour = idx("colour-idx4-ubyte", 0x08, new int[] {2, 3, 1, 1}, 0, 51, 255, 102, 153, 204);
    SampleData images = DataReader.read(colour, options(labels, Expected.training(new Shape(3, 1, 1), 2,
        TargetKind.CLASSES))).samples();
    assertEquals(new Shape(3, 1, 1), images.sampleShape());
    assertArrayEquals(new float[] {0, 0.2f, 1, 0.4f, 0.6f, 0.8f}, images.features(), 1e-7f);

    for (int type : new int[] {0x09, 0x0B, 0x0C, 0x0E}) {
      Path values = idx("values-" + type, type, new int[] {2, 2}, -1, 2, 3, -4);
      Path targets = idx("targets-" + type, 0x0E, new int[] {2}, 0.25f, -8);
      SampleData regression = DataReader.read(values, options(targets, Expected.training(Shape.vector(2), 1,
          TargetKind.VALUES)).withFormat(DataFormat.IDX)).samples();
      assertArrayEquals(new float[] {-1, 2, 3, -4}, regression.features(), "type " + type);
      assertArrayEquals(new float[] {0.25f, -8}, ((Targets.Values) regression.targets()).values());
    }
  }

  @Test
  void badIdxSamplesAreNamed() throws IOException {
    Path labels = idx("l-idx1-ubyte", 0x08, new int[] {2}, 1, 0);
    Expected two = Expected.training(Shape.vector(2), 2, TargetKind.CLASSES);
    assertRefused(labels, options(labels, two), labels, "IDX header declares 1 dimension");
    Path nan = idx("nan.idx", 0x0D, new int[] {2, 2}, 1, 2, Float.NaN, 4);
    assertRefused(nan, options(labels, two), nan, "sample 1, value 0 is NaN");
    Path three = idx("three-idx1-ubyte", 0x08, new int[] {3}, 0, 1, 1);
    Path good = idx("good.idx", 0x0D, new int[] {2, 2}, 1, 2, 3, 4);
    assertRefused(good, options(three, two), three, "3 labels but good.idx holds 2 samples");
    Path wide = idx("wide-idx1-ubyte", 0x08, new int[] {2}, 0, 2);
    assertRefused(good, options(wide, two), wide, "label 1 is 2, no class of a model with 2 classes (0–1)");
    assertRefused(good, options(null, two), good, "holds samples only; give their labels with --labels");
  }

  // ---- LibSVM ----

  @Test
  void libSvmSparseRowsWithInferredOrGivenWidth() throws IOException {
    Path file = Files.writeString(directory.resolve("a.libsvm"), "+1 1:0.5 3:2 # a comment\n\n-1 qid:3 2:-1\n+1 4:1\n");
    SampleData data = DataReader.read(file, options(null, new Expected(null, 2, TargetKind.CLASSES, LabelUse.REQUIRED,
        List.of(), List.of()))).samples();
    assertEquals(Shape.vector(4), data.sampleShape());
    assertArrayEquals(new float[] {0.5f, 0, 2, 0, 0, -1, 0, 0, 0, 0, 0, 1}, data.features());
    Targets.Classes classes = (Targets.Classes) data.targets();
    assertEquals(List.of("-1", "+1"), classes.names());
    assertArrayEquals(new int[] {1, 0, 1}, classes.labels());

    ReadOptions six = new ReadOptions(DataFormat.LIBSVM, List.of(), null, List.of("x", "y"), 6,
        ReadOptions.ImageSize.MODEL, Expected.training(Shape.vector(6), 1, TargetKind.VALUES));
    Path text = Files.writeString(directory.resolve("b.txt"), "2.5 6:1\n-1 1:3\n");
    SampleData regression = DataReader.read(text, six).samples();
    assertEquals(Shape.vector(6), regression.sampleShape());
    assertArrayEquals(new float[] {2.5f, -1}, ((Targets.Values) regression.targets()).values());
  }

  @Test
  void badLibSvmLinesAreNamed() throws IOException {
    Expected four = Expected.training(Shape.vector(4), 2, TargetKind.CLASSES);
    String[][] cases = {
        {"1 0:1\n", "line 1, entry '0:1': indices start at 1"},
        {"1 2:1 1:1\n", "line 1, entry '1:1': indices must increase along a line (after 2)"},
        {"1 5:1\n", "line 1, entry '5:1': index 5 is beyond the 4 features of a row (the model's input)"},
        {"1 1:x\n", "line 1, entry '1:x': 'x' is not a number"},
        {"1 1:1\n0 2:nan\n", "line 2, entry '2:nan': 'nan' is not a number"},
        {"1 1:1\n0 2:Infinity\n", "line 2, entry '2:Infinity': Infinity is not a finite number"},
        {"1 1:1 word\n", "line 1, entry 'word' is not INDEX:VALUE"},
        {"# only a comment\n", "holds no samples"},
        {"1 1:1\n7 1:1\n", "line 2, the label: label 7 is no class of a model with 2 outputs"}};
    for (String[] c : cases) {
      Path file = Files.writeString(directory.resolve("bad.svm"), c[0]);
      assertRefused(file, options(null, four), file, c[1]);
    }
  }

  // ---- image folders ----

  private static BufferedImage image(int type, int width, int height, int rgb) {
    BufferedImage image = new BufferedImage(width, height, type);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, x == 0 ? rgb : 0x000000);
      }
    }
    return image;
  }

  @Test
  void imageFoldersInGreyOrRgbResizedBilinearly() throws IOException {
    Path root = Files.createDirectories(directory.resolve("pictures"));
    Files.createDirectories(root.resolve("cat"));
    Files.createDirectories(root.resolve("dog"));
    ImageIO.write(image(BufferedImage.TYPE_INT_RGB, 2, 2, 0xff0000), "png", root.resolve("dog/a.png").toFile());
    ImageIO.write(image(BufferedImage.TYPE_INT_RGB, 2, 2, 0x0000ff), "png", root.resolve("cat/b.png").toFile());
    BufferedImage grey = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
    grey.getRaster().setPixels(0, 0, 4, 1, new int[] {0, 51, 102, 255});
    ImageIO.write(grey, "png", root.resolve("cat/c.png").toFile());
    Files.writeString(root.resolve("cat/notes.txt"), "not an image, not listed");

    ReadOptions rgb = new ReadOptions(null, List.of(), null, List.of("x", "y"), 0, new ReadOptions.ImageSize(2, 2, 3),
        Expected.training(new Shape(3, 2, 2), 2, TargetKind.CLASSES));
    SampleData data = DataReader.read(root, rgb).samples();
    assertEquals(DataFormat.IMAGES, data.format());
    assertEquals(new Shape(3, 2, 2), data.sampleShape());
    Targets.Classes classes = (Targets.Classes) data.targets();
    assertEquals(List.of("cat", "dog"), classes.names());
    assertArrayEquals(new int[] {0, 0, 1}, classes.labels());
    // cat/b.png: blue in column 0 — R and G planes zero, B plane 1 at x = 0.
    assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0}, java.util.Arrays.copyOfRange(data.features(),
        0, 12));
    // cat/c.png, 4×1 grey resized to 2×2: each output pixel halfway between two sources.
    float[] c = java.util.Arrays.copyOfRange(data.features(), 12, 24);
    assertArrayEquals(new float[] {0.1f, 0.7f, 0.1f, 0.7f}, java.util.Arrays.copyOfRange(c, 0, 4), 1e-6f);

    ReadOptions greyOptions = ReadOptions.of(Expected.training(new Shape(1, 1, 4), 2, TargetKind.CLASSES));
    SampleData luma = DataReader.read(root, greyOptions).samples();
    // dog/a.png: red at x = 0 upsampled from 2 to 4 columns: luma 0.299 at the left edge.
    float[] dog = java.util.Arrays.copyOfRange(luma.features(), 8, 12);
    assertArrayEquals(new float[] {0.299f, 0.299f * 0.75f, 0.299f * 0.25f, 0}, dog, 1e-6f);

    SampleData unlabelled = DataReader.read(root.resolve("cat"), ReadOptions.of(new Expected(new Shape(1, 2, 2), 2,
        TargetKind.CLASSES, LabelUse.IGNORED, List.of("cat", "dog"), List.of()))).samples();
    assertEquals(2, unlabelled.size());
    assertNull(unlabelled.targets());
  }

  @Test
  void badImageFoldersAreNamed() throws IOException {
    Expected two = Expected.training(new Shape(1, 2, 2), 2, TargetKind.CLASSES);
    Path empty = Files.createDirectories(directory.resolve("empty"));
    assertRefused(empty, options(null, two).withFormat(DataFormat.IMAGES), empty, "is empty");
    Path flat = Files.createDirectories(directory.resolve("flat"));
    ImageIO.write(image(BufferedImage.TYPE_INT_RGB, 2, 2, 0xffffff), "png", flat.resolve("a.png").toFile());
    assertRefused(flat, options(null, two), flat, "holds images but no class sub-directories");
    Path broken = Files.createDirectories(directory.resolve("broken/cat"));
    Files.createDirectories(directory.resolve("broken/dog"));
    ImageIO.write(image(BufferedImage.TYPE_INT_RGB, 2, 2, 0xffffff), "png", directory.resolve("broken/dog/ok.png")
        .toFile());
    Path bad = Files.writeString(broken.resolve("bad.jpg"), "not a JPEG");
    assertRefused(directory.resolve("broken"), options(null, two), bad, "is not an image ImageIO can decode");
    Path noDogs = Files.createDirectories(directory.resolve("nodogs/dog"));
    Files.createDirectories(directory.resolve("nodogs/cat"));
    ImageIO.write(image(BufferedImage.TYPE_INT_RGB, 2, 2, 0), "png", directory.resolve("nodogs/cat/a.png").toFile());
    assertRefused(directory.resolve("nodogs"), options(null, two), noDogs, "holds no images");
    assertRefused(directory.resolve("nodogs"), options(null, Expected.training(Shape.vector(4), 2, TargetKind.CLASSES)),
        directory.resolve("nodogs"), "give --image-size H,W and --channels 1|3");
  }

  private static void assertRefused(Path path, ReadOptions options, Path named, String problem) {
    DataFormatException error = assertThrows(DataFormatException.class, () -> DataReader.read(path, options));
    assertEquals(named, error.file(), error.getMessage());
    assertTrue(error.getMessage().startsWith(named + ": ") && error.getMessage().contains(problem),
        "expected '" + problem + "' in: " + error.getMessage());
  }
}
