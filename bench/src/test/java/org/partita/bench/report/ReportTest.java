package org.partita.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
         "provenance": {"commit": "0123456789abcdef", "dirty": false, "changed": [], "measuredAt": "2026-11-24 10:00"},
         "predictions": [
           {"model": "MLP", "plan": "reference trainer", "setting": "one process",
            "predictedMs": 105, "minMs": 95, "medianMs": 100, "maxMs": 120, "category": "SINGLE_NODE",
            "heldOut": true},
           {"model": "CNN", "plan": "reference trainer", "setting": "one process",
            "predictedMs": 80, "minMs": 90, "medianMs": 100, "maxMs": 130, "category": "SINGLE_NODE",
            "heldOut": true}],
         "headlines": [{"what": "CNN: 2 replicas", "against": "2 trainers in lockstep", "median": 0.96,
            "min": 0.91, "goal": "≥ 0.95", "met": true, "landing": true},
           {"what": "detail only", "against": "x", "median": 1.5, "min": 1.2, "goal": "", "met": null}],
         "points": [], "data": {}}
        """);
    Files.writeString(results.resolve("scaling.json"), """
        {"name": "scaling", "title": "Scaling on this machine", "command": "bench/bin/bench scaling",
         "machine": {"date": "2026-11-25", "cpu": "AMD EPYC", "cores": 2, "java": "OpenJDK 17", "maxHeapMiB": 6048},
         "seconds": 120.0, "markdown": "Each worker is an embedded node.",
         "predictions": [
           {"model": "CNN", "plan": "2 replicas", "setting": "shared machine", "category": "EMBEDDED_NODES",
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
  void generatesHeadlinesProvenanceSectionsAndCostModelFromEveryResult() throws IOException {
    Path results = results();
    Path document = docs.resolve("BENCHMARKS.md");
    Files.writeString(docs.resolve("README.md"), "# Partita\n\nBefore.\n\n" + Report.LANDING_BEGIN
        + "\nold table\n" + Report.LANDING_END + "\n\nAfter.\n");

    Report.generate(results, document, docs);

    String readme = Files.readString(docs.resolve("README.md"), StandardCharsets.UTF_8);
    assertTrue(readme.startsWith("# Partita\n\nBefore.\n\n" + Report.LANDING_BEGIN + "\n| measured |"), readme);
    assertTrue(readme.endsWith(Report.LANDING_END + "\n\nAfter.\n") && !readme.contains("old table"), readme);
    assertTrue(readme.contains("| CNN: 2 replicas | 2 trainers in lockstep | **0.96** (min 0.91) | ≥ 0.95: met |"
        + " [`cost.json`](bench/cost.json) @ 0123456 |"), readme);
    assertTrue(readme.contains("| cost model, single node: \\|predicted − measured\\| ÷ measured step | 2 held-out cases"
        + " | **0.13** (max 0.20) | median ≤ 0.15: met |"), readme);
    assertFalse(readme.contains("detail only"), "only headlines marked for the landing page");

    String md = Files.readString(document, StandardCharsets.UTF_8);
    assertTrue(md.startsWith("# Benchmarks\n"), md);
    assertTrue(md.indexOf("## Headline ratios") < md.indexOf("### Cost model on one machine"), "headlines come first");
    assertTrue(md.contains("| CNN: 2 replicas | 2 trainers in lockstep | **0.96** | 0.91 | ≥ 0.95: met | `cost.json` |"
        + " 0123456 |"), md);
    // cost.json records a commit; scaling.json was saved before results recorded one. The test
    // folder is no git repository, so HEAD is unknown and no result can be shown current.
    assertTrue(md.contains("| `scaling.json` | unknown | 2026-11-25 | **commit unknown**"), md);
    assertTrue(md.contains("| `cost.json` | 0123456 | 2026-11-24 10:00 | **stale**: shipped modules changed since |"),
        md);
    assertTrue(md.contains("### Cost model on one machine\n\n    bench/bin/bench cost\n"), md);
    assertTrue(md.indexOf("### Cost model on one machine") < md.indexOf("### Scaling on this machine"),
        "sections follow the report order");
    assertTrue(md.contains("**The results come from 2 different dates or machines**"), md);
    // Held-out single-node |errors| 5% and 20%: median 12.5%; the embedded case (0%) is calibration.
    assertTrue(md.contains("| single node | 2: 12.5% / 20.0% | – | met |"), md);
    assertTrue(md.contains("| embedded nodes | – | 1: 0.0% / 0.0% | not measured |"), md);
    assertTrue(md.contains("| cost | single node | held-out | CNN | reference trainer | one process | 80.0 ms |"
        + " 90.0 ms / 100 ms / 130 ms | -20% |"), md);
    assertTrue(md.contains("peers — `bench/bin/bench peers`"), "missing results are named with their command");
    assertTrue(md.contains("![Speedup on one machine](bench/scaling.png)"), md);
    assertTrue(Files.size(results.resolve("scaling.png")) > 0 && Files.size(results.resolve("cost-model.png")) > 0);
    assertTrue(md.endsWith(Report.END_MARKER + "\n"), "without an earlier document nothing follows the marker");
  }

  @Test
  void refusesToDescribeUncommittedCode() throws IOException {
    List<BenchResult> loaded = Report.load(results(), new java.util.ArrayList<>());
    Provenance clean = new Provenance("abc", false, List.of(), "now");
    assertNull(Report.dirtyRefusal(clean, loaded));
    Provenance dirty = new Provenance("abc", true, List.of(" M models/pom.xml"), "now");
    assertTrue(Report.dirtyRefusal(dirty, loaded).contains("M models/pom.xml"));

    Path results = docs.resolve("bench");
    Files.writeString(results.resolve("cost.json"), Files.readString(results.resolve("cost.json"))
        .replace("\"dirty\": false", "\"dirty\": true"));
    String refusal = Report.dirtyRefusal(clean, Report.load(results, new java.util.ArrayList<>()));
    assertEquals("results measured on uncommitted code: cost", refusal);
  }

  /** A real repository: a change to a shipped module makes an earlier commit's results stale; one to docs/ does not. */
  @Test
  void aResultIsStaleOnlyWhenShippedModulesChanged() throws Exception {
    Path repo = docs.resolve("repo");
    Files.createDirectories(repo.resolve("models"));
    Files.createDirectories(repo.resolve("docs"));
    Files.writeString(repo.resolve("models/A.java"), "class A {}\n");
    Files.writeString(repo.resolve("docs/NOTES.md"), "notes\n");
    git(repo, "init", "-q");
    git(repo, "add", ".");
    git(repo, "commit", "-q", "-m", "first");
    String first = Provenance.of(repo).commit();
    assertFalse(Provenance.of(repo).dirty());

    Files.writeString(repo.resolve("docs/NOTES.md"), "more notes\n");
    assertFalse(Provenance.of(repo).dirty(), "docs/ is not what the benchmarks measure");
    git(repo, "commit", "-q", "-am", "docs");
    String docsOnly = Provenance.of(repo).commit();
    assertFalse(Provenance.shippedDiffer(repo, first, docsOnly));

    Files.writeString(repo.resolve("models/A.java"), "class A { int x; }\n");
    Provenance dirty = Provenance.of(repo);
    assertTrue(dirty.dirty());
    assertEquals(List.of("M models/A.java"), dirty.changed());
    git(repo, "commit", "-q", "-am", "code");
    assertTrue(Provenance.shippedDiffer(repo, first, Provenance.of(repo).commit()));
  }

  private static void git(Path repo, String... arguments) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("git", "-C", repo.toString(), "-c", "user.name=t",
        "-c", "user.email=t@example.org"));
    command.addAll(List.of(arguments));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "git " + List.of(arguments));
    assertEquals(0, process.exitValue(), output);
  }

  @Test
  void keepsTheEarlierDocumentBelowTheMarkerVerbatim() throws IOException {
    Path results = results();
    Path document = docs.resolve("BENCHMARKS.md");
    String earlierBody = "Old introduction.\n\n## Old section (issue 2)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
    Files.writeString(document, "# Benchmarks\n\n" + earlierBody);

    Report.generate(results, document, docs);
    String first = Files.readString(document, StandardCharsets.UTF_8);
    assertTrue(first.endsWith(Report.END_MARKER + "\n\n" + Report.EARLIER_HEADING + "\n\n" + earlierBody), first);

    // A note added below the marker by hand survives the next generation untouched.
    Files.writeString(document, first + "\nA hand-written note.\n");
    Report.generate(results, document, docs);
    String second = Files.readString(document, StandardCharsets.UTF_8);
    String kept = second.substring(second.indexOf(Report.END_MARKER));
    assertEquals(first.substring(first.indexOf(Report.END_MARKER)) + "\nA hand-written note.\n", kept);
    assertEquals(second.indexOf(Report.END_MARKER), second.lastIndexOf(Report.END_MARKER), "one marker");
  }
}
