package org.partita.bench.peers;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.partita.bench.report.BenchResult;
import org.partita.bench.report.Stats;

/**
 * The peers benchmark's section: systems, per-system timings, Partita ÷ each peer per round, the
 * headline ratio per peer family (its faster variant) and training GFLOP/s against peak sgemm.
 * What the report's headline table reads is {@code data.headline}: one entry per model, thread
 * count and peer family with the median and minimum per-round ratio.
 */
final class PeersReport {
  /** Issue 33: every standard model trains at least this much faster than PyTorch on CPU. */
  private static final double PYTORCH_GOAL = 1.5;
  /** Issue 33: training GFLOP/s as a fraction of peak sgemm at the same threads. */
  private static final Map<String, Double> PEAK_FRACTION_GOALS = Map.of("mlp", 0.75, "cnn", 0.60, "lstm", 0.50);

  private PeersReport() {}

  static void write(BenchResult result, PeersBench.Options options, Map<PeerSystem, String> descriptions,
      List<PeersBench.ModelRuns> measured, Map<Integer, Double> peakGflops) {
    int batch = options.batch();
    StringBuilder systems = new StringBuilder(String.format(Locale.ROOT, """
        Training samples/s, each system in a process of its own, side by side: float32, Adam lr %s, batch %d, the \
        same %s Fashion-MNIST training batches in the same order (written once to files every worker reads), each \
        network built from the same `StandardModels` spec (parameter counts checked: equal for DL4J; PyTorch's \
        recurrent layers keep a second bias vector per gate). Each system warms up until its step time stops \
        improving (median over the last window no longer 3%% faster than over the one before, windows of ≥ 1 s, \
        between %.0f and %.0f s); then %d rounds of about %.1f s per system, the order rotating each round. Ratios \
        are Partita's samples/s ÷ the peer's **in the same round**, reported as the median and the minimum over the \
        rounds; a family's headline is its faster variant. Cores busy = process CPU time ÷ wall time.

        """, options.learningRate(), batch, "100", options.warmUpMinSeconds(), options.warmUpMaxSeconds(),
        options.rounds(), options.roundSeconds()));
    descriptions.forEach((system, text) -> systems.append("- **").append(system.label()).append("**: ")
        .append(text).append('\n'));
    result.paragraph(systems.toString());

    List<List<String>> rows = new ArrayList<>();
    for (PeersBench.ModelRuns model : measured) {
      for (PeersBench.Run run : model.runs().values()) {
        PeersBench.WarmUp warm = run.warmUp();
        rows.add(List.of(model.model(), Integer.toString(model.threads()), run.system().label(),
            Stats.of(run.stepSeconds()).millis().format("%.2f"),
            String.format(Locale.ROOT, "%,.0f", batch / Stats.of(run.stepSeconds()).median()),
            String.format(Locale.ROOT, "%.2f", Stats.of(run.coresBusy()).median()),
            String.format(Locale.ROOT, "%d steps, %.1f s, %.1f → %.1f ms%s", warm.steps(), warm.seconds(),
                warm.firstStepSeconds() * 1e3, warm.stepSeconds() * 1e3, warm.settled() ? "" : ", still improving"),
            String.format(Locale.ROOT, "%.3f → %.3f", run.firstLoss(), run.lastLoss())));
      }
    }
    result.table(List.of("model", "threads", "system", "step ms (min / median / max)", "samples/s (median)",
        "cores busy", "warm-up", "loss: first step → last round"), rows);

    List<List<String>> ratioRows = new ArrayList<>();
    List<Map<String, Object>> headline = new ArrayList<>();
    List<List<String>> headlineRows = new ArrayList<>();
    int bar = 0;
    int maxThreads = measured.stream().mapToInt(PeersBench.ModelRuns::threads).max().orElse(1);
    for (PeersBench.ModelRuns model : measured) {
      PeersBench.Run partita = model.runs().get(PeerSystem.PARTITA);
      Map<String, PeersBench.Run> fastestOfFamily = new LinkedHashMap<>();
      for (PeersBench.Run run : model.runs().values()) {
        if (run.system() == PeerSystem.PARTITA) {
          continue;
        }
        Stats ratios = Stats.of(perRoundRatios(partita, run));
        ratioRows.add(List.of(model.model(), Integer.toString(model.threads()), run.system().label(),
            String.format(Locale.ROOT, "%.2fx", ratios.median()), String.format(Locale.ROOT, "%.2fx", ratios.min()),
            ratios.format("%.2f")));
        fastestOfFamily.merge(run.system().family, run, (a, b) ->
            Stats.of(a.stepSeconds()).median() <= Stats.of(b.stepSeconds()).median() ? a : b);
      }
      for (PeersBench.Run peer : fastestOfFamily.values()) {
        Stats ratios = Stats.of(perRoundRatios(partita, peer));
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("model", model.model());
        entry.put("threads", model.threads());
        entry.put("peer", peer.system().family);
        entry.put("variant", peer.system().variant);
        entry.put("median", ratios.median());
        entry.put("min", ratios.min());
        headline.add(entry);
        headlineRows.add(List.of(model.model(), Integer.toString(model.threads()), peer.system().family,
            peer.system().variant, String.format(Locale.ROOT, "**%.2fx**", ratios.median()),
            String.format(Locale.ROOT, "%.2fx", ratios.min())));
        result.point("peers", String.format(Locale.ROOT, "%s %dt ÷ %s", model.model(), model.threads(),
            peer.system().family), bar++, ratios.median());
        boolean pytorch = peer.system().family.equals("PyTorch");
        result.headline(String.format(Locale.ROOT, "Partita reference trainer, %s, %d thread%s: training samples/s",
            model.model().toUpperCase(Locale.ROOT), model.threads(), model.threads() == 1 ? "" : "s"),
            peer.system().family + " (" + peer.system().variant + "), its own process, same run", ratios.median(),
            ratios.min(), pytorch ? "≥ 1.5 (issue 33)" : "", pytorch ? ratios.median() >= PYTORCH_GOAL : null);
        if (model.threads() == maxThreads) {
          result.alsoOnLandingPage();
        }
      }
    }
    result.paragraph("Headline: Partita ÷ each peer family's faster variant (above 1: Partita trains faster; below 1:"
        + " the peer does):");
    result.table(List.of("model", "threads", "peer", "its faster variant", "Partita ÷ peer (median of rounds)",
        "minimum of rounds"), headlineRows);
    result.paragraph("Every variant:");
    result.table(List.of("model", "threads", "peer variant", "Partita ÷ peer (median)", "minimum",
        "per round min / median / max"), ratioRows);
    result.chart("peers", "Training samples/s, Partita ÷ peer (median of rounds)", "model, threads, peer",
        "Partita ÷ peer", org.partita.deploy.report.PngChart.Scale.LINEAR);

    limit(result, measured, peakGflops);
    result.data("headline", headline);
    result.data("peak_sgemm_gflops", peakGflops);
    result.data("batch", batch);
    result.data("learning_rate", options.learningRate());
    result.data("models", measured.stream().map(PeersReport::modelData).toList());
  }

  /** Training GFLOP/s as a fraction of peak sgemm at the same threads, Partita's and the fastest peer's. */
  private static void limit(BenchResult result, List<PeersBench.ModelRuns> measured, Map<Integer, Double> peak) {
    List<List<String>> rows = new ArrayList<>();
    List<Map<String, Object>> fractions = new ArrayList<>();
    for (PeersBench.ModelRuns model : measured) {
      double peakGflops = peak.getOrDefault(model.threads(), Double.NaN);
      PeersBench.Run partita = model.runs().get(PeerSystem.PARTITA);
      PeersBench.Run fastestPeer = model.runs().values().stream().filter(r -> r.system() != PeerSystem.PARTITA)
          .min(Comparator.comparingDouble(r -> Stats.of(r.stepSeconds()).median())).orElse(null);
      double partitaGflops = model.flopsPerStep() / Stats.of(partita.stepSeconds()).median() / 1e9;
      double[] perRound = new double[partita.stepSeconds().length];
      for (int r = 0; r < perRound.length; r++) {
        perRound[r] = model.flopsPerStep() / partita.stepSeconds()[r] / 1e9 / peakGflops;
      }
      Stats fraction = Stats.of(perRound);
      Double goal = PEAK_FRACTION_GOALS.get(model.model());
      result.headline(String.format(Locale.ROOT, "Partita reference trainer, %s, %d thread%s: training GFLOP/s",
          model.model().toUpperCase(Locale.ROOT), model.threads(), model.threads() == 1 ? "" : "s"),
          "peak sgemm at the same threads, same run", fraction.median(), fraction.min(),
          goal == null ? "" : String.format(Locale.ROOT, "≥ %.2f (issue 33)", goal),
          goal == null ? null : fraction.median() >= goal);
      List<String> row = new ArrayList<>(List.of(model.model(), Integer.toString(model.threads()),
          String.format(Locale.ROOT, "%.3f", model.flopsPerStep() / 1e9), String.format(Locale.ROOT, "%.1f", peakGflops),
          String.format(Locale.ROOT, "%.1f (**%.0f%%**)", partitaGflops, 100 * partitaGflops / peakGflops)));
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("model", model.model());
      entry.put("threads", model.threads());
      entry.put("gflop_per_step", model.flopsPerStep() / 1e9);
      entry.put("peak_sgemm_gflops", peakGflops);
      entry.put("partita_fraction", partitaGflops / peakGflops);
      if (fastestPeer != null) {
        double peerGflops = model.flopsPerStep() / Stats.of(fastestPeer.stepSeconds()).median() / 1e9;
        row.add(String.format(Locale.ROOT, "%s: %.1f (%.0f%%)", fastestPeer.system().label(), peerGflops,
            100 * peerGflops / peakGflops));
        entry.put("fastest_peer", fastestPeer.system().id);
        entry.put("fastest_peer_fraction", peerGflops / peakGflops);
      } else {
        row.add("–");
      }
      rows.add(row);
      fractions.add(entry);
    }
    result.paragraph("Against the limit: each model's training work (the GEMM floating-point operations of one"
        + " forward and backward, as `LayerWork` counts them) per second, as a fraction of peak sgemm (the best of"
        + " n = 1024 and 2048, measured by the Partita worker at the same threads in this run):");
    result.table(List.of("model", "threads", "GFLOP per step", "peak sgemm GFLOP/s", "Partita GFLOP/s (of peak)",
        "fastest peer GFLOP/s (of peak)"), rows);
    result.data("fraction_of_peak", fractions);
  }

  /** Partita's samples/s ÷ the peer's, round by round (each round times both). */
  static double[] perRoundRatios(PeersBench.Run partita, PeersBench.Run peer) {
    double[] ratios = new double[partita.stepSeconds().length];
    for (int r = 0; r < ratios.length; r++) {
      ratios[r] = peer.stepSeconds()[r] / partita.stepSeconds()[r];
    }
    return ratios;
  }

  private static Map<String, Object> modelData(PeersBench.ModelRuns model) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("model", model.model());
    data.put("threads", model.threads());
    data.put("parameters", model.parameters());
    data.put("flops_per_step", model.flopsPerStep());
    Map<String, Object> systems = new LinkedHashMap<>();
    for (PeersBench.Run run : model.runs().values()) {
      Map<String, Object> side = new LinkedHashMap<>();
      side.put("step_seconds", run.stepSeconds());
      side.put("cores_busy", run.coresBusy());
      side.put("steps_per_round", run.stepsPerRound());
      side.put("warm_up", run.warmUp());
      side.put("first_loss", run.firstLoss());
      side.put("last_round_loss", run.lastLoss());
      systems.put(run.system().id, side);
    }
    data.put("systems", systems);
    return data;
  }
}
