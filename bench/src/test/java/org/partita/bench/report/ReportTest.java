package org.partita.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
  @TempDir
  Path docs;

  /** Two results written by hand as benchmarks write them, from different days. */
  private Path results() throws IOException {
    Path results = docs.resolve("bench");
    Files.createDirectories(results);
    Files.writeString(results.resolve("cost.json"), """
        {"name": "cost", "title": "Cost model on one machine", "command": "bench/bin/bench cost",
         "machine": {"date": "2026-11-24", "cpu": "AMD EPYC", "cores": 2, "java": "OpenJDK 17", "maxHeapMiB": 2048},
         "seconds": 60.0, "markdown": "| model | step |\\n|---|---|\\n| MLP | 2 ms |\\n",
         "predictions": [
           {"model": "MLP", "plan": "reference trainer", "setting": "one process",
            "predictedMs": 110, "minMs": 95, "medianMs": 100, "maxMs": 120},
           {"model": "CNN", "plan": "reference trainer", "setting": "one process",
            "predictedMs": 80, "minMs": 90, "medianMs": 100, "maxMs": 130}],
         "points": [], "data": {}}
        """);
    Files.writeString(results.resolve("scaling.json"), """
        {"name": "scaling", "title": "Scaling on this machine", "command": "bench/bin/bench scaling",
         "machine": {"date": "2026-11-25", "cpu": "AMD EPYC", "cores": 2, "java": "OpenJDK 17", "maxHeapMiB": 6048},
         "seconds": 120.0, "markdown": "Each worker is an embedded node.",
         "predictions": [
           {"model": "CNN", "plan": "2 replicas", "setting": "shared machine",
            "predictedMs": 50, "minMs": 49, "medianMs": 50, "maxMs": 60, "unknownLaterField": 1}],
         "points": [
           {"chart": "scaling", "series": "CNN data-parallel", "x": 1, "y": 1.0},
           {"chart": "scaling", "series": "CNN data-parallel", "x": 2, "y": 1.5}],
         "charts": [{"name": "scaling", "title": "Speedup on one machine", "xLabel": "workers",
           "yLabel": "speedup", "xScale": "LINEAR"}],
         "data": {}}
        """);
    return results;
  }

  @Test
  void generatesSectionsGoalsAndCostModelFromEveryResult() throws IOException {
    Path results = results();
    Path document = docs.resolve("BENCHMARKS.md");

    Report.generate(results, document);

    String md = Files.readString(document, StandardCharsets.UTF_8);
    assertTrue(md.contains("### Cost model on one machine\n\n    bench/bin/bench cost\n"), md);
    assertTrue(md.indexOf("### Cost model on one machine") < md.indexOf("### Scaling on this machine"),
        "sections follow the report order");
    assertTrue(md.contains("**The results come from 2 different dates or machines**"), md);
    // |errors| 10%, 20% and 0%: median 10%, max 20%, three distinct combinations.
    assertTrue(md.contains("3 predictions over 3 model × plan × setting combinations"), md);
    assertTrue(md.contains("**median 10.0%** (goal ≤ 15%: met), max 20.0% (CNN, reference trainer, one process)"), md);
    assertTrue(md.contains("| cost model: median \\|predicted − measured\\| / measured | ≤ 15% | 10.0% (max 20.0%) | met |"),
        md);
    assertTrue(md.contains("| cost | CNN | reference trainer | one process | 80.0 ms | 90.0 ms / 100 ms / 130 ms | -20% |"),
        md);
    assertTrue(md.contains("dl4j — `bench/bin/bench dl4j`"), "missing results are named with their command");
    assertTrue(md.contains("![Speedup on one machine](bench/scaling.png)"), md);
    assertTrue(Files.size(results.resolve("scaling.png")) > 0 && Files.size(results.resolve("cost-model.png")) > 0);
    assertTrue(md.endsWith(Report.END_MARKER + "\n"), "without an earlier document nothing follows the marker");
  }

  @Test
  void keepsTheEarlierDocumentBelowTheMarkerVerbatim() throws IOException {
    Path results = results();
    Path document = docs.resolve("BENCHMARKS.md");
    String earlierBody = "Old introduction.\n\n## Old section (issue 2)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
    Files.writeString(document, "# Benchmarks\n\n" + earlierBody);

    Report.generate(results, document);
    String first = Files.readString(document, StandardCharsets.UTF_8);
    assertTrue(first.endsWith(Report.END_MARKER + "\n\n" + Report.EARLIER_HEADING + "\n\n" + earlierBody), first);

    // A note added below the marker by hand survives the next generation untouched.
    Files.writeString(document, first + "\nA hand-written note.\n");
    Report.generate(results, document);
    String second = Files.readString(document, StandardCharsets.UTF_8);
    String kept = second.substring(second.indexOf(Report.END_MARKER));
    assertEquals(first.substring(first.indexOf(Report.END_MARKER)) + "\nA hand-written note.\n", kept);
    assertEquals(second.indexOf(Report.END_MARKER), second.lastIndexOf(Report.END_MARKER), "one marker");
  }
}
