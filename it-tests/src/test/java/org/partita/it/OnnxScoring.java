package org.partita.it;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.partita.models.data.FashionMnist;
import org.partita.models.data.IdxFile;
import org.partita.models.onnx.OnnxExport;

/**
 * Fashion-MNIST's 10,000 test images scored by an exported ONNX file in ONNX Runtime, as a user
 * who serves it would: pixels / 255 in the file's declared input shape, nothing else (the
 * standardisation is in the file), the class the argmax of "probabilities".
 */
final class OnnxScoring {
  private static final int BATCH = 1000;

  private OnnxScoring() {}

  /** The share of the test images the file classifies right. */
  static double accuracy(Path onnx) throws Exception {
    Path data = FashionMnist.DEBIAN_DIRECTORY;
    float[] pixels = FashionMnist.intensities(data.resolve("t10k-images-idx3-ubyte.gz"));
    byte[] labels = IdxFile.read(data.resolve("t10k-labels-idx1-ubyte.gz"), 1).values();
    int width = FashionMnist.IMAGE.size();
    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    int right = 0;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      try (OrtSession session = environment.createSession(onnx.toString(), options)) {
        long[] shape = ((ai.onnxruntime.TensorInfo) session.getInputInfo().get(OnnxExport.INPUT).getInfo()).getShape();
        for (int from = 0; from < labels.length; from += BATCH) {
          int n = Math.min(BATCH, labels.length - from);
          shape[0] = n;
          float[] batch = Arrays.copyOfRange(pixels, from * width, (from + n) * width);
          try (OnnxTensor input = OnnxTensor.createTensor(environment, FloatBuffer.wrap(batch), shape);
              OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            float[][] probabilities = (float[][]) result.get(OnnxExport.PROBABILITIES).orElseThrow().getValue();
            for (int i = 0; i < n; i++) {
              right += argmax(probabilities[i]) == labels[from + i] ? 1 : 0;
            }
          }
        }
      }
    }
    return right / (double) labels.length;
  }

  private static int argmax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }
}
