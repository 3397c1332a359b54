package org.partita.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.jblas.FloatMatrix;
import org.partita.bench.report.BenchResult;
import org.partita.deploy.report.PngChart;
import org.partita.bench.report.Stats;
import org.partita.models.blas.Blas;
import org.partita.models.blas.BlasBackend;
import org.partita.models.blas.BlasUnavailableException;
import org.partita.models.blas.Transpose;

/**
 * The physical limit every later ratio is measured against: sgemm GFLOP/s through the {@link Blas}
 * facade for each backend present, at several sizes and thread counts, and the tensor codec's
 * throughput.
 *
 * <p>Each (backend, thread count) runs in a fresh child JVM, one after another in this one
 * invocation, so the ratios compare like with like on a shared, noisy machine. Two reasons:
 * OpenBLAS fixes its thread pool when the library loads (OPENBLAS_NUM_THREADS, and
 * -Dpartita.compute.threads for the Java kernel), and once system OpenBLAS is loaded, jblas' bundled
 * library has some of its BLAS symbols resolved to it — measured in one process, "jblas" ran at 3x
 * its real speed.
 *
 * <pre>
 *   java -cp ... org.partita.bench.KernelBench [--sizes 256,512,1024,2048] [--threads 1,2]
 *        [--repetitions 5] [--backends openblas,jblas,java]
 * </pre>
 */
public final class KernelBench {
  private static final String RESULT_PREFIX = "RESULT ";
  /** Each timed repetition runs whole GEMMs for at least this long, so small sizes are not timer noise. */
  private static final double MIN_REPETITION_SECONDS = 0.25;

  private KernelBench() {}

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    if (options.childThreads > 0) {
      runChild(options);
      return;
    }
    BenchResult result = BenchResult.start("kernels", "Kernels: sgemm per BLAS backend, tensor codec",
        "bench/bin/bench kernels" + (args.length > 0 ? " " + String.join(" ", args) : ""));
    Map<BlasBackend, String> availability = Blas.probe();
    availability.forEach((backend, status) -> System.out.println("#   " + backend.configName() + ": " + status));

    List<String[]> results = new ArrayList<>();
    for (BlasBackend backend : options.backends) {
      for (int threads : options.threads) {
        results.addAll(runChildJvm(options, backend, threads));
      }
    }
    gemmTable(results, options, result);
    result.paragraph("Tensor codec (the ceiling the transport is compared with), " + options.repetitions
        + " repetitions:");
    CodecSpeed.measure(options.repetitions).addTo(result);
    result.save();
  }

  /** sgemm at one thread count, every size and backend; prints machine-readable RESULT lines. */
  private static void runChild(Options options) {
    for (BlasBackend backend : options.backends) {
      Blas blas;
      try {
        blas = Blas.of(backend);
      } catch (BlasUnavailableException unavailable) {
        System.out.println(RESULT_PREFIX + backend.configName() + " unavailable");
        continue;
      }
      for (int size : options.sizes) {
        Stats gflops = measureGemm(blas, size, options.repetitions);
        System.out.println(RESULT_PREFIX + backend.configName() + " " + size + " " + options.childThreads + " "
            + gflops.min() + " " + gflops.median() + " " + gflops.max());
      }
    }
  }

  public static Stats measureGemm(Blas blas, int n, int repetitions) {
    SplittableRandom random = new SplittableRandom(n);
    FloatMatrix a = randomMatrix(n, random);
    FloatMatrix b = randomMatrix(n, random);
    FloatMatrix c = new FloatMatrix(n, n);
    double flops = 2.0 * n * n * n;
    // Warm-up: JIT for the Java kernel, thread-pool start and page faults for the native ones.
    int callsPerRepetition = 1;
    long start = System.nanoTime();
    blas.gemm(Transpose.NO, Transpose.NO, 1f, a, b, 0f, c);
    double once = (System.nanoTime() - start) / 1e9;
    callsPerRepetition = (int) Math.max(1, Math.ceil(MIN_REPETITION_SECONDS / Math.max(once, 1e-6)));
    for (int i = 0; i < callsPerRepetition; i++) {
      blas.gemm(Transpose.NO, Transpose.NO, 1f, a, b, 0f, c);
    }
    double[] samples = new double[repetitions];
    for (int r = 0; r < repetitions; r++) {
      start = System.nanoTime();
      for (int i = 0; i < callsPerRepetition; i++) {
        blas.gemm(Transpose.NO, Transpose.NO, 1f, a, b, 0f, c);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      samples[r] = flops * callsPerRepetition / seconds / 1e9;
    }
    return Stats.of(samples);
  }

  static FloatMatrix randomMatrix(int n, SplittableRandom random) {
    FloatMatrix matrix = new FloatMatrix(n, n);
    for (int i = 0; i < matrix.data.length; i++) {
      matrix.data[i] = (float) (random.nextDouble() - 0.5);
    }
    return matrix;
  }

  private static List<String[]> runChildJvm(Options options, BlasBackend backend, int threads)
      throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java, "-Xmx4g", "-Dpartita.compute.threads=" + threads,
        "-cp", System.getProperty("java.class.path"), KernelBench.class.getName(),
        "--child-threads", Integer.toString(threads),
        "--sizes", joinInts(options.sizes), "--repetitions", Integer.toString(options.repetitions),
        "--backends", backend.configName()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(threads));
    builder.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
    System.out.println("# measuring " + backend.configName() + " with " + threads + " thread(s) in a child JVM …");
    Process process = builder.start();
    List<String[]> results = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.startsWith(RESULT_PREFIX)) {
          results.add(line.substring(RESULT_PREFIX.length()).split(" "));
        } else if (!line.isBlank()) {
          System.out.println("#   child: " + line);
        }
      }
    }
    int exit = process.waitFor();
    if (exit != 0) {
      throw new IllegalStateException("benchmark child JVM for " + backend.configName() + " with " + threads
          + " thread(s) exited with " + exit);
    }
    return results;
  }

  private static void gemmTable(List<String[]> results, Options options, BenchResult result) {
    result.paragraph("sgemm through the Blas facade (C = A·B, n×n), GFLOP/s min / median / max of "
        + options.repetitions + "; each backend and thread count in its own child JVM, one after another:");
    result.chart("sgemm", "sgemm through the Blas facade", "n (C = A·B, n×n)", "GFLOP/s (median)", PngChart.Scale.LOG2);
    List<String> header = new ArrayList<>(List.of("backend", "threads"));
    Arrays.stream(options.sizes).forEach(size -> header.add("n=" + size));
    List<List<String>> rows = new ArrayList<>();
    Map<String, Double> medians = new LinkedHashMap<>();
    for (BlasBackend backend : options.backends) {
      for (int threads : options.threads) {
        List<String> row = new ArrayList<>(List.of(backend.configName(), Integer.toString(threads)));
        for (int size : options.sizes) {
          String cell = "unavailable";
          for (String[] measured : results) {
            if (measured[0].equals(backend.configName()) && measured.length == 6
                && Integer.parseInt(measured[1]) == size && Integer.parseInt(measured[2]) == threads) {
              Stats stats = new Stats(Double.parseDouble(measured[3]), Double.parseDouble(measured[4]),
                  Double.parseDouble(measured[5]));
              cell = stats.format("%.1f");
              medians.put(backend.configName() + "/" + threads + "/" + size, stats.median());
              result.point("sgemm", backend.configName() + ", " + threads + " thread(s)", size, stats.median());
            }
          }
          row.add(cell);
        }
        rows.add(row);
      }
    }
    result.table(header, rows);
    result.data("sgemm_gflops_median", medians);
    StringBuilder ratios = new StringBuilder("Ratios of medians, same run:\n");
    for (int threads : options.threads) {
      for (int size : options.sizes) {
        Double openblas = medians.get("openblas/" + threads + "/" + size);
        Double jblas = medians.get("jblas/" + threads + "/" + size);
        Double java = medians.get("java/" + threads + "/" + size);
        if (openblas != null && jblas != null) {
          ratios.append(String.format(Locale.ROOT, "- n=%d, %d thread(s): openblas ÷ jblas = %.2fx%s%n", size, threads,
              openblas / jblas, java == null ? "" : String.format(Locale.ROOT, ", openblas ÷ java = %.2fx",
                  openblas / java)));
        }
      }
    }
    result.paragraph(ratios.toString());
  }

  private static String joinInts(int[] values) {
    return String.join(",", Arrays.stream(values).mapToObj(Integer::toString).toList());
  }

  /** Command-line options; unknown flags are an error, not ignored. */
  private record Options(int[] sizes, int[] threads, int repetitions, List<BlasBackend> backends, int childThreads) {
    static Options parse(String[] args) {
      int[] sizes = {256, 512, 1024, 2048};
      int[] threads = {1, 2};
      int repetitions = 5;
      List<BlasBackend> backends = List.of(BlasBackend.values());
      int childThreads = 0;
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("flag " + flag + " needs a value");
        }
        String value = args[++i];
        switch (flag) {
          case "--sizes" -> sizes = parseInts(flag, value);
          case "--threads" -> threads = parseInts(flag, value);
          case "--repetitions" -> repetitions = parseInts(flag, value)[0];
          case "--backends" -> backends = Arrays.stream(value.split(",")).map(BlasBackend::parse).toList();
          case "--child-threads" -> childThreads = parseInts(flag, value)[0];
          default -> throw new IllegalArgumentException("unknown flag " + flag
              + "; known: --sizes, --threads, --repetitions, --backends");
        }
      }
      if (repetitions < 5) {
        throw new IllegalArgumentException("--repetitions must be ≥ 5 (min/median/max over fewer is not a measurement)");
      }
      return new Options(sizes, threads, repetitions, backends, childThreads);
    }

    private static int[] parseInts(String flag, String value) {
      try {
        int[] parsed = Arrays.stream(value.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        for (int v : parsed) {
          if (v <= 0) {
            throw new NumberFormatException("not positive: " + v);
          }
        }
        return parsed;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(flag + " expects positive whole numbers separated by commas, got '" + value + "'", e);
      }
    }
  }
}
