package org.partita.models.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.partita.models.layers.Shape;

/**
 * LibSVM / SVMlight text, plain or gzip: one sample per line, "LABEL INDEX:VALUE …" with indices
 * from 1 in increasing order; a value not given is 0; "qid:N" tokens and "# comments" are skipped.
 * The row width is --features N, else the model's input size when it is known, else the largest
 * index in the file. The label is a class (number or name) or a regression target.
 */
final class LibSvmReader {
  private LibSvmReader() {}

  /** A sparse row: the non-zero entries of one line. */
  private record Entries(int[] indices, float[] values, int count) {}

  static SampleData read(Path file, ReadOptions options) throws IOException {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(DataFiles.open(file), StandardCharsets.UTF_8),
        1 << 16)) {
      return read(in, file, options);
    } catch (IOException e) {
      throw DataFiles.gzipProblem(file, e);
    }
  }

  private static SampleData read(BufferedReader in, Path file, ReadOptions options) throws IOException {
    ReadOptions.Expected expected = options.expected();
    boolean withLabels = expected.labels() == ReadOptions.LabelUse.REQUIRED;
    boolean classes = expected.kind() == ReadOptions.TargetKind.CLASSES;
    int width = options.features() > 0 ? options.features() : expected.input() != null ? expected.input().size() : 0;
    ClassCoder coder = withLabels && classes ? new ClassCoder(file, expected) : null;
    CsvReader.FloatBuffer targets = new CsvReader.FloatBuffer();
    // Rows are kept sparse until the width is known: (sample, index, value) triples.
    java.util.List<Entries> rows = new java.util.ArrayList<>();
    int widest = 0;
    int lineNumber = 0;
    String line;
    while ((line = in.readLine()) != null) {
      lineNumber++;
      int comment = line.indexOf('#');
      String content = (comment >= 0 ? line.substring(0, comment) : line).strip();
      if (content.isEmpty()) {
        continue;
      }
      String[] tokens = content.split("\\s+");
      int at = lineNumber;
      if (coder != null) {
        coder.add(tokens[0], () -> "line " + at + ", the label");
      } else if (withLabels) {
        targets.add((float) Numbers.parse(tokens[0], file, "line " + at + ", the label"));
      }
      int[] indices = new int[tokens.length - 1];
      float[] values = new float[tokens.length - 1];
      int count = 0;
      int previous = 0;
      for (int t = 1; t < tokens.length; t++) {
        String token = tokens[t];
        if (token.startsWith("qid:")) {
          continue;
        }
        int colon = token.indexOf(':');
        String where = "line " + lineNumber + ", entry '" + token + "'";
        if (colon <= 0) {
          throw new DataFormatException(file, where + " is not INDEX:VALUE");
        }
        int index;
        try {
          index = Integer.parseInt(token.substring(0, colon));
        } catch (NumberFormatException e) {
          throw new DataFormatException(file, where + ": the index is not a whole number");
        }
        if (index < 1) {
          throw new DataFormatException(file, where + ": indices start at 1");
        }
        if (index <= previous) {
          throw new DataFormatException(file, where + ": indices must increase along a line (after " + previous + ")");
        }
        if (width > 0 && index > width) {
          throw new DataFormatException(file, where + ": index " + index + " is beyond the " + width + " features of a "
              + "row (" + (options.features() > 0 ? "--features" : "the model's input") + ")");
        }
        previous = index;
        indices[count] = index - 1;
        values[count] = (float) Numbers.parse(token.substring(colon + 1), file, where);
        count++;
      }
      widest = Math.max(widest, previous);
      rows.add(new Entries(indices, values, count));
    }
    if (rows.isEmpty()) {
      throw new DataFormatException(file, "holds no samples");
    }
    int columns = width > 0 ? width : widest;
    if (columns == 0) {
      throw new DataFormatException(file, "has no feature values on any line, and --features is not given");
    }
    float[] features = new float[Math.multiplyExact(rows.size(), columns)];
    for (int r = 0; r < rows.size(); r++) {
      Entries entries = rows.get(r);
      for (int e = 0; e < entries.count(); e++) {
        features[r * columns + entries.indices()[e]] = entries.values()[e];
      }
    }
    Targets found = !withLabels ? null : coder != null ? coder.finish()
        : new Targets.Values(List.of("label"), targets.toArray());
    return new SampleData(file.toString(), DataFormat.LIBSVM, Shape.vector(columns), features, found, List.of(),
        List.of("label"));
  }
}
