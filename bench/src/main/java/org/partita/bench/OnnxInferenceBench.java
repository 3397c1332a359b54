package org.partita.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jblas.FloatMatrix;
import org.partita.bench.report.BenchResult;
import org.partita.bench.report.Stats;
import org.partita.models.blas.Blas;
import org.partita.models.blas.Parallel;
import org.partita.models.data.FashionMnist;
import org.partita.models.layers.BatchContext;
import org.partita.models.loss.Loss;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.Network;
import org.partita.models.network.StandardModels;
import org.partita.models.data.Standardization;
import org.partita.models.onnx.ExportOptions;
import org.partita.models.onnx.OnnxExport;

/**
 * Inference side by side in one process: samples/s of Partita's own predict path (standardise the
 * pixels, {@link Network#forward} in inference, softmax per sample — what {@code partita predict}
 * does per batch) against ONNX Runtime running the file {@link OnnxExport} writes for the same
 * weights (standardisation and softmax inside the graph), for the CNN and the LSTM at batch 1
 * (one request at a time) and batch 128, on Fashion-MNIST test images. Both use the machine's
 * cores as they do by default (Partita its BLAS threads and compute threads, ONNX Runtime its
 * intra-op pool), or N threads each with {@code --threads N} (bench/bin/bench then starts this JVM
 * with OpenBLAS and Partita's compute threads at N; this class checks it did). Each (model,
 * batch, system) is warmed up, then timed in repetitions of at least {@value #REPETITION_SECONDS}
 * s; the table gives min / median / max over the repetitions, and the largest difference between
 * the two systems' probabilities.
 *
 * <pre>
 *   bench/bin/bench onnx [--repetitions 5] [--models cnn,lstm] [--batches 1,128] [--threads N]
 * </pre>
 */
public final class OnnxInferenceBench {
  private static final double REPETITION_SECONDS = 1.0;
  private static final double WARM_UP_SECONDS = 2.0;
  private static final double MEAN = 0.2860;
  private static final double STD = 0.3530;

  private OnnxInferenceBench() {}

  /** One way to classify a batch of raw pixels (784 × B); returns the probabilities (10 × B). */
  private interface Classifier {
    float[] classify(float[] pixels, int batch) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int repetitions = 5;
    List<String> models = List.of("cnn", "lstm");
    List<Integer> batches = List.of(1, 128);
    int threads = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--repetitions" -> repetitions = Integer.parseInt(args[i + 1]);
        case "--models" -> models = List.of(args[i + 1].split(","));
        case "--batches" -> batches = java.util.Arrays.stream(args[i + 1].split(",")).map(Integer::valueOf).toList();
        case "--threads" -> threads = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + "; options: --repetitions N --models cnn,lstm --batches 1,128 --threads N");
      }
    }
    if (threads > 0 && Parallel.threads() != threads) {
      throw new IllegalArgumentException("--threads " + threads + " but Partita computes on " + Parallel.threads()
          + " threads: run it as bench/bin/bench onnx --threads " + threads + ", which sets OpenBLAS's threads too");
    }
    BenchResult result = BenchResult.start("onnx", "Inference: ONNX Runtime against Partita's predict path",
        "bench/bin/bench onnx");
    float[] images = FashionMnist.intensities(FashionMnist.DEBIAN_DIRECTORY.resolve("t10k-images-idx3-ubyte.gz"));
    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    List<List<String>> rows = new ArrayList<>();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      if (threads > 0) {
        options.setIntraOpNumThreads(threads);
      }
      for (String name : models) {
        ModelSpec spec = StandardModels.byName(name, 1);
        Network network = new Network(spec, Blas.get());
        byte[] file = OnnxExport.model(network, ExportOptions.NONE.withInputs(Standardization.single(MEAN, STD)))
            .toByteArray();
        try (OrtSession session = environment.createSession(file, options)) {
          long[] shape = ((ai.onnxruntime.TensorInfo) session.getInputInfo().get(OnnxExport.INPUT).getInfo())
              .getShape();
          Classifier partita = (pixels, batch) -> partitaPredict(network, pixels, batch);
          Classifier onnx = (pixels, batch) -> onnxPredict(environment, session, shape, pixels, batch);
          for (int batch : batches) {
            float[] pixels = java.util.Arrays.copyOf(images, batch * FashionMnist.IMAGE.size());
            double difference = largestDifference(partita.classify(pixels, batch), onnx.classify(pixels, batch));
            Stats ours = samplesPerSecond(partita, images, batch, repetitions);
            Stats theirs = samplesPerSecond(onnx, images, batch, repetitions);
            rows.add(List.of(name, Integer.toString(batch), ours.format("%,.0f"), theirs.format("%,.0f"),
                String.format(Locale.ROOT, "%.2f", theirs.median() / ours.median()),
                String.format(Locale.ROOT, "%.1e", difference)));
            System.out.printf(Locale.ROOT, "%s batch %d: Partita %s, ONNX Runtime %s samples/s%n", name, batch,
                ours.format("%,.0f"), theirs.format("%,.0f"));
          }
        }
      }
    }
    result.paragraph("Samples/s classifying Fashion-MNIST test images (raw pixels in, probabilities out), min / "
        + "median / max of " + repetitions + " repetitions of ≥ " + REPETITION_SECONDS + " s after "
        + WARM_UP_SECONDS + " s of warm-up; Partita on " + Blas.get().backend().configName() + " with "
        + Parallel.threads() + " compute threads, ONNX Runtime " + environment.getVersion() + " with "
        + (threads > 0 ? threads + " intra-op threads" : "its default thread pool")
        + ". Same weights (seeded initial ones), same batches.");
    result.table(List.of("model", "batch", "Partita predict path", "ONNX Runtime", "ONNX Runtime / Partita",
        "max |Δ probability|"), rows);
    result.save();
  }

  // pixels (784 × B, raw) → probabilities (10 × B), as partita predict computes them
  private static float[] partitaPredict(Network network, float[] pixels, int batch) {
    FloatMatrix inputs = new FloatMatrix(FashionMnist.IMAGE.size(), batch);
    float mean = (float) MEAN;
    float scale = (float) (1 / STD);
    for (int i = 0; i < inputs.data.length; i++) {
      inputs.data[i] = (pixels[i] - mean) * scale;
    }
    FloatMatrix logits = network.forward(inputs, BatchContext.inference());
    float[] probabilities = new float[logits.data.length];
    for (int b = 0; b < batch; b++) {
      double[] p = Loss.softmax(logits, b);
      for (int k = 0; k < p.length; k++) {
        probabilities[b * logits.rows + k] = (float) p[k];
      }
    }
    return probabilities;
  }

  private static float[] onnxPredict(OrtEnvironment environment, OrtSession session, long[] declared, float[] pixels,
      int batch) throws Exception {
    long[] shape = declared.clone();
    shape[0] = batch;
    try (OnnxTensor input = OnnxTensor.createTensor(environment, FloatBuffer.wrap(pixels, 0,
        batch * FashionMnist.IMAGE.size()), shape);
        OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
      FloatBuffer out = ((OnnxTensor) result.get(OnnxExport.PROBABILITIES).orElseThrow()).getFloatBuffer();
      float[] probabilities = new float[out.remaining()];
      out.get(probabilities);
      return probabilities;
    }
  }

  /** Batches taken in turn from the test images; samples/s per repetition. */
  private static Stats samplesPerSecond(Classifier classifier, float[] images, int batch, int repetitions)
      throws Exception {
    int width = FashionMnist.IMAGE.size();
    int available = images.length / width / batch;
    float[][] inputs = new float[Math.min(available, 64)][];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = java.util.Arrays.copyOfRange(images, i * batch * width, (i + 1) * batch * width);
    }
    run(classifier, inputs, batch, WARM_UP_SECONDS);
    double[] rates = new double[repetitions];
    for (int r = 0; r < repetitions; r++) {
      rates[r] = run(classifier, inputs, batch, REPETITION_SECONDS);
    }
    return Stats.of(rates);
  }

  /** Classifies batches for at least {@code seconds}; returns samples/s. */
  private static double run(Classifier classifier, float[][] inputs, int batch, double seconds) throws Exception {
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    long samples = 0;
    int next = 0;
    float sink = 0;
    while (System.nanoTime() < deadline) {
      sink += classifier.classify(inputs[next], batch)[0];
      next = (next + 1) % inputs.length;
      samples += batch;
    }
    if (Float.isNaN(sink)) {
      System.out.println("# NaN probabilities");
    }
    return samples / ((System.nanoTime() - start) / 1e9);
  }

  private static double largestDifference(float[] a, float[] b) {
    double largest = 0;
    for (int i = 0; i < a.length; i++) {
      largest = Math.max(largest, Math.abs(a[i] - b[i]));
    }
    return largest;
  }
}
