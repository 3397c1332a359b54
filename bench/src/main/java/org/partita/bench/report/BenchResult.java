package org.partita.bench.report;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
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
import org.partita.deploy.report.PngChart;

/**
 * What one benchmark leaves behind for {@code bench/bin/bench report}: the markdown of its section in
 * docs/BENCHMARKS.md (heading, command, tables, remarks), chart series, and every cost-model
 * prediction it checked against a measurement. Saved as {@code <results>/<name>.json}; the
 * results directory is {@code -Dpartita.bench.results} (bench/bin/bench sets docs/bench).
 *
 * <p>A benchmark builds one, prints as it goes, and calls {@link #save()} at the end; the report
 * reads every saved result back with {@link #load(Path)}, so each benchmark can be rerun alone and
 * the document regenerated.
 */
public final class BenchResult {
  /**
   * One cost-model prediction next to what was measured for the same step (milliseconds), in its
   * category, and whether the case was held out: fixed in bench's held-out case file before it was
   * ever measured, never used to choose a formula or a constant. Results saved before either was
   * recorded read with a null category and as calibration cases.
   */
  public record Prediction(String model, String plan, String setting, double predictedMs, double minMs,
      double medianMs, double maxMs, PredictionCategory category, boolean heldOut) {
    public double relativeError() {
      return (predictedMs - medianMs) / medianMs;
    }
  }

  /**
   * One headline ratio for the top of docs/BENCHMARKS.md: what was measured against what, the median
   * and minimum over rounds, and the goal it is held to (empty when it has none; {@code met} null
   * then). The few marked {@code landing} are also written into the README's status block.
   */
  public record Headline(String what, String against, double median, double min, String goal, Boolean met,
      boolean landing) {
    Headline onLandingPage() {
      return new Headline(what, against, median, min, goal, met, true);
    }
  }

  /** One point of a chart series, e.g. series "CNN, data-parallel", x = nodes, y = speedup. */
  public record Point(String chart, String series, double x, double y) {}

  /** How the report draws chart {@code name}: its title, axis labels and how x values are spaced. */
  public record Chart(String name, String title, String xLabel, String yLabel, PngChart.Scale xScale) {}

  /** Date, CPU, cores, JVM: printed above every table. */
  public record Machine(String date, String cpu, int cores, String java, long maxHeapMiB) {
    public static Machine current() {
      return new Machine(LocalDate.now().toString(), MachineProbe.cpuModel(),
          Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name") + " "
          + System.getProperty("java.version"), Runtime.getRuntime().maxMemory() / (1024 * 1024));
    }

    /** The same date, CPU, cores and JVM (the heap differs with each benchmark's JVM options). */
    public boolean sameRun(Machine other) {
      return date.equals(other.date) && cpu.equals(other.cpu) && cores == other.cores && java.equals(other.java);
    }

    public String describe() {
      return date + " · " + cpu + " · " + cores + " cores · " + java + " · max heap " + maxHeapMiB + " MiB";
    }
  }

  private String name;
  private String title;
  private String command;
  private Machine machine;
  private Provenance provenance;
  private double seconds;
  private final StringBuilder markdown = new StringBuilder();
  private final List<Prediction> predictions = new ArrayList<>();
  private final List<Headline> headlines = new ArrayList<>();
  private final List<Point> points = new ArrayList<>();
  private final List<Chart> charts = new ArrayList<>();
  private final Map<String, Object> data = new LinkedHashMap<>();
  private transient long startNanos;

  private BenchResult() {}

  /**
   * Starts the result of benchmark {@code name} (its file name and its place in the report),
   * titled {@code title}, reproduced by {@code command} — or by the exact command line that
   * bench/bin/bench exports as {@code PARTITA_BENCH_COMMAND}, which wins. Records the commit and
   * whether the measured code had uncommitted changes ({@link Provenance}).
   */
  public static BenchResult start(String name, String title, String command) {
    BenchResult result = new BenchResult();
    result.name = name;
    result.title = title;
    String invoked = System.getenv("PARTITA_BENCH_COMMAND");
    result.command = invoked != null && !invoked.isBlank() ? invoked.strip() : command;
    result.machine = Machine.current();
    result.provenance = Provenance.of(Provenance.repositoryRoot());
    result.startNanos = System.nanoTime();
    System.out.println("# " + title + " — " + result.machine.describe() + " · commit "
        + result.provenance.shortCommit() + (result.provenance.dirty()
            ? " with uncommitted changes in " + String.join(", ", result.provenance.changed()) : ""));
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

  /** A calibration case: one of the benchmarks the cost model's formulas were developed against. */
  public BenchResult prediction(PredictionCategory category, String model, String plan, String setting,
      double predictedMs, double[] measuredMs) {
    return prediction(category, false, model, plan, setting, predictedMs, measuredMs);
  }

  public BenchResult prediction(PredictionCategory category, boolean heldOut, String model, String plan,
      String setting, double predictedMs, double[] measuredMs) {
    Stats measured = Stats.of(measuredMs);
    predictions.add(new Prediction(model, plan, setting, predictedMs, measured.min(), measured.median(),
        measured.max(), category, heldOut));
    return this;
  }

  /** Adds a headline ratio (see {@link Headline}) and prints it. */
  public BenchResult headline(String what, String against, double median, double min, String goal, Boolean met) {
    headlines.add(new Headline(what, against, median, min, goal, met, false));
    System.out.printf(java.util.Locale.ROOT, "headline: %s ÷ %s: median %.3f, min %.3f%s%n", what, against, median,
        min, goal.isEmpty() ? "" : " (goal " + goal + (met == null ? "" : met ? ", met)" : ", not met)"));
    return this;
  }

  public BenchResult point(String chart, String series, double x, double y) {
    points.add(new Point(chart, series, x, y));
    return this;
  }

  /**
   * Titles chart {@code name} and labels its axes; a chart with points but no declaration is drawn
   * with its name as title and plain "x" and "y" axes.
   */
  public BenchResult chart(String name, String title, String xLabel, String yLabel, PngChart.Scale xScale) {
    charts.add(new Chart(name, title, xLabel, yLabel, xScale));
    return this;
  }

  /** Raw numbers kept beside the markdown (every round's time, say) for whoever rereads the JSON. */
  public BenchResult data(String key, Object value) {
    data.put(key, value);
    return this;
  }

  /** Marks the headline added last as one the README's status block shows too. */
  public BenchResult alsoOnLandingPage() {
    headlines.add(headlines.remove(headlines.size() - 1).onLandingPage());
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
      json.put("provenance", provenance);
      json.put("seconds", seconds);
      json.put("markdown", markdown.toString());
      json.put("predictions", predictions);
      json.put("headlines", headlines);
      json.put("points", points);
      json.put("charts", charts);
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

  /**
   * Reads a result written by {@link #save()}. Properties added by later versions are ignored, so
   * an old report still reads new results; a missing section (no predictions, say) reads as empty.
   */
  public static BenchResult load(Path file) throws IOException {
    JsonNode json = MAPPER.readTree(file.toFile());
    if (json == null || !json.hasNonNull("name") || !json.hasNonNull("machine")) {
      throw new IOException(file + " is not a benchmark result: it lacks a name or a machine");
    }
    BenchResult result = new BenchResult();
    result.name = json.get("name").asText();
    result.title = json.path("title").asText(result.name);
    result.command = json.path("command").asText("");
    result.machine = MAPPER.treeToValue(json.get("machine"), Machine.class);
    // Results saved before provenance was recorded read as measured on an unknown commit.
    result.provenance = json.hasNonNull("provenance") ? MAPPER.treeToValue(json.get("provenance"), Provenance.class)
        : new Provenance(Provenance.UNKNOWN, false, List.of(), result.machine.date());
    result.seconds = json.path("seconds").asDouble(Double.NaN);
    result.markdown.append(json.path("markdown").asText(""));
    for (JsonNode prediction : json.path("predictions")) {
      result.predictions.add(MAPPER.treeToValue(prediction, Prediction.class));
    }
    for (JsonNode headline : json.path("headlines")) {
      result.headlines.add(MAPPER.treeToValue(headline, Headline.class));
    }
    for (JsonNode point : json.path("points")) {
      result.points.add(MAPPER.treeToValue(point, Point.class));
    }
    for (JsonNode chart : json.path("charts")) {
      result.charts.add(MAPPER.treeToValue(chart, Chart.class));
    }
    json.path("data").fields().forEachRemaining(entry ->
        result.data.put(entry.getKey(), MAPPER.convertValue(entry.getValue(), Object.class)));
    return result;
  }

  public String name() {
    return name;
  }

  public String title() {
    return title;
  }

  public String command() {
    return command;
  }

  public Machine machine() {
    return machine;
  }

  public Provenance provenance() {
    return provenance;
  }

  /** Wall-clock seconds from {@link #start} to {@link #save()}; NaN if the file did not say. */
  public double seconds() {
    return seconds;
  }

  public String markdown() {
    return markdown.toString();
  }

  public List<Prediction> predictions() {
    return List.copyOf(predictions);
  }

  public List<Headline> headlines() {
    return List.copyOf(headlines);
  }

  public List<Point> points() {
    return List.copyOf(points);
  }

  public List<Chart> charts() {
    return List.copyOf(charts);
  }

  /** What {@link #data} stored, as Jackson reads JSON back: numbers, strings, lists and maps. */
  public Map<String, Object> data() {
    return java.util.Collections.unmodifiableMap(data);
  }

  /** Writes indented JSON; reads ignoring properties it does not know (results of a later version). */
  static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** The results directory: {@code -Dpartita.bench.results}, else docs/bench under the working directory. */
  public static Path directory() {
    return Path.of(System.getProperty("partita.bench.results", "docs/bench"));
  }

  /** Formats milliseconds min / median / max. */
  public static String millis(double[] measuredMs) {
    return Stats.of(measuredMs).format("%.1f") + " ms";
  }
}
