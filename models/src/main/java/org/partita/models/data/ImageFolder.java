package org.partita.models.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.partita.models.layers.Shape;

/**
 * Images through the JDK's ImageIO (PNG, JPEG, GIF, BMP): DIR/CLASS/*.png|jpg one sub-directory per
 * class, or — for predict — the images directly in DIR. Each image is resized to H×W with
 * {@link #resize bilinear interpolation} (pixel centres aligned, no anti-aliasing), and becomes
 * C×H×W floats in [0, 1]: three channels R, G, B, or one grey channel — a grey image's own
 * values, a colour image's luma 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601). Alpha is ignored.
 * Files and sub-directories are taken in name order, so sample numbers are stable.
 */
final class ImageFolder {
  private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".gif", ".bmp");

  private ImageFolder() {}

  static SampleData read(Path directory, ReadOptions options) throws IOException {
    if (!Files.isDirectory(directory)) {
      throw new DataFormatException(directory, "image folder not found");
    }
    Shape shape = shape(directory, options);
    List<Path> classFolders = list(directory, Files::isDirectory);
    List<Path> loose = list(directory, ImageFolder::isImage);
    boolean labelled = options.expected().labels() == ReadOptions.LabelUse.REQUIRED;
    if (labelled && classFolders.isEmpty()) {
      throw new DataFormatException(directory, loose.isEmpty() ? "is empty: put each class's images in a"
          + " sub-directory named after the class" : "holds images but no class sub-directories: put each class's "
          + "images in DIR/CLASS/");
    }
    List<Path> files = new ArrayList<>();
    ClassCoder coder = labelled ? new ClassCoder(directory, options.expected()) : null;
    if (!classFolders.isEmpty()) {
      for (Path folder : classFolders) {
        List<Path> images = list(folder, ImageFolder::isImage);
        if (images.isEmpty() && labelled) {
          throw new DataFormatException(folder, "holds no images (" + String.join(", ", EXTENSIONS) + ")");
        }
        for (Path image : images) {
          files.add(image);
          if (coder != null) {
            coder.add(folder.getFileName().toString(), () -> "folder " + folder.getFileName());
          }
        }
      }
    } else {
      files.addAll(loose);
    }
    if (files.isEmpty()) {
      throw new DataFormatException(directory, "holds no images (" + String.join(", ", EXTENSIONS) + ")");
    }
    float[] features = new float[Math.multiplyExact(files.size(), shape.size())];
    for (int i = 0; i < files.size(); i++) {
      pixels(files.get(i), shape, features, i * shape.size());
    }
    Targets targets = coder == null ? null : coder.finish();
    return new SampleData(directory.toString(), DataFormat.IMAGES, shape, features, targets, List.of(), List.of("class"));
  }

  /** C×H×W from --image-size and --channels, each defaulting to the model's input. */
  private static Shape shape(Path directory, ReadOptions options) throws DataFormatException {
    ReadOptions.ImageSize size = options.images();
    Shape model = options.expected().input();
    int height = size.height() > 0 ? size.height() : model != null && !model.isVector() ? model.height() : 0;
    int width = size.width() > 0 ? size.width() : model != null && !model.isVector() ? model.width() : 0;
    int channels = size.channels() > 0 ? size.channels() : model != null && (model.channels() == 1
        || model.channels() == 3) ? model.channels() : 0;
    if (height == 0 || channels == 0) {
      throw new DataFormatException(directory, "give --image-size H,W and --channels 1|3: the model's input "
          + model + " is no C×H×W image of 1 or 3 channels");
    }
    return new Shape(channels, height, width);
  }

  private static boolean isImage(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return Files.isRegularFile(file) && EXTENSIONS.stream().anyMatch(name::endsWith);
  }

  private static List<Path> list(Path directory, java.util.function.Predicate<Path> keep) throws IOException {
    try (Stream<Path> entries = Files.list(directory)) {
      return entries.filter(keep).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
    }
  }

  /** Decodes {@code file}, resizes it to {@code shape} and writes its C×H×W values at {@code offset}. */
  static void pixels(Path file, Shape shape, float[] into, int offset) throws IOException {
    BufferedImage image;
    try {
      image = ImageIO.read(file.toFile());
    } catch (IOException | RuntimeException e) {
      throw new DataFormatException(file, "is not an image ImageIO can decode (" + e.getMessage() + ")", e);
    }
    if (image == null) {
      throw new DataFormatException(file, "is not an image ImageIO can decode (no reader for its contents)");
    }
    int w = image.getWidth();
    int h = image.getHeight();
    float[][] planes = planes(image, shape.channels());
    for (int c = 0; c < planes.length; c++) {
      resize(planes[c], h, w, into, offset + c * shape.positions(), shape.height(), shape.width());
    }
  }

  /** The image as {@code channels} planes of h×w values in [0, 1]. */
  private static float[][] planes(BufferedImage image, int channels) {
    int w = image.getWidth();
    int h = image.getHeight();
    float[][] planes = new float[channels][w * h];
    Raster raster = image.getRaster();
    boolean grey = raster.getNumBands() <= 2 && image.getColorModel().getColorSpace().getType()
        == java.awt.color.ColorSpace.TYPE_GRAY;
    if (grey) {
      // Read the samples themselves: getRGB would pass grey through a colour-space conversion.
      float max = (1 << image.getColorModel().getComponentSize(0)) - 1;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          float value = raster.getSample(x, y, 0) / max;
          for (float[] plane : planes) {
            plane[y * w + x] = value;
          }
        }
      }
      return planes;
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = image.getRGB(x, y);
        float r = ((rgb >> 16) & 0xff) / 255f;
        float g = ((rgb >> 8) & 0xff) / 255f;
        float b = (rgb & 0xff) / 255f;
        if (channels == 3) {
          planes[0][y * w + x] = r;
          planes[1][y * w + x] = g;
          planes[2][y * w + x] = b;
        } else {
          planes[0][y * w + x] = 0.299f * r + 0.587f * g + 0.114f * b;
        }
      }
    }
    return planes;
  }

  /**
   * Bilinear resize of an h×w plane to outH×outW: output pixel (y, x) samples the source at
   * ((y + ½)·h/outH − ½, (x + ½)·w/outW − ½), clamped to the edges, from its four neighbours.
   * The same size copies the plane unchanged.
   */
  static void resize(float[] source, int h, int w, float[] into, int offset, int outH, int outW) {
    double scaleY = (double) h / outH;
    double scaleX = (double) w / outW;
    for (int y = 0; y < outH; y++) {
      double sy = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), h - 1);
      int y0 = (int) sy;
      int y1 = Math.min(y0 + 1, h - 1);
      double fy = sy - y0;
      for (int x = 0; x < outW; x++) {
        double sx = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), w - 1);
        int x0 = (int) sx;
        int x1 = Math.min(x0 + 1, w - 1);
        double fx = sx - x0;
        double top = source[y0 * w + x0] * (1 - fx) + source[y0 * w + x1] * fx;
        double bottom = source[y1 * w + x0] * (1 - fx) + source[y1 * w + x1] * fx;
        into[offset + y * outW + x] = (float) (top * (1 - fy) + bottom * fy);
      }
    }
  }
}
