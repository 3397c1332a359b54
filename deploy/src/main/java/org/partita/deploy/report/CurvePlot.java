package org.partita.deploy.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A small line chart written as PNG with the JDK alone (Java2D, ImageIO, headless): per-epoch
 * curves of a training run — loss, accuracy — with axes, ticks at round values and a legend.
 */
public final class CurvePlot {
  private static final int WIDTH = 720;
  private static final int HEIGHT = 420;
  private static final int LEFT = 70;
  private static final int RIGHT = 20;
  private static final int TOP = 40;
  private static final int BOTTOM = 50;
  private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
      new Color(0xff7f0e)};

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<String> names = new ArrayList<>();
  private final List<double[]> series = new ArrayList<>();

  public CurvePlot(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  /** A curve: y[i] at x = i + 1 (epochs count from 1). */
  public CurvePlot add(String name, double[] y) {
    names.add(name);
    series.add(y.clone());
    return this;
  }

  public void save(Path file) throws IOException {
    double low = Double.POSITIVE_INFINITY;
    double high = Double.NEGATIVE_INFINITY;
    int points = 1;
    for (double[] y : series) {
      points = Math.max(points, y.length);
      for (double v : y) {
        if (Double.isFinite(v)) {
          low = Math.min(low, v);
          high = Math.max(high, v);
        }
      }
    }
    if (!(low <= high)) {
      low = 0;
      high = 1;
    }
    double step = niceStep((high - low) / 5);
    double yMin = Math.floor(low / step) * step;
    double yMax = Math.max(yMin + step, Math.ceil(high / step) * step);
    BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      int plotWidth = WIDTH - LEFT - RIGHT;
      int plotHeight = HEIGHT - TOP - BOTTOM;
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
      g.setColor(Color.BLACK);
      g.drawString(title, LEFT, TOP - 15);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      FontMetrics metrics = g.getFontMetrics();
      // horizontal grid and y ticks
      for (double v = yMin; v <= yMax + step / 2; v += step) {
        int y = TOP + plotHeight - (int) Math.round((v - yMin) / (yMax - yMin) * plotHeight);
        g.setColor(new Color(0xe5e5e5));
        g.drawLine(LEFT, y, LEFT + plotWidth, y);
        g.setColor(Color.DARK_GRAY);
        String label = format(v, step);
        g.drawString(label, LEFT - 8 - metrics.stringWidth(label), y + metrics.getAscent() / 2 - 1);
      }
      // x ticks: at most ~10 labels
      int every = Math.max(1, (int) Math.ceil(points / 10.0));
      for (int i = 1; i <= points; i += every) {
        int x = xOf(i, points, plotWidth);
        g.drawLine(x, TOP + plotHeight, x, TOP + plotHeight + 4);
        String label = String.valueOf(i);
        g.drawString(label, x - metrics.stringWidth(label) / 2, TOP + plotHeight + 18);
      }
      g.setColor(Color.BLACK);
      g.drawRect(LEFT, TOP, plotWidth, plotHeight);
      g.drawString(xLabel, LEFT + plotWidth / 2 - metrics.stringWidth(xLabel) / 2, HEIGHT - 12);
      Graphics2D rotated = (Graphics2D) g.create();
      rotated.rotate(-Math.PI / 2);
      rotated.drawString(yLabel, -(TOP + plotHeight / 2 + metrics.stringWidth(yLabel) / 2), 18);
      rotated.dispose();
      g.setStroke(new BasicStroke(2f));
      for (int s = 0; s < series.size(); s++) {
        double[] y = series.get(s);
        g.setColor(COLORS[s % COLORS.length]);
        int previousX = -1;
        int previousY = -1;
        for (int i = 0; i < y.length; i++) {
          if (!Double.isFinite(y[i])) {
            previousX = -1;
            continue;
          }
          int x = xOf(i + 1, points, plotWidth);
          int py = TOP + plotHeight - (int) Math.round((y[i] - yMin) / (yMax - yMin) * plotHeight);
          if (previousX >= 0) {
            g.drawLine(previousX, previousY, x, py);
          }
          g.fillOval(x - 3, py - 3, 7, 7);
          previousX = x;
          previousY = py;
        }
        // the legend sits in the header, right-aligned, so it never hides a curve
        int legendY = TOP - 15;
        int legendX = LEFT + plotWidth - (series.size() - s) * 110;
        g.drawLine(legendX, legendY - 4, legendX + 22, legendY - 4);
        g.setColor(Color.BLACK);
        g.drawString(names.get(s), legendX + 28, legendY);
      }
    } finally {
      g.dispose();
    }
    if (!ImageIO.write(image, "png", file.toFile())) {
      throw new IOException("no PNG writer in this JVM for " + file);
    }
  }

  private static int xOf(int point, int points, int plotWidth) {
    return points == 1 ? LEFT + plotWidth / 2
        : LEFT + (int) Math.round((point - 1) * (double) plotWidth / (points - 1));
  }

  /** 1, 2 or 5 times a power of ten. */
  static double niceStep(double rough) {
    if (!(rough > 0)) {
      return 0.1;
    }
    double power = Math.pow(10, Math.floor(Math.log10(rough)));
    double fraction = rough / power;
    return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
  }

  private static String format(double value, double step) {
    int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step)));
    return String.format(Locale.ROOT, "%." + decimals + "f", value);
  }
}
