package org.partita.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.partita.partitioner.MachineProbe;

/**
 * What one benchmark leaves behind for {@code bench/bin/bench report}: the markdown of its section in
 * docs/BENCHMARKS.md (heading, command, tables, remarks), chart series, and every cost-model
 * prediction it checked against a measurement. Saved as {@code <results>/<name>.json}; the
 * results directory is {@code -Dpartita.bench.results} (bench/bin/bench sets docs/bench).
 *
 * <p>A benchmark builds one, prints as it goes, and calls {@link #save()} at the end; the report
 * reads every saved result, so each benchmark can be rerun alone and the document regenerated.
 */
public final class BenchResult {
  /** One cost-model prediction next to what was measured for the same step (milliseconds). */
  public record Prediction(String model, String plan, String setting, double predictedMs, double minMs,
      double medianMs, double maxMs) {
    public double relativeError() {
      return (predictedMs - medianMs) / medianMs;
    }
  }

  /** One point of a chart series, e.g. series "CNN, data-parallel", x = nodes, y = speedup. */
  public record Point(String chart, String series, double x, double y) {}

  /** Date, CPU, cores, JVM: printed above every table. */
  public record Machine(String date, String cpu, int cores, String java, long maxHeapMiB) {
    public static Machine current() {
      return new Machine(LocalDate.now().toString(), MachineProbe.cpuModel(),
          Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name") + " "
          + System.getProperty("java.version"), Runtime.getRuntime().maxMemory() / (1024 * 1024));
    }

    public String describe() {
      return date + " · " + cpu + " · " + cores + " cores · " + java + " · max heap " + maxHeapMiB + " MiB";
    }
  }

  private String name;
  private String title;
  private String command;
  private Machine machine;
  private double seconds;
  private final StringBuilder markdown = new StringBuilder();
  private final List<Prediction> predictions = new ArrayList<>();
  private final List<Point> points = new ArrayList<>();
  private final Map<String, Object> data = new LinkedHashMap<>();
  private transient long startNanos;

  private BenchResult() {}

  /**
   * Starts the result of benchmark {@code name} (its file name and its place in the report),
   * titled {@code title}, reproduced by {@code command}.
   */
  public static BenchResult start(String name, String title, String command) {
    BenchResult result = new BenchResult();
    result.name = name;
    result.title = title;
    result.command = command;
    result.machine = Machine.current();
    result.startNanos = System.nanoTime();
    System.out.println("# " + title + " — " + result.machine.describe());
    return result;
  }

  /** Appends a paragraph (or any markdown) to the section and prints it. */
  public BenchResult paragraph(String text) {
    markdown.append(text.strip()).append("\n\n");
    System.out.println();
    System.out.println(text.strip());
    return this;
  }

  /** Appends a markdown table and prints it. */
  public BenchResult table(List<String> header, List<List<String>> rows) {
    StringBuilder table = new StringBuilder();
    table.append("| ").append(String.join(" | ", header)).append(" |\n");
    table.append("|").append("---|".repeat(header.size())).append("\n");
    for (List<String> row : rows) {
      if (row.size() != header.size()) {
        throw new IllegalArgumentException("table row " + row + " has " + row.size() + " cells, header "
            + header.size());
      }
      table.append("| ").append(String.join(" | ", row)).append(" |\n");
    }
    markdown.append(table).append("\n");
    System.out.println();
    System.out.print(table);
    return this;
  }

  public BenchResult prediction(String model, String plan, String setting, double predictedMs, double[] measuredMs) {
    Stats measured = Stats.of(measuredMs);
    predictions.add(new Prediction(model, plan, setting, predictedMs, measured.min(), measured.median(),
        measured.max()));
    return this;
  }

  public BenchResult point(String chart, String series, double x, double y) {
    points.add(new Point(chart, series, x, y));
    return this;
  }

  /** Raw numbers kept beside the markdown (every round's time, say) for whoever rereads the JSON. */
  public BenchResult data(String key, Object value) {
    data.put(key, value);
    return this;
  }

  /** Writes {@code <results>/<name>.json}; returns the file. */
  public Path save() {
    seconds = (System.nanoTime() - startNanos) / 1e9;
    Path file = directory().resolve(name + ".json");
    try {
      Files.createDirectories(file.getParent());
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("name", name);
      json.put("title", title);
      json.put("command", command);
      json.put("machine", machine);
      json.put("seconds", seconds);
      json.put("markdown", markdown.toString());
      json.put("predictions", predictions);
      json.put("points", points);
      json.put("data", data);
      Path temporary = file.resolveSibling(name + ".json.tmp");
      MAPPER.writeValue(temporary.toFile(), json);
      Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write benchmark result " + file + ": " + e.getMessage(), e);
    }
    System.out.printf(Locale.ROOT, "%n%s: %.0f s; result in %s%n", name, seconds, file);
    return file;
  }

  static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The results directory: {@code -Dpartita.bench.results}, else docs/bench under the working directory. */
  public static Path directory() {
    return Path.of(System.getProperty("partita.bench.results", "docs/bench"));
  }

  /** Formats milliseconds min / median / max. */
  public static String millis(double[] measuredMs) {
    return Stats.of(measuredMs).format("%.1f") + " ms";
  }
}
