package org.partita.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.jblas.FloatMatrix;
import org.partita.bench.report.BenchResult;
import org.partita.bench.report.Stats;
import org.partita.models.blas.Blas;
import org.partita.models.blas.Parallel;
import org.partita.models.blas.Transpose;
import org.partita.models.layers.Activation;
import org.partita.models.layers.BatchContext;
import org.partita.models.layers.Conv2DSpec;
import org.partita.models.layers.DenseSpec;
import org.partita.models.layers.Layer;
import org.partita.models.layers.LayerBinding;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.LstmSpec;
import org.partita.models.layers.RecurrentSpec;
import org.partita.models.layers.Shape;
import org.partita.models.layers.SimpleRnnSpec;
import org.partita.models.layers.Window;

/**
 * How close the layers get to the GEMM they are built on. For each layer, the same GEMM calls the
 * layer makes (same shapes, same transposes, same backend) are timed alone through the {@link Blas}
 * facade, then the layer's forward+backward; both in this one JVM, alternating, so the ratio
 * layer ÷ GEMM is measured under the same conditions.
 *
 * <pre>
 *   java -cp ... org.partita.bench.LayerBench [--repetitions 7]
 * </pre>
 */
public final class LayerBench {
  private static final int PEAK_GEMM_SIZE = 2048;

  private LayerBench() {}

  /** One GEMM call as a layer makes it: C (m×n) = op(A) · op(B). */
  private record Gemm(Transpose transA, Transpose transB, int m, int n, int k) {
    long flops() {
      return 2L * m * n * k;
    }
  }

  public static void main(String[] args) {
    int repetitions = args.length == 2 && args[0].equals("--repetitions") ? Integer.parseInt(args[1]) : 7;
    if (repetitions < 5) {
      throw new IllegalArgumentException("--repetitions must be ≥ 5");
    }
    Blas blas = Blas.get();
    BenchResult result = BenchResult.start("layers", "Layers against their GEMMs and against peak sgemm",
        "bench/bin/bench layers --repetitions " + repetitions);
    // The limit: a large square sgemm with this backend and thread count, in this JVM.
    Stats peak = KernelBench.measureGemm(blas, PEAK_GEMM_SIZE, repetitions);
    result.paragraph("BLAS: " + blas.describe() + "; loop threads " + Parallel.threads()
        + "; OPENBLAS_THREAD_TIMEOUT=" + System.getenv().getOrDefault("OPENBLAS_THREAD_TIMEOUT", "(unset)")
        + ". Peak sgemm (n=" + PEAK_GEMM_SIZE + ", same backend and threads, this JVM): " + peak.format("%.1f")
        + " GFLOP/s. Each layer's forward+backward is timed alternating with the same GEMM calls alone (same"
        + " shapes and transposes); " + repetitions + " repetitions after two warm-up rounds.");
    List<List<String>> rows = new ArrayList<>();

    int batch = 256;
    DenseSpec dense = new DenseSpec(1024, 1024, Activation.RELU);
    rows.add(report(blas, dense, batch, repetitions, peak, new Gemm[] {
        new Gemm(Transpose.NO, Transpose.NO, 1024, batch, 1024),      // Y = W·X
        new Gemm(Transpose.NO, Transpose.YES, 1024, 1024, batch),     // dW += dZ·Xᵀ
        new Gemm(Transpose.YES, Transpose.NO, 1024, batch, 1024)}));   // dX += Wᵀ·dZ

    int convBatch = 128;
    Conv2DSpec conv = new Conv2DSpec(new Shape(32, 14, 14), 64, Window.square(3, 1, 1), Activation.RELU);
    int convRows = conv.outputShape().positions() * convBatch;
    rows.add(report(blas, conv, convBatch, repetitions, peak, new Gemm[] {
        new Gemm(Transpose.NO, Transpose.YES, convRows, 64, conv.patchSize()),   // Z = A·Wᵀ
        new Gemm(Transpose.YES, Transpose.NO, 64, conv.patchSize(), convRows),   // dW += Dᵀ·A
        new Gemm(Transpose.NO, Transpose.NO, convRows, conv.patchSize(), 64)}));  // dA = D·W

    Conv2DSpec first = new Conv2DSpec(new Shape(1, 28, 28), 32, Window.square(3, 1, 1), Activation.RELU);
    int firstRows = first.outputShape().positions() * convBatch;
    rows.add(report(blas, first, convBatch, repetitions, peak, new Gemm[] {
        new Gemm(Transpose.NO, Transpose.YES, firstRows, 32, first.patchSize()),
        new Gemm(Transpose.YES, Transpose.NO, 32, first.patchSize(), firstRows),
        new Gemm(Transpose.NO, Transpose.NO, firstRows, first.patchSize(), 32)}));

    // Both recurrent cells run the same four GEMMs per time step, over 4 gates (LSTM) or 1 (SimpleRNN).
    for (RecurrentSpec recurrent : List.of(new LstmSpec(28, 128, 28, false, 1f), new LstmSpec(28, 512, 28, false, 1f),
        new SimpleRnnSpec(28, 128, 28, false))) {
      int hidden = recurrent.hidden();
      int gates = recurrent.cell().gates() * hidden;
      int recurrentBatch = 64;
      int stacked = 28 + hidden;
      Gemm[] perStep = {
          new Gemm(Transpose.NO, Transpose.NO, gates, recurrentBatch, stacked),    // Z = W·[x; h]
          new Gemm(Transpose.NO, Transpose.YES, gates, stacked, recurrentBatch),   // dW += dZ·[x; h]ᵀ
          new Gemm(Transpose.YES, Transpose.NO, 28, recurrentBatch, gates),        // dx += Wxᵀ·dZ
          new Gemm(Transpose.YES, Transpose.NO, hidden, recurrentBatch, gates)};   // dh += Whᵀ·dZ
      Gemm[] sequence = new Gemm[perStep.length * recurrent.timeSteps()];
      for (int t = 0; t < recurrent.timeSteps(); t++) {
        System.arraycopy(perStep, 0, sequence, t * perStep.length, perStep.length);
      }
      rows.add(report(blas, recurrent, recurrentBatch, repetitions, peak, sequence));
    }
    result.table(List.of("layer", "batch", "its GEMMs alone, GFLOP/s", "layer fwd+bwd GFLOP/s", "layer ÷ its GEMMs",
        "layer ÷ peak sgemm", "time in GEMM", "samples/s"), rows);
    result.save();
  }

  /** Measures one layer; returns its table row. */
  private static List<String> report(Blas blas, LayerSpec spec, int batch, int repetitions, Stats peak,
      Gemm[] gemms) {
    SplittableRandom random = new SplittableRandom(3);
    Layer layer = spec.bind(LayerBinding.whole(1, 7, spec, blas));
    FloatMatrix input = random(layer.inputRows(), batch, random);
    FloatMatrix output = new FloatMatrix(layer.outputRows(), batch);
    FloatMatrix upstream = random(layer.outputRows(), batch, random);
    FloatMatrix inputGradient = new FloatMatrix(layer.inputRows(), batch);
    float[][][] operands = new float[gemms.length][][];
    long gemmFlops = 0;
    for (int g = 0; g < gemms.length; g++) {
      Gemm gemm = gemms[g];
      operands[g] = new float[][] {random(gemm.m * gemm.k, random), random(gemm.k * gemm.n, random),
          new float[gemm.m * gemm.n]};
      gemmFlops += gemm.flops();
    }
    long layerFlops = spec.forwardFlops(layer.units(), batch) + spec.backwardFlops(layer.units(), batch);

    double[] gemmSeconds = new double[repetitions];
    double[] layerSeconds = new double[repetitions];
    int calls = 3;
    for (int r = -2; r < repetitions; r++) {   // two warm-up rounds
      long start = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        for (int g = 0; g < gemms.length; g++) {
          Gemm gemm = gemms[g];
          int lda = gemm.transA == Transpose.NO ? gemm.m : gemm.k;
          int ldb = gemm.transB == Transpose.NO ? gemm.k : gemm.n;
          blas.gemm(gemm.transA, gemm.transB, gemm.m, gemm.n, gemm.k, 1f, operands[g][0], 0, lda,
              operands[g][1], 0, ldb, 1f, operands[g][2], 0, gemm.m);
        }
      }
      double gemm = (System.nanoTime() - start) / 1e9 / calls;
      start = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        BatchContext context = BatchContext.training(r * calls + i + 10);
        layer.forward(input, output, context);
        layer.backward(input, output, upstream, inputGradient, context);
      }
      double whole = (System.nanoTime() - start) / 1e9 / calls;
      if (r >= 0) {
        gemmSeconds[r] = gemm;
        layerSeconds[r] = whole;
      }
    }
    Stats gemmRate = Stats.of(rates(gemmFlops, gemmSeconds));
    Stats layerRate = Stats.of(rates(layerFlops, layerSeconds));
    double[] shares = new double[repetitions];
    for (int r = 0; r < repetitions; r++) {
      shares[r] = gemmSeconds[r] / layerSeconds[r];
    }
    double[] samplesPerSecond = new double[repetitions];
    for (int r = 0; r < repetitions; r++) {
      samplesPerSecond[r] = batch / layerSeconds[r];
    }
    double ofPeak = layerRate.median() / peak.median();
    System.out.printf(Locale.ROOT, "%s: %.1f GFLOP/s, %.0f%% of peak sgemm%n", spec.describe(), layerRate.median(),
        100 * ofPeak);
    return List.of(spec.describe(), Integer.toString(batch), gemmRate.format("%.1f"), layerRate.format("%.1f"),
        String.format(Locale.ROOT, "%.2f", layerRate.median() / gemmRate.median()),
        String.format(Locale.ROOT, "%.0f%%", 100 * ofPeak),
        String.format(Locale.ROOT, "%.0f%%", 100 * Stats.of(shares).median()),
        String.format(Locale.ROOT, "%,.0f", Stats.of(samplesPerSecond).median()));
  }

  private static double[] rates(long flops, double[] seconds) {
    double[] rates = new double[seconds.length];
    for (int i = 0; i < seconds.length; i++) {
      rates[i] = flops / seconds[i] / 1e9;
    }
    return rates;
  }

  private static FloatMatrix random(int rows, int columns, SplittableRandom random) {
    return new FloatMatrix(rows, columns, random(rows * columns, random));
  }

  private static float[] random(int count, SplittableRandom random) {
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = (float) (random.nextDouble() - 0.5);
    }
    return values;
  }
}
