package org.partita.deploy.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngChartTest {
  @TempDir
  Path directory;

  @Test
  void drawsSeriesOnALog2AxisAsADecodablePng() throws IOException {
    Path file = directory.resolve("speedup.png");
    List<PngChart.Series> series = List.of(
        new PngChart.Series("CNN, 1gbit", PngChart.Style.LINE, new double[] {1, 2, 4, 8}, new double[] {1, 1.6, 2.8, 5.3}),
        new PngChart.Series("ideal", PngChart.Style.DASHED, new double[] {1, 8}, new double[] {1, 8}),
        new PngChart.Series("measured", PngChart.Style.POINTS, new double[] {2}, new double[] {1.5}));
    PngChart.lines(file, "Speedup", new PngChart.Axis("nodes", PngChart.Scale.LOG2),
        new PngChart.Axis("speedup", PngChart.Scale.LINEAR), series);

    BufferedImage image = ImageIO.read(file.toFile());
    assertNotNull(image, "the file decodes as an image");
    assertEquals(PngChart.WIDTH, image.getWidth());
    assertEquals(PngChart.height(series.size()), image.getHeight());
    // The first series' colour (#1f77b4) is drawn: the curve and its legend entry.
    assertTrue(pixels(image, 0x1f77b4) > 100, "the first series is drawn");
    assertTrue(nonWhite(image) > image.getWidth() * image.getHeight() / 100, "the chart is not blank");
  }

  @Test
  void drawsBarsWithAReferenceLine() throws IOException {
    Path file = directory.resolve("peers.png");
    PngChart.bars(file, "Partita ÷ DL4J", "ratio", List.of("mlp", "cnn", "lstm"), new double[] {1.4, 0.9, Double.NaN},
        1.0, "goal");

    BufferedImage image = ImageIO.read(file.toFile());
    assertEquals(PngChart.WIDTH, image.getWidth());
    assertEquals(PngChart.height(1), image.getHeight());
    assertTrue(pixels(image, 0x1f77b4) > 1000, "the first bar is a filled rectangle");
  }

  @Test
  void ticksCoverTheValuesAtRoundNumbers() {
    assertArrayEquals(new double[] {1, 2, 4, 8, 16, 32}, PngChart.ticks(List.of(1.0, 32.0), PngChart.Scale.LOG2));
    assertArrayEquals(new double[] {2, 5, 10, 20, 50, 100, 200, 500},
        PngChart.ticks(List.of(2.5, 350.0), PngChart.Scale.LOG10));
    assertArrayEquals(new double[] {0, 0.5, 1, 1.5, 2, 2.5, 3}, PngChart.ticks(List.of(0.3, 2.7), PngChart.Scale.LINEAR),
        1e-12);
    // Epochs 1 to 3: no tick at epoch 1.5.
    assertArrayEquals(new double[] {1, 2, 3}, PngChart.ticks(List.of(1.0, 2.0, 3.0), PngChart.Scale.LINEAR), 1e-12);
  }

  private static int pixels(BufferedImage image, int rgb) {
    int count = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        count += (image.getRGB(x, y) & 0xffffff) == rgb ? 1 : 0;
      }
    }
    return count;
  }

  private static int nonWhite(BufferedImage image) {
    return image.getWidth() * image.getHeight() - pixels(image, 0xffffff);
  }
}
