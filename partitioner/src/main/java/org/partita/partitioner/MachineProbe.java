package org.partita.partitioner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jblas.FloatMatrix;
import org.partita.models.blas.Blas;
import org.partita.models.blas.Parallel;
import org.partita.models.blas.Transpose;
import org.partita.models.layers.Activation;
import org.partita.models.layers.BatchContext;
import org.partita.models.layers.Conv2DSpec;
import org.partita.models.layers.Layer;
import org.partita.models.layers.LayerBinding;
import org.partita.models.layers.LayerSpec;
import org.partita.models.layers.LstmSpec;
import org.partita.models.layers.MaxPool2DSpec;
import org.partita.models.layers.Parameter;
import org.partita.models.layers.ParameterKind;
import org.partita.models.layers.Shape;
import org.partita.models.layers.UnitRange;
import org.partita.models.layers.Window;
import org.partita.models.optim.LearningRateSchedule;
import org.partita.models.optim.Optimizer;
import org.partita.models.optim.OptimizerSpec;
import org.partita.models.optim.UpdateRule;

/**
 * Measures a {@link MachineProfile} on this machine in a few seconds: GEMM GFLOP/s over a grid of
 * shapes (each cell the mean over the thin dimension in the m, n and k position and over the
 * transpose pairs the layers use); the cost per float of the data-movement loops, per exp/tanh
 * and per GEMM call or parallel loop, calibrated on convolutions and an LSTM of the project's own
 * kernels; and the optimizer update per
 * parameter for each rule. Everything runs with the threads training will use (OpenBLAS' pool and
 * {@link Parallel}).
 */
public final class MachineProbe {
  static final int[] MIN_DIMS = {4, 8, 16, 32, 64, 128, 256, 512};
  static final int[] OTHER_DIMS = {128, 512, 2048};
  /** Each timing runs at least this long, so short calls are not timer noise. */
  private static final double MIN_SECONDS = 0.005;
  private static final double WARM_UP_SECONDS = 0.2;
  /** Forward, weight-gradient and input-gradient GEMMs of Dense and Conv2D use these. */
  private static final Transpose[][] TRANSPOSE_PAIRS = {
      {Transpose.NO, Transpose.NO}, {Transpose.NO, Transpose.YES}, {Transpose.YES, Transpose.NO}};

  private MachineProbe() {}

  /**
   * Measures this process's profile (with its own threads) into the file given: how
   * {@link MachineProfiles} gets a one-thread profile from a child JVM started with one thread.
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: MachineProbe OUTPUT_FILE (measures with this JVM's OpenBLAS and -D"
          + Parallel.THREADS_PROPERTY + " threads)");
      System.exit(2);
    }
    measure(Blas.get()).save(Path.of(args[0]));
  }

  public static MachineProfile measure(Blas blas) {
    List<MachineProfile.GemmSample> samples = new ArrayList<>();
    for (int d : MIN_DIMS) {
      for (int o : OTHER_DIMS) {
        if (d > o) {
          continue;
        }
        // Mean time over the thin dimension in each position and the three transpose pairs layers use.
        double seconds = 0;
        double flops = 0;
        for (int position = 0; position < 3; position++) {
          GemmShape shape = new GemmShape(position == 0 ? d : o, position == 1 ? d : o, position == 2 ? d : o);
          for (Transpose[] pair : TRANSPOSE_PAIRS) {
            seconds += gemmSeconds(blas, new Transposed[] {new Transposed(pair[0], pair[1], shape)});
            flops += shape.flops();
          }
        }
        samples.add(new MachineProfile.GemmSample(d, o, flops / seconds / 1e9));
      }
    }
    // Cells with d > o do not exist as shapes; give them the largest-d rate of their column.
    for (int d : MIN_DIMS) {
      for (int o : OTHER_DIMS) {
        if (d > o) {
          double rate = samples.stream().filter(s -> s.otherDim() == o).mapToDouble(MachineProfile.GemmSample::gflops)
              .max().orElseThrow();
          samples.add(new MachineProfile.GemmSample(d, o, rate));
        }
      }
    }
    double perFloat = calibrateDataMovement(blas);
    double perPooled = calibratePooling(blas);
    double[] lstm = calibrateRecurrent(blas, perFloat);
    MachineProfile.UpdateCost update = new MachineProfile.UpdateCost(nsPerUpdate(new UpdateRule.Sgd()),
        nsPerUpdate(new UpdateRule.Momentum(0.9f, false)), nsPerUpdate(UpdateRule.Adam.defaults()));
    return new MachineProfile(cpuModel(), Runtime.getRuntime().availableProcessors(), Parallel.threads(),
        blas.backend().configName(), samples, perFloat, perPooled, lstm[0], lstm[1], update, System.currentTimeMillis(),
        null);
  }

  /**
   * Nanoseconds per float of the loops around the GEMMs (im2col, col2im, layout changes,
   * activations), calibrated on convolutions of the project's own kernels: the layer's measured
   * forward+backward time less the measured time of the very GEMM calls it makes, over the floats
   * {@link LayerWork} counts for it. Taken as the slope between two batch sizes, so fixed per-call
   * costs (thread hand-offs) do not pose as per-float cost; averaged over an im2col-heavy and an
   * output-heavy convolution.
   */
  static double calibrateDataMovement(Blas blas) {
    double patchHeavy = slope(blas, new Conv2DSpec(new Shape(32, 14, 14), 32, Window.square(3, 1, 1),
        Activation.RELU), 16, 64);
    double outputHeavy = slope(blas, new Conv2DSpec(new Shape(1, 28, 28), 16, Window.square(3, 1, 1),
        Activation.RELU), 32, 128);
    return Math.max(0.05, (patchHeavy + outputHeavy) / 2);
  }

  /**
   * Nanoseconds per window element of max pooling (the CNN's first pooling layer, forward and
   * backward), as the slope between two batch sizes. Its compares and masks cost about twice a
   * copied float; priced as one, max pooling came out at half its measured time.
   */
  static double calibratePooling(Blas blas) {
    MaxPool2DSpec pool = new MaxPool2DSpec(new Shape(32, 28, 28), Window.square(2, 2, 0));
    double small = residualSeconds(blas, pool, 16);
    double large = residualSeconds(blas, pool, 64);
    return Math.max(0.05, (large - small) / (work(pool, 64).pooled() - work(pool, 16).pooled()) * 1e9);
  }

  /**
   * From an LSTM at two batch sizes, after its measured GEMMs and its data movement: nanoseconds
   * per exp/tanh (the slope) and the fixed cost per GEMM call or parallel loop (the intercept,
   * spread over the 96 calls of 16 steps — sleeping BLAS threads woken for every GEMM, work handed
   * to the loop threads).
   */
  static double[] calibrateRecurrent(Blas blas, double perFloat) {
    LstmSpec lstm = new LstmSpec(32, 128, 16, false, 1f);
    LayerWork small = work(lstm, 32);
    LayerWork large = work(lstm, 128);
    double smallRest = residualSeconds(blas, lstm, 32) - perFloat * 1e-9 * small.floatsMoved();
    double largeRest = residualSeconds(blas, lstm, 128) - perFloat * 1e-9 * large.floatsMoved();
    double perTranscendental = Math.max(0.5, (largeRest - smallRest) / (large.transcendentals() - small.transcendentals()) * 1e9);
    double intercept = smallRest - perTranscendental * 1e-9 * small.transcendentals();
    return new double[] {perTranscendental, Math.max(0, intercept / small.calls() * 1e9)};
  }

  /** d(residual seconds)/d(floats moved) between two batch sizes, in nanoseconds. */
  private static double slope(Blas blas, Conv2DSpec conv, int smallBatch, int largeBatch) {
    double small = residualSeconds(blas, conv, smallBatch);
    double large = residualSeconds(blas, conv, largeBatch);
    return (large - small) / (work(conv, largeBatch).floatsMoved() - work(conv, smallBatch).floatsMoved()) * 1e9;
  }

  private static LayerWork work(LayerSpec spec, int batch) {
    return LayerWork.of(spec, UnitRange.all(spec.units()), batch, true);
  }

  /** Seconds of forward+backward minus the seconds of the GEMM calls it makes, measured alone (median of 5). */
  private static double residualSeconds(Blas blas, LayerSpec spec, int batch) {
    Transposed[] calls = layerGemms(spec, batch);
    double[] residuals = new double[5];
    for (int i = 0; i < residuals.length; i++) {
      residuals[i] = layerSeconds(spec, blas, batch) - gemmSeconds(blas, calls);
    }
    java.util.Arrays.sort(residuals);
    return residuals[2];
  }

  /** The GEMM calls, with their transposes, that Conv2DLayer and RecurrentLayer make for one batch. */
  private static Transposed[] layerGemms(LayerSpec spec, int batch) {
    if (spec instanceof MaxPool2DSpec) {
      return new Transposed[0];
    }
    if (spec instanceof Conv2DSpec conv) {
      int rows = conv.outputShape().positions() * batch;
      int patch = conv.patchSize();
      int filters = conv.filters();
      return new Transposed[] {
          new Transposed(Transpose.NO, Transpose.YES, new GemmShape(rows, filters, patch)),
          new Transposed(Transpose.YES, Transpose.NO, new GemmShape(filters, patch, rows)),
          new Transposed(Transpose.NO, Transpose.NO, new GemmShape(rows, patch, filters))};
    }
    LstmSpec lstm = (LstmSpec) spec;
    int gates = 4 * lstm.hidden();
    int stacked = lstm.inputs() + lstm.hidden();
    Transposed[] calls = new Transposed[4 * lstm.timeSteps()];
    for (int t = 0; t < lstm.timeSteps(); t++) {
      calls[4 * t] = new Transposed(Transpose.NO, Transpose.NO, new GemmShape(gates, batch, stacked));
      calls[4 * t + 1] = new Transposed(Transpose.NO, Transpose.YES, new GemmShape(gates, stacked, batch));
      calls[4 * t + 2] = new Transposed(Transpose.YES, Transpose.NO, new GemmShape(lstm.inputs(), batch, gates));
      calls[4 * t + 3] = new Transposed(Transpose.YES, Transpose.NO, new GemmShape(lstm.hidden(), batch, gates));
    }
    return calls;
  }

  /** A GEMM call as a layer makes it. */
  private record Transposed(Transpose a, Transpose b, GemmShape shape) {}

  /** Measured seconds of one round of the given GEMM calls. */
  private static double gemmSeconds(Blas blas, Transposed[] calls) {
    float[][][] operands = new float[calls.length][][];
    SplittableRandom random = new SplittableRandom(8);
    for (int i = 0; i < calls.length; i++) {
      GemmShape shape = calls[i].shape();
      operands[i] = new float[][] {fill(new float[shape.m() * shape.k()], random),
          fill(new float[shape.k() * shape.n()], random), new float[shape.m() * shape.n()]};
    }
    return bestSecondsPerCall(() -> {
      for (int i = 0; i < calls.length; i++) {
        GemmShape s = calls[i].shape();
        int lda = calls[i].a() == Transpose.NO ? s.m() : s.k();
        int ldb = calls[i].b() == Transpose.NO ? s.k() : s.n();
        blas.gemm(calls[i].a(), calls[i].b(), s.m(), s.n(), s.k(), 1f, operands[i][0], 0, lda, operands[i][1], 0, ldb,
            1f, operands[i][2], 0, s.m());
      }
    }, 0);
  }

  private static double layerSeconds(LayerSpec spec, Blas blas, int batch) {
    Layer layer = spec.bind(LayerBinding.whole(1, 3, spec, blas));
    FloatMatrix input = new FloatMatrix(layer.inputRows(), batch, fill(new float[layer.inputRows() * batch],
        new SplittableRandom(2)));
    FloatMatrix output = new FloatMatrix(layer.outputRows(), batch);
    FloatMatrix upstream = new FloatMatrix(layer.outputRows(), batch, fill(new float[layer.outputRows() * batch],
        new SplittableRandom(3)));
    FloatMatrix inputGradient = new FloatMatrix(layer.inputRows(), batch);
    long[] step = {0};
    return bestSecondsPerCall(() -> {
      BatchContext context = BatchContext.training(step[0]++);
      layer.forward(input, output, context);
      layer.backward(input, output, upstream, inputGradient, context);
    });
  }

  static double nsPerUpdate(UpdateRule rule) {
    int count = 1 << 20;
    Parameter parameter = Parameter.zeros(0, ParameterKind.WEIGHTS, new UnitRange(0, 1), count, 1);
    fill(parameter.gradient().data, new SplittableRandom(4));
    Optimizer optimizer = new Optimizer(new OptimizerSpec(rule, 1e-3f, new LearningRateSchedule.Constant(), 0f, 0f),
        List.of(parameter));
    long[] step = {0};
    return bestSecondsPerCall(() -> optimizer.step(step[0]++)) / count * 1e9;
  }

  /**
   * Best of 3 rounds of seconds per call; each round lasts ≥ MIN_SECONDS. Calls first run for at
   * least {@link #WARM_UP_SECONDS} so the JIT has compiled them — a cold first round once
   * measured an Adam update 10x slower than it runs.
   */
  private static double bestSecondsPerCall(Runnable call) {
    return bestSecondsPerCall(call, WARM_UP_SECONDS);
  }

  /** As {@link #bestSecondsPerCall(Runnable)} with a chosen warm-up (native GEMMs need none). */
  private static double bestSecondsPerCall(Runnable call, double warmUpSeconds) {
    long warmUpEnd = System.nanoTime() + (long) (warmUpSeconds * 1e9);
    int warmUps = 0;
    while (System.nanoTime() < warmUpEnd || warmUps < 2) {
      call.run();
      warmUps++;
    }
    long start = System.nanoTime();
    call.run();
    double once = Math.max((System.nanoTime() - start) / 1e9, 1e-7);
    int calls = (int) Math.max(1, Math.min(100_000, Math.ceil(MIN_SECONDS / once)));
    double best = Double.MAX_VALUE;
    for (int round = 0; round < 3; round++) {
      start = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        call.run();
      }
      best = Math.min(best, (System.nanoTime() - start) / 1e9 / calls);
    }
    return best;
  }

  private static float[] fill(float[] values, SplittableRandom random) {
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextDouble() - 0.5);
    }
    return values;
  }

  /** The CPU's model name from /proc/cpuinfo, for reports. */
  public static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      return "unknown CPU";
    }
    return "unknown CPU";
  }
}
