package org.partita.bench;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.jblas.FloatMatrix;
import org.partita.bench.report.BenchResult;
import org.partita.bench.report.Stats;
import org.partita.models.tensor.TensorCodec;
import org.partita.proto.TensorProto;

/**
 * Encode + decode of a 4 MiB tensor (1 Mi floats) in GB/s of float payload: the codec alone, and
 * with the protobuf byte step (toByteArray + parseFrom) that a message adds. The ceiling the
 * transport is compared with.
 */
record CodecSpeed(Stats codec, Stats wire) {
  static final int BYTES = 4 << 20;

  static CodecSpeed measure(int repetitions) throws Exception {
    FloatMatrix matrix = KernelBench.randomMatrix(1024, new SplittableRandom(1));
    FloatMatrix target = new FloatMatrix(matrix.rows, matrix.columns);
    int calls = 50;
    for (int i = 0; i < calls; i++) {
      TensorCodec.decodeInto(TensorCodec.encode(matrix), target, "bench");
    }
    double[] codec = new double[repetitions];
    double[] wire = new double[repetitions];
    for (int r = 0; r < repetitions; r++) {
      long start = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        TensorCodec.decodeInto(TensorCodec.encode(matrix), target, "bench");
      }
      codec[r] = (double) BYTES * calls / ((System.nanoTime() - start) / 1e9) / 1e9;
      start = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        TensorProto parsed = TensorProto.parseFrom(TensorCodec.encode(matrix).toByteArray());
        TensorCodec.decodeInto(parsed, target, "bench");
      }
      wire[r] = (double) BYTES * calls / ((System.nanoTime() - start) / 1e9) / 1e9;
    }
    if (!Arrays.equals(matrix.data, target.data)) {
      throw new IllegalStateException("codec round trip changed the values");
    }
    return new CodecSpeed(Stats.of(codec), Stats.of(wire));
  }

  void print() {
    System.out.println();
    System.out.println("## Tensor codec, 4 MiB tensor (GB/s of float payload, min / median / max)");
    addTo(null);
  }

  /** The codec table, added to {@code result} (or only printed when null). */
  void addTo(BenchResult result) {
    List<String> header = List.of("path (4 MiB tensor)", "GB/s of float payload, min / median / max");
    List<List<String>> rows = List.of(
        List.of("FloatMatrix → TensorProto → FloatMatrix (encode + decode)", codec.format("%.2f")),
        List.of("… plus toByteArray + parseFrom (the full wire path)", wire.format("%.2f")));
    if (result != null) {
      result.table(header, rows);
    } else {
      System.out.println("| " + String.join(" | ", header) + " |\n|---|---|");
      rows.forEach(row -> System.out.println("| " + String.join(" | ", row) + " |"));
    }
  }
}
