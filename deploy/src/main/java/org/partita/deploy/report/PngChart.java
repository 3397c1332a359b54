package org.partita.deploy.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.partita.models.io.CheckpointFiles;

/**
 * The charts of docs/BENCHMARKS.md as PNG, drawn with the JDK alone (Java2D in headless mode,
 * ImageIO): series of (x, y) points on linear, log2 or log10 axes, and bars against a reference
 * value. Deliberately small: no layout engine, one fixed size, the legend below the plot so it
 * never hides a point. Non-finite values, and non-positive ones on a log axis, are left out.
 */
public final class PngChart {
  /** How values are spaced along an axis. */
  public enum Scale { LINEAR, LOG2, LOG10 }

  public record Axis(String label, Scale scale) {}

  /** How a series is drawn: joined points, points alone (a scatter), or a dashed reference line. */
  public enum Style { LINE, POINTS, DASHED }

  /** x[i], y[i] pairs, drawn in the order given. */
  public record Series(String name, Style style, double[] x, double[] y) {
    public Series {
      if (x.length != y.length) {
        throw new IllegalArgumentException("series '" + name + "' has " + x.length + " x values and " + y.length
            + " y values");
      }
      x = x.clone();
      y = y.clone();
    }
  }

  public static final int WIDTH = 800;
  private static final int PLOT_HEIGHT = 360;
  private static final int LEFT = 75;
  private static final int RIGHT = 25;
  private static final int TOP = 45;
  private static final int AXIS_SPACE = 50;
  private static final int LEGEND_LINE = 18;
  private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
      new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf),
      new Color(0xbcbd22), new Color(0x7f7f7f)};
  private static final Color GRID = new Color(0xe8e8e8);
  private static final Stroke SOLID = new BasicStroke(2f);
  private static final Stroke DASH = new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
      new float[] {7f, 5f}, 0f);

  private PngChart() {}

  /** Height of a chart with {@code legendEntries} legend lines (two per row). */
  public static int height(int legendEntries) {
    return TOP + PLOT_HEIGHT + AXIS_SPACE + ((legendEntries + 1) / 2) * LEGEND_LINE + 10;
  }

  /** Writes series on the given axes to {@code file} (atomically). */
  public static void lines(Path file, String title, Axis xAxis, Axis yAxis, List<Series> series) throws IOException {
    List<Double> xs = new ArrayList<>();
    // Speedups and times read best against zero; x values (nodes, workers) do not need it.
    List<Double> ys = new ArrayList<>(yAxis.scale() == Scale.LINEAR ? List.of(0.0) : List.of());
    for (Series s : series) {
      for (int i = 0; i < s.x().length; i++) {
        if (drawable(s.x()[i], xAxis.scale()) && drawable(s.y()[i], yAxis.scale())) {
          xs.add(s.x()[i]);
          ys.add(s.y()[i]);
        }
      }
    }
    double[] xTicks = ticks(xs, xAxis.scale());
    Frame frame = new Frame(title, xAxis, xTicks[0], xTicks[xTicks.length - 1], yAxis, ticks(ys, yAxis.scale()),
        series.size());
    frame.xTicks(xTicks);
    Graphics2D g = frame.graphics;
    for (int s = 0; s < series.size(); s++) {
      Series one = series.get(s);
      g.setColor(COLORS[s % COLORS.length]);
      g.setStroke(one.style() == Style.DASHED ? DASH : SOLID);
      int previousX = Integer.MIN_VALUE;
      int previousY = 0;
      for (int i = 0; i < one.x().length; i++) {
        if (!drawable(one.x()[i], xAxis.scale()) || !drawable(one.y()[i], yAxis.scale())) {
          previousX = Integer.MIN_VALUE;
          continue;
        }
        int px = frame.x(one.x()[i]);
        int py = frame.y(one.y()[i]);
        if (one.style() != Style.POINTS && previousX != Integer.MIN_VALUE) {
          g.drawLine(previousX, previousY, px, py);
        }
        if (one.style() != Style.DASHED) {
          g.fillOval(px - 4, py - 4, 9, 9);
        }
        previousX = px;
        previousY = py;
      }
      frame.legend(s, one.name(), one.style());
    }
    frame.save(file);
  }

  /**
   * Writes one bar per category to {@code file}, with a dashed horizontal line at
   * {@code reference} (a goal, say) named {@code referenceLabel}.
   */
  public static void bars(Path file, String title, String yLabel, List<String> categories, double[] values,
      double reference, String referenceLabel) throws IOException {
    if (categories.size() != values.length || values.length == 0) {
      throw new IllegalArgumentException(categories.size() + " categories for " + values.length + " bars");
    }
    List<Double> ys = new ArrayList<>(List.of(0.0, reference));
    for (double v : values) {
      if (Double.isFinite(v)) {
        ys.add(v);
      }
    }
    // Bar i is centred at x = i + 0.5.
    Frame frame = new Frame(title, new Axis("", Scale.LINEAR), 0, values.length, new Axis(yLabel, Scale.LINEAR),
        ticks(ys, Scale.LINEAR), 1);
    Graphics2D g = frame.graphics;
    FontMetrics metrics = g.getFontMetrics();
    int slot = frame.x(1) - frame.x(0);
    for (int i = 0; i < values.length; i++) {
      int center = frame.x(i + 0.5);
      g.setColor(Color.DARK_GRAY);
      String category = categories.get(i);
      g.drawString(category, center - metrics.stringWidth(category) / 2, TOP + PLOT_HEIGHT + 18);
      if (!Double.isFinite(values[i])) {
        continue;
      }
      int top = frame.y(values[i]);
      int bottom = frame.y(0);
      g.setColor(COLORS[i % COLORS.length]);
      g.fillRect(center - slot / 4, Math.min(top, bottom), slot / 2, Math.abs(bottom - top));
      g.setColor(Color.BLACK);
      String label = String.format(Locale.ROOT, "%.2f", values[i]);
      g.drawString(label, center - metrics.stringWidth(label) / 2, Math.min(top, bottom) - 5);
    }
    g.setColor(COLORS[1]);
    g.setStroke(DASH);
    g.drawLine(LEFT, frame.y(reference), WIDTH - RIGHT, frame.y(reference));
    frame.legend(0, referenceLabel, Style.DASHED);
    frame.save(file);
  }

  private static boolean drawable(double value, Scale scale) {
    return Double.isFinite(value) && (scale == Scale.LINEAR || value > 0);
  }

  /**
   * Tick values covering every value, the first and last being the axis ends: on a linear axis
   * 1, 2 or 5 × 10^k apart, about six of them, and at least 1 apart when every value is whole; on a log axis every power of the base, with 2× and
   * 5× between powers of ten when the values span less than three decades.
   */
  static double[] ticks(List<Double> values, Scale scale) {
    double low = values.stream().mapToDouble(Double::doubleValue).min().orElse(1);
    double high = values.stream().mapToDouble(Double::doubleValue).max().orElse(1);
    List<Double> candidates = new ArrayList<>();
    switch (scale) {
      case LINEAR -> {
        double step = roundStep((high > low ? high - low : 1) / 6);
        if (values.stream().allMatch(v -> v == Math.rint(v))) {
          step = Math.max(step, 1); // counts (epochs, workers) have no halves
        }
        for (long k = (long) Math.floor(low / step); k <= (long) Math.ceil(high / step) + 1; k++) {
          candidates.add(k * step);
        }
      }
      case LOG2 -> {
        for (long k = (long) Math.floor(log(low, 2)); k <= (long) Math.ceil(log(high, 2)) + 1; k++) {
          candidates.add(Math.pow(2, k));
        }
      }
      case LOG10 -> {
        double[] mantissas = log(high, 10) - log(low, 10) < 3 ? new double[] {1, 2, 5} : new double[] {1};
        for (long k = (long) Math.floor(log(low, 10)); k <= (long) Math.ceil(log(high, 10)); k++) {
          for (double mantissa : mantissas) {
            candidates.add(mantissa * Math.pow(10, k));
          }
        }
      }
    }
    // From the last candidate at or below the lowest value to the first at or above the highest.
    int first = 0;
    while (first + 1 < candidates.size() && candidates.get(first + 1) <= low) {
      first++;
    }
    int last = first + 1;
    while (last + 1 < candidates.size() && candidates.get(last) < high) {
      last++;
    }
    return candidates.subList(first, last + 1).stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static double log(double value, double base) {
    return Math.log(value) / Math.log(base);
  }

  /** 1, 2 or 5 times a power of ten, at least {@code rough}. */
  private static double roundStep(double rough) {
    double decade = Math.pow(10, Math.floor(Math.log10(rough)));
    for (double mantissa : new double[] {1, 2, 5}) {
      if (mantissa * decade >= rough) {
        return mantissa * decade;
      }
    }
    return 10 * decade;
  }

  /** 0.5, 2, 1.5, 1000: ticks are round numbers, so their shortest exact form reads best. */
  private static String label(double value) {
    return new BigDecimal(value).round(new MathContext(6)).stripTrailingZeros().toPlainString();
  }

  /** The image with its title, box, y axis and axis labels drawn; maps values to pixels. */
  private static final class Frame {
    final BufferedImage image;
    final Graphics2D graphics;
    final Scale xScale;
    final Scale yScale;
    final double xLow;
    final double xHigh;
    final double yLow;
    final double yHigh;

    /** The y axis runs from the first tick to the last; the x axis from {@code xLow} to {@code xHigh}. */
    Frame(String title, Axis xAxis, double xLow, double xHigh, Axis yAxis, double[] yTicks, int legendEntries) {
      this.xScale = xAxis.scale();
      this.yScale = yAxis.scale();
      this.xLow = xLow;
      this.xHigh = xHigh;
      this.yLow = yTicks[0];
      this.yHigh = yTicks[yTicks.length - 1];
      image = new BufferedImage(WIDTH, height(legendEntries), BufferedImage.TYPE_INT_RGB);
      graphics = image.createGraphics();
      Graphics2D g = graphics;
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, image.getWidth(), image.getHeight());
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
      g.drawString(title, LEFT, TOP - 18);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      FontMetrics metrics = g.getFontMetrics();
      int bottom = TOP + PLOT_HEIGHT;
      for (double tick : yTicks) {
        int y = y(tick);
        g.setColor(GRID);
        g.drawLine(LEFT, y, WIDTH - RIGHT, y);
        g.setColor(Color.DARK_GRAY);
        String text = label(tick);
        g.drawString(text, LEFT - 7 - metrics.stringWidth(text), y + metrics.getAscent() / 2 - 1);
      }
      g.setColor(Color.BLACK);
      g.drawRect(LEFT, TOP, WIDTH - LEFT - RIGHT, PLOT_HEIGHT);
      String xLabel = xAxis.label() + scaleNote(xScale);
      g.drawString(xLabel, LEFT + (WIDTH - LEFT - RIGHT - metrics.stringWidth(xLabel)) / 2, bottom + 36);
      Graphics2D rotated = (Graphics2D) g.create();
      rotated.rotate(-Math.PI / 2);
      String yLabel = yAxis.label() + scaleNote(yScale);
      rotated.drawString(yLabel, -(TOP + PLOT_HEIGHT / 2 + metrics.stringWidth(yLabel) / 2), 18);
      rotated.dispose();
    }

    /** Vertical grid lines and labels at these x values. */
    void xTicks(double[] ticks) {
      Graphics2D g = graphics;
      FontMetrics metrics = g.getFontMetrics();
      int bottom = TOP + PLOT_HEIGHT;
      for (double tick : ticks) {
        int x = x(tick);
        g.setColor(GRID);
        g.drawLine(x, TOP + 1, x, bottom - 1);
        g.setColor(Color.DARK_GRAY);
        g.drawLine(x, bottom, x, bottom + 4);
        String text = label(tick);
        g.drawString(text, x - metrics.stringWidth(text) / 2, bottom + 17);
      }
    }

    private static String scaleNote(Scale scale) {
      return switch (scale) {
        case LINEAR -> "";
        case LOG2 -> " (log2 scale)";
        case LOG10 -> " (log scale)";
      };
    }

    int x(double value) {
      return LEFT + (int) Math.round(fraction(value, xLow, xHigh, xScale) * (WIDTH - LEFT - RIGHT));
    }

    int y(double value) {
      return TOP + PLOT_HEIGHT - (int) Math.round(fraction(value, yLow, yHigh, yScale) * PLOT_HEIGHT);
    }

    private static double fraction(double value, double low, double high, Scale scale) {
      return scale == Scale.LINEAR ? (value - low) / (high - low) : Math.log(value / low) / Math.log(high / low);
    }

    /** Entry {@code index} of the legend below the axis label, two entries a row. */
    void legend(int index, String name, Style style) {
      Graphics2D g = graphics;
      int x = LEFT + (index % 2) * (WIDTH - LEFT - RIGHT) / 2;
      int y = TOP + PLOT_HEIGHT + AXIS_SPACE + (index / 2) * LEGEND_LINE + 10;
      g.setStroke(style == Style.DASHED ? DASH : SOLID);
      if (style != Style.POINTS) {
        g.drawLine(x, y - 4, x + 24, y - 4);
      }
      if (style != Style.DASHED) {
        g.fillOval(x + 8, y - 8, 9, 9);
      }
      g.setColor(Color.BLACK);
      g.drawString(name, x + 32, y);
    }

    void save(Path file) throws IOException {
      graphics.dispose();
      ByteArrayOutputStream png = new ByteArrayOutputStream();
      if (!ImageIO.write(image, "png", png)) {
        throw new IOException("this JVM has no PNG writer, so " + file + " cannot be drawn");
      }
      CheckpointFiles.writeAtomically(file, png.toByteArray());
    }
  }
}
