package org.partita.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.partita.models.io.CheckpointFiles;
import org.partita.deploy.report.PngChart;

/**
 * Regenerates docs/BENCHMARKS.md from the results the benchmarks saved (docs/bench/*.json): one
 * table of headline ratios with the file and commit each comes from, which code each result
 * measured (flagging results whose shipped modules differ from HEAD's, or that were measured on
 * uncommitted code), the machines, each benchmark's section with its charts (PNG next to the
 * results), and the cost model's errors per category, held-out cases apart. Everything below
 * {@link #END_MARKER} in the existing document (brief hand-written notes) is kept verbatim.
 * Measures nothing and runs no benchmark. Refuses, with exit code 2, to describe uncommitted code
 * unless given --allow-dirty.
 *
 * <pre>
 *   bench/bin/bench report [--results docs/bench] [--document docs/BENCHMARKS.md] [--allow-dirty]
 * </pre>
 */
public final class Report {
  /** Sections in this order; results with other names follow, by name. */
  static final List<String> ORDER = List.of("kernels", "layers", "cost", "scaling", "netsim", "holdout", "spark",
      "peers", "onnx", "projection");
  static final String END_MARKER = "<!-- end of generated part; earlier notes follow -->";
  static final String EARLIER_HEADING = "# Earlier measurements (hand-written, kept for their history)";
  private static final String COST_CHART = "cost-model";
  /** Issue 28: the cost model's median |error| on held-out cases, in every category. */
  static final double COST_ERROR_GOAL = 0.15;
  /** Issue 28: `bench/bin/bench all`, every benchmark, within this many seconds of their own time. */
  static final double BUDGET_SECONDS = 40 * 60;
  /** Where the held-out cases are fixed before they are measured. */
  static final String HELD_OUT_CASES = "bench/src/main/resources/holdout-cases.conf";

  private Report() {}

  public static void main(String[] args) throws IOException {
    System.setProperty("java.awt.headless", "true"); // the charts need no display
    Path results = BenchResult.directory();
    Path document = null;
    boolean allowDirty = false;
    for (int i = 0; i < args.length; i++) {
      String option = args[i];
      if (option.equals("--allow-dirty")) {
        allowDirty = true;
        continue;
      }
      if (i + 1 == args.length || !(option.equals("--results") || option.equals("--document"))) {
        System.err.println("usage: bench/bin/bench report [--results DIR] [--document FILE] [--allow-dirty]; got "
            + option);
        System.exit(2);
      }
      if (option.equals("--results")) {
        results = Path.of(args[++i]);
      } else {
        document = Path.of(args[++i]);
      }
    }
    if (document == null) {
      document = results.toAbsolutePath().getParent().resolve("BENCHMARKS.md");
    }
    Path root = Provenance.repositoryRoot();
    String refusal = dirtyRefusal(Provenance.of(root), load(results, new ArrayList<>()));
    if (refusal != null && !allowDirty) {
      System.err.println("report: " + refusal + "; commit first, or pass --allow-dirty to write the document with"
          + " those results flagged");
      System.exit(2);
    }
    generate(results, document, root);
    System.out.println("report: wrote " + document + " and its charts in " + results);
  }

  /**
   * Why the document would not describe committed code: the working tree differs from its commit
   * in what the benchmarks measure, or a result was measured on such a tree; null when neither.
   */
  static String dirtyRefusal(Provenance now, List<BenchResult> results) {
    if (now.dirty()) {
      return "the working tree has uncommitted changes in what the benchmarks measure ("
          + String.join(", ", now.changed()) + ")";
    }
    List<String> dirty = results.stream().filter(r -> r.provenance().dirty()).map(BenchResult::name).toList();
    return dirty.isEmpty() ? null : "results measured on uncommitted code: " + String.join(", ", dirty);
  }

  /** Reads every result in {@code results}, draws the charts there and rewrites {@code document}. */
  public static void generate(Path results, Path document, Path root) throws IOException {
    List<String> unreadable = new ArrayList<>();
    Map<String, BenchResult> byName = new LinkedHashMap<>();
    for (BenchResult result : load(results, unreadable)) {
      byName.put(result.name(), result);
    }
    String head = Provenance.of(root).commit();
    String kept = keptPart(document);
    StringBuilder md = new StringBuilder();
    md.append("# Benchmarks\n\n");
    md.append("Generated by `bench/bin/bench report` on ")
        .append(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))).append(" from the ")
        .append(byName.size()).append(" result file(s) in `")
        .append(Path.of("").toAbsolutePath().relativize(results.toAbsolutePath()).toString().replace('\\', '/'))
        .append("/`, each written by one benchmark (`bench/bin/bench NAME`; `bench/bin/bench all` runs them all,"
            + " then this report) with the commit it measured. Do not edit above the end marker: it is regenerated."
            + " Tables give min / median / max over repeated rounds; ratios are between systems or setups measured"
            + " side by side in the same rounds.\n\n");
    headlines(md, byName.values());
    provenance(md, byName.values(), root, head);
    machines(md, byName.values());
    missing(md, byName.keySet(), unreadable, relative(document, results));
    Map<String, String> chartHome = new LinkedHashMap<>();
    for (BenchResult result : byName.values()) {
      for (BenchResult.Point point : result.points()) {
        chartHome.putIfAbsent(point.chart(), result.name());
      }
    }
    for (BenchResult result : byName.values()) {
      section(md, result);
      for (Map.Entry<String, String> home : chartHome.entrySet()) {
        if (home.getValue().equals(result.name())) {
          Path png = results.resolve(fileName(home.getKey()) + ".png");
          String title = drawChart(png, home.getKey(), byName.values());
          md.append("![").append(title).append("](").append(relative(document, png)).append(")\n\n");
        }
      }
    }
    costModel(md, byName.values(), results, document);
    md.append(END_MARKER).append('\n').append(kept);
    CheckpointFiles.writeAtomically(document, md.toString().getBytes(StandardCharsets.UTF_8));
    landingPage(root.resolve("README.md"), byName.values(), results);
  }

  static final String LANDING_BEGIN = "<!-- benchmarks:begin (bench/bin/bench report writes this table) -->";
  static final String LANDING_END = "<!-- benchmarks:end -->";

  /**
   * Rewrites the README's status table between {@link #LANDING_BEGIN} and {@link #LANDING_END}, when
   * it has them: the headlines marked for it and the cost model's held-out error per category, each
   * with the result file it comes from, so the README says exactly what the results say.
   */
  static void landingPage(Path readme, Collection<BenchResult> results, Path resultsDirectory) throws IOException {
    if (!Files.isRegularFile(readme)) {
      return;
    }
    String text = Files.readString(readme, StandardCharsets.UTF_8);
    int begin = text.indexOf(LANDING_BEGIN);
    int end = text.indexOf(LANDING_END);
    if (begin < 0 || end < begin) {
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (BenchResult result : results) {
      String source = "[`" + result.name() + ".json`](" + relative(readme, resultsDirectory.resolve(result.name()
          + ".json")) + ") @ " + result.provenance().shortCommit();
      for (BenchResult.Headline h : result.headlines()) {
        if (h.landing()) {
          rows.add(List.of(h.what(), h.against(), String.format(Locale.ROOT, "**%.2f** (min %.2f)", h.median(), h.min()),
              h.goal().isEmpty() ? "–" : h.goal() + (h.met() == null ? "" : h.met() ? ": met" : ": not met"), source));
        }
      }
      for (PredictionCategory category : PredictionCategory.values()) {
        CostModelErrors held = CostModelErrors.of(result.predictions().stream()
            .filter(p -> p.heldOut() && p.category() == category).toList());
        if (held.count() > 0) {
          rows.add(List.of("cost model, " + category.label() + ": |predicted − measured| ÷ measured step",
              held.count() + " held-out cases", String.format(Locale.ROOT, "**%.2f** (max %.2f)", held.medianAbsolute(),
                  held.maxAbsolute()), String.format(Locale.ROOT, "median ≤ %.2f%s", COST_ERROR_GOAL,
                  held.medianAbsolute() <= COST_ERROR_GOAL ? ": met" : ": not met"), source));
        }
      }
    }
    StringBuilder block = new StringBuilder(LANDING_BEGIN).append('\n');
    table(block, List.of("measured", "against", "median", "goal", "source"), rows);
    String updated = text.substring(0, begin) + block + text.substring(end);
    CheckpointFiles.writeAtomically(readme, updated.getBytes(StandardCharsets.UTF_8));
  }

  /** The one table a reader needs first: every headline ratio, with the file and commit it comes from. */
  private static void headlines(StringBuilder md, Collection<BenchResult> results) {
    md.append("## Headline ratios\n\n");
    List<List<String>> rows = new ArrayList<>();
    for (BenchResult result : results) {
      for (BenchResult.Headline h : result.headlines()) {
        rows.add(List.of(h.what(), h.against(), String.format(Locale.ROOT, "**%.2f**", h.median()),
            String.format(Locale.ROOT, "%.2f", h.min()), h.goal().isEmpty() ? "–"
                : h.goal() + (h.met() == null ? "" : h.met() ? ": met" : ": **not met**"),
            "`" + result.name() + ".json`", result.provenance().shortCommit()));
      }
    }
    double seconds = results.stream().filter(r -> ORDER.contains(r.name())).mapToDouble(BenchResult::seconds)
        .filter(Double::isFinite).sum();
    long present = results.stream().filter(r -> ORDER.contains(r.name())).count();
    String budget = seconds > BUDGET_SECONDS ? ": **not met**" : present == ORDER.size() ? ": met" : "";
    rows.add(List.of("every benchmark of `bench/bin/bench all`, minutes (sum of their own times, builds excluded; "
        + present + " of " + ORDER.size() + " present)", "–", String.format(Locale.ROOT, "%.1f", seconds / 60), "–",
        "≤ " + (int) (BUDGET_SECONDS / 60) + budget, "all", "–"));
    if (rows.size() == 1) {
      md.append("No result carries a headline yet.\n\n");
    }
    table(md, List.of("what", "against what", "median", "min", "goal", "file", "commit"), rows);
  }

  /** Which commit each result measured, and whether its code still is HEAD's. */
  private static void provenance(StringBuilder md, Collection<BenchResult> results, Path root, String head) {
    md.append("## Which code each result measured\n\n");
    md.append("HEAD is ").append(head.length() > 7 ? head.substring(0, 7) : head).append(". A result is **stale** when"
        + " the shipped modules (").append(String.join(", ", Provenance.SHIPPED)).append(") differ between its"
        + " commit and HEAD, and **dirty** when it was measured with uncommitted changes.\n\n");
    List<List<String>> rows = new ArrayList<>();
    for (BenchResult result : results) {
      Provenance p = result.provenance();
      String status = p.dirty() ? "**dirty**: " + String.join(", ", p.changed())
          : p.commit().equals(Provenance.UNKNOWN) ? "**commit unknown** (saved before results recorded it)"
          : p.commit().equals(head) ? "HEAD"
          : Provenance.shippedDiffer(root, p.commit(), head) ? "**stale**: shipped modules changed since"
          : "current: shipped modules as at HEAD";
      rows.add(List.of("`" + result.name() + ".json`", p.shortCommit(), p.measuredAt(), status));
    }
    table(md, List.of("result", "commit", "measured at", "status"), rows);
  }

  /** Every *.json result, in report order; files that do not parse are named in {@code unreadable}. */
  static List<BenchResult> load(Path directory, List<String> unreadable) throws IOException {
    List<BenchResult> results = new ArrayList<>();
    if (!Files.isDirectory(directory)) {
      return results;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
      for (Path file : files) {
        try {
          results.add(BenchResult.load(file));
        } catch (IOException | IllegalArgumentException e) {
          unreadable.add(file.getFileName() + " (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
      }
    }
    results.sort(Comparator.comparingInt((BenchResult r) -> ORDER.contains(r.name()) ? ORDER.indexOf(r.name())
        : ORDER.size()).thenComparing(BenchResult::name));
    return results;
  }

  /**
   * What follows the end marker in the existing document, verbatim; without a marker (the first
   * run) the existing body below its title under {@link #EARLIER_HEADING}; nothing without a document.
   */
  static String keptPart(Path document) throws IOException {
    if (!Files.isRegularFile(document)) {
      return "";
    }
    String text = Files.readString(document, StandardCharsets.UTF_8);
    int marker = text.indexOf(END_MARKER + "\n");
    if (marker >= 0) {
      return text.substring(marker + END_MARKER.length() + 1);
    }
    String body = text.startsWith("# ") ? text.substring(text.indexOf('\n') + 1) : text;
    return "\n" + EARLIER_HEADING + "\n\n" + body.stripLeading();
  }

  private static void machines(StringBuilder md, Collection<BenchResult> results) {
    List<BenchResult.Machine> distinct = new ArrayList<>();
    for (BenchResult result : results) {
      if (distinct.stream().noneMatch(m -> m.sameRun(result.machine()))) {
        distinct.add(result.machine());
      }
    }
    if (distinct.size() == 1) {
      md.append("All results: ").append(runOf(distinct.get(0))).append(".\n\n");
    } else if (distinct.size() > 1) {
      md.append("**The results come from ").append(distinct.size())
          .append(" different dates or machines**; each section names its own:\n\n");
      for (BenchResult.Machine machine : distinct) {
        md.append("- ").append(runOf(machine)).append(": ").append(String.join(", ", results.stream()
            .filter(r -> r.machine().sameRun(machine)).map(BenchResult::name).toList())).append('\n');
      }
      md.append('\n');
    }
  }

  /** Date, CPU, cores, JVM: what makes two results comparable (the heap differs per benchmark). */
  private static String runOf(BenchResult.Machine machine) {
    return machine.date() + " · " + machine.cpu() + " · " + machine.cores() + " cores · " + machine.java();
  }

  private static void missing(StringBuilder md, Set<String> present, List<String> unreadable, String directory) {
    List<String> absent = ORDER.stream().filter(name -> !present.contains(name)).toList();
    if (!absent.isEmpty()) {
      md.append("Missing results (no ").append(directory).append("/NAME.json yet): ");
      md.append(String.join(", ", absent.stream().map(name -> name + " — `bench/bin/bench " + name + "`").toList()));
      md.append(".\n\n");
    }
    if (!unreadable.isEmpty()) {
      md.append("Unreadable result files, left out: ").append(String.join("; ", unreadable)).append(".\n\n");
    }
  }

  private static void section(StringBuilder md, BenchResult result) {
    md.append("### ").append(result.title()).append("\n\n");
    md.append("    ").append(result.command()).append("\n\n");
    md.append("Measured ").append(result.machine().describe());
    if (Double.isFinite(result.seconds())) {
      md.append(String.format(Locale.ROOT, "; the benchmark took %.0f s", result.seconds()));
    }
    md.append(".\n\n");
    md.append(result.markdown().strip()).append("\n\n");
  }

  /** Draws chart {@code chart} from every result's points; returns its title. */
  private static String drawChart(Path png, String chart, Collection<BenchResult> results)
      throws IOException {
    List<BenchResult.Point> points = results.stream().flatMap(r -> r.points().stream())
        .filter(p -> p.chart().equals(chart)).toList();
    Optional<BenchResult.Chart> declared = results.stream().flatMap(r -> r.charts().stream())
        .filter(c -> c.name().equals(chart)).findFirst();
    if (chart.equals("peers")) {
      // One bar per point, in x order, labelled by its series.
      List<BenchResult.Point> bars = points.stream().sorted(Comparator.comparingDouble(BenchResult.Point::x)).toList();
      String title = declared.map(BenchResult.Chart::title).orElse("Training samples/s, Partita ÷ peer");
      PngChart.bars(png, title, declared.map(BenchResult.Chart::yLabel).orElse("Partita ÷ peer"),
          bars.stream().map(BenchResult.Point::series).toList(),
          bars.stream().mapToDouble(BenchResult.Point::y).toArray(), 1.0, "1.0: as fast as the peer");
      return title;
    }
    Map<String, List<BenchResult.Point>> bySeries = new LinkedHashMap<>();
    for (BenchResult.Point point : points) {
      bySeries.computeIfAbsent(point.series(), s -> new ArrayList<>()).add(point);
    }
    List<PngChart.Series> series = new ArrayList<>();
    for (Map.Entry<String, List<BenchResult.Point>> entry : bySeries.entrySet()) {
      List<BenchResult.Point> sorted = entry.getValue().stream().sorted(Comparator.comparingDouble(
          BenchResult.Point::x)).toList();
      series.add(new PngChart.Series(entry.getKey(), PngChart.Style.LINE,
          sorted.stream().mapToDouble(BenchResult.Point::x).toArray(),
          sorted.stream().mapToDouble(BenchResult.Point::y).toArray()));
    }
    BenchResult.Chart axes = declared.orElse(new BenchResult.Chart(chart, chart + " (axes not declared by "
        + String.join(", ", results.stream().filter(r -> r.points().stream().anyMatch(p -> p.chart().equals(chart)))
            .map(BenchResult::name).toList()) + ")", "x", "y", PngChart.Scale.LINEAR));
    PngChart.lines(png, axes.title(), new PngChart.Axis(axes.xLabel(), axes.xScale()),
        new PngChart.Axis(axes.yLabel(), PngChart.Scale.LINEAR), series);
    return axes.title();
  }

  /** A prediction and the benchmark that checked it. */
  private record Sourced(String benchmark, BenchResult.Prediction prediction) {}

  private static List<Sourced> allPredictions(Collection<BenchResult> results) {
    return results.stream().flatMap(r -> r.predictions().stream().map(p -> new Sourced(r.name(), p))).toList();
  }

  /**
   * The cost model's errors per category, held-out cases apart from the calibration cases (the
   * benchmarks its formulas were developed against), then every prediction and the scatter chart.
   */
  private static void costModel(StringBuilder md, Collection<BenchResult> results, Path chartDirectory,
      Path document) throws IOException {
    md.append("## Cost model: predicted against measured step times\n\n");
    List<Sourced> predictions = allPredictions(results);
    if (predictions.isEmpty()) {
      md.append("No benchmark has checked a prediction yet (`bench/bin/bench holdout`, `cost`, `scaling`, `netsim`"
          + " do).\n\n");
      return;
    }
    md.append(String.format(Locale.ROOT, "|relative error| of the predicted step against the measured median. Held-out"
        + " cases were fixed in `%s` before they were first measured and never used to choose a formula or a"
        + " constant; calibration cases are the benchmarks the model was developed against. Goal: median ≤ %.0f%% in"
        + " every category, on held-out cases.%n%n", HELD_OUT_CASES, 100 * COST_ERROR_GOAL));
    List<List<String>> perCategory = new ArrayList<>();
    for (PredictionCategory category : PredictionCategory.values()) {
      List<BenchResult.Prediction> heldOut = predictions.stream().map(Sourced::prediction)
          .filter(p -> p.category() == category && p.heldOut()).toList();
      List<BenchResult.Prediction> calibration = predictions.stream().map(Sourced::prediction)
          .filter(p -> p.category() == category && !p.heldOut()).toList();
      if (heldOut.isEmpty() && calibration.isEmpty()) {
        continue;
      }
      CostModelErrors held = CostModelErrors.of(heldOut);
      perCategory.add(List.of(category.label(), errorCell(held), errorCell(CostModelErrors.of(calibration)),
          held.count() == 0 ? "not measured" : held.medianAbsolute() <= COST_ERROR_GOAL ? "met" : "**not met**"));
    }
    table(md, List.of("category", "held-out: cases, median / max \\|error\\|",
        "calibration: cases, median / max \\|error\\|", "goal ≤ 15% (held-out)"), perCategory);
    List<List<String>> rows = new ArrayList<>();
    for (Sourced sourced : predictions) {
      BenchResult.Prediction p = sourced.prediction();
      rows.add(List.of(sourced.benchmark(), p.category() == null ? "–" : p.category().label(),
          p.heldOut() ? "held-out" : "calibration", p.model(), p.plan(), p.setting(), millis(p.predictedMs()),
          millis(p.minMs()) + " / " + millis(p.medianMs()) + " / " + millis(p.maxMs()),
          String.format(Locale.ROOT, "%+.0f%%", 100 * p.relativeError())));
    }
    table(md, List.of("benchmark", "category", "case", "model", "plan", "setting", "predicted",
        "measured min / median / max", "error"), rows);
    Path png = chartDirectory.resolve(COST_CHART + ".png");
    drawPredictions(png, predictions);
    md.append("![Predicted against measured step](").append(relative(document, png)).append(")\n\n");
  }

  private static String errorCell(CostModelErrors errors) {
    return errors.count() == 0 ? "–" : String.format(Locale.ROOT, "%d: %.1f%% / %.1f%%", errors.count(),
        100 * errors.medianAbsolute(), 100 * errors.maxAbsolute());
  }

  /** Log-log scatter, one series per benchmark, with y = x and the ±15% goal band as lines. */
  private static void drawPredictions(Path png, List<Sourced> predictions) throws IOException {
    Map<String, List<BenchResult.Prediction>> byBenchmark = new LinkedHashMap<>();
    double low = Double.MAX_VALUE;
    double high = 0;
    for (Sourced sourced : predictions) {
      BenchResult.Prediction p = sourced.prediction();
      byBenchmark.computeIfAbsent(sourced.benchmark(), b -> new ArrayList<>()).add(p);
      for (double v : new double[] {p.predictedMs(), p.medianMs()}) {
        if (v > 0) {
          low = Math.min(low, v);
          high = Math.max(high, v);
        }
      }
    }
    List<PngChart.Series> series = new ArrayList<>();
    for (Map.Entry<String, List<BenchResult.Prediction>> entry : byBenchmark.entrySet()) {
      series.add(new PngChart.Series(entry.getKey(), PngChart.Style.POINTS,
          entry.getValue().stream().mapToDouble(BenchResult.Prediction::medianMs).toArray(),
          entry.getValue().stream().mapToDouble(BenchResult.Prediction::predictedMs).toArray()));
    }
    double[] ends = {low, high};
    series.add(new PngChart.Series("predicted = measured", PngChart.Style.LINE, ends, ends));
    double band = COST_ERROR_GOAL;
    series.add(new PngChart.Series(String.format(Locale.ROOT, "+%.0f%%", 100 * band), PngChart.Style.DASHED, ends,
        new double[] {low * (1 + band), high * (1 + band)}));
    series.add(new PngChart.Series(String.format(Locale.ROOT, "−%.0f%%", 100 * band), PngChart.Style.DASHED, ends,
        new double[] {low * (1 - band), high * (1 - band)}));
    PngChart.lines(png, "Cost model: predicted against measured step (median)",
        new PngChart.Axis("measured step, ms", PngChart.Scale.LOG10),
        new PngChart.Axis("predicted step, ms", PngChart.Scale.LOG10), series);
  }

  private static void table(StringBuilder md, List<String> header, List<List<String>> rows) {
    md.append("| ").append(String.join(" | ", header)).append(" |\n");
    md.append("|").append("---|".repeat(header.size())).append('\n');
    for (List<String> row : rows) {
      md.append("| ").append(String.join(" | ", row.stream().map(cell -> cell.replace("|", "\\|")).toList()))
          .append(" |\n");
    }
    md.append('\n');
  }

  private static String millis(double ms) {
    return String.format(Locale.ROOT, ms >= 100 ? "%.0f ms" : ms >= 10 ? "%.1f ms" : "%.2f ms", ms);
  }

  /** 3 rather than 3.0; 2.5 stays. */
  static String compact(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }

  /** "chart name" → "chart-name", safe as a file name. */
  static String fileName(String chart) {
    String slug = chart.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    return slug.isEmpty() ? "chart" : slug;
  }

  /** {@code target} as a link from the document's folder. */
  private static String relative(Path document, Path target) {
    return document.toAbsolutePath().getParent().relativize(target.toAbsolutePath()).toString().replace('\\', '/');
  }
}
