package org.partita.models.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.partita.models.layers.Shape;

/**
 * A CSV table (plain or gzip) with a header row: the target columns (unless named, the column
 * called "label", else the last) and the feature columns (every other, or the ones a checkpoint names). Cells are
 * separated by commas and may be quoted ("a, b" and "" inside quotes); a line holds one row.
 * Every feature cell must be a finite number; a bad cell is refused with the file, line and
 * column named. Class labels may be numbers or names; regression targets are numbers.
 */
final class CsvReader {
  private final Path file;
  private final ReadOptions options;
  private final ReadOptions.Expected expected;

  private CsvReader(Path file, ReadOptions options) {
    this.file = file;
    this.options = options;
    this.expected = options.expected();
  }

  static SampleData read(Path file, ReadOptions options) throws IOException {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(DataFiles.open(file), StandardCharsets.UTF_8),
        1 << 16)) {
      return new CsvReader(file, options).read(in);
    } catch (IOException e) {
      throw DataFiles.gzipProblem(file, e);
    }
  }

  private SampleData read(BufferedReader in) throws IOException {
    String headerLine = in.readLine();
    if (headerLine == null || headerLine.isBlank()) {
      throw new DataFormatException(file, "is empty; a CSV file starts with a header row naming its columns");
    }
    List<String> header = cells(headerLine, 1);
    Map<String, Integer> columnOf = new HashMap<>();
    for (int c = 0; c < header.size(); c++) {
      String name = unquoted(header.get(c));
      header.set(c, name);
      if (columnOf.put(name, c) != null) {
        throw new DataFormatException(file, "header names column '" + name + "' twice");
      }
    }
    boolean withLabels = expected.labels() == ReadOptions.LabelUse.REQUIRED;
    List<String> labelNames = !options.labelColumns().isEmpty() ? options.labelColumns()
        : columnOf.containsKey("label") ? List.of("label") : List.of(header.get(header.size() - 1));
    int[] labelColumns = new int[labelNames.size()];
    for (int i = 0; i < labelColumns.length; i++) {
      Integer column = columnOf.get(labelNames.get(i));
      if (column == null && withLabels) {
        throw new DataFormatException(file, "has no column '" + labelNames.get(i) + "' for the labels; its columns are "
            + ClassCoder.abbreviated(header) + " (choose with --label)");
      }
      labelColumns[i] = column == null ? -1 : column;
    }
    int[] featureColumns = featureColumns(header, columnOf, labelColumns);
    if (featureColumns.length == 0) {
      throw new DataFormatException(file, "has no feature columns besides the labels " + labelNames);
    }
    boolean classes = expected.kind() == ReadOptions.TargetKind.CLASSES;
    if (withLabels && classes && labelColumns.length != 1) {
      throw new DataFormatException(file, "--label names " + labelNames.size() + " columns; a classifier takes one"
          + " (several target columns are for regression models, loss mse)");
    }
    ClassCoder coder = withLabels && classes ? new ClassCoder(file, expected) : null;
    FloatBuffer features = new FloatBuffer();
    FloatBuffer targets = new FloatBuffer();
    int width = featureColumns.length;
    float[] row = new float[width];
    int lineNumber = 1;
    String line;
    while ((line = in.readLine()) != null) {
      lineNumber++;
      if (line.isBlank()) {
        continue;
      }
      List<String> cells = cells(line, lineNumber);
      if (cells.size() != header.size()) {
        throw new DataFormatException(file, "line " + lineNumber + " has " + cells.size() + " values but the header has "
            + header.size() + " columns");
      }
      for (int j = 0; j < width; j++) {
        row[j] = (float) number(cells.get(featureColumns[j]), lineNumber, header, featureColumns[j]);
      }
      features.add(row, width);
      if (coder != null) {
        int at = lineNumber;
        coder.add(unquoted(cells.get(labelColumns[0])), () -> "line " + at + ", column '" + labelNames.get(0) + "'");
      } else if (withLabels) {
        for (int column : labelColumns) {
          targets.add((float) number(cells.get(column), lineNumber, header, column));
        }
      }
    }
    if (features.size() == 0) {
      throw new DataFormatException(file, "has a header but no rows of data");
    }
    float[] values = features.toArray();
    Targets found = !withLabels ? null : coder != null ? coder.finish() : new Targets.Values(labelNames, targets.toArray());
    List<String> featureNames = new ArrayList<>();
    for (int column : featureColumns) {
      featureNames.add(header.get(column));
    }
    return new SampleData(file.toString(), DataFormat.CSV, Shape.vector(width), values, found, featureNames,
        labelNames);
  }

  /** The checkpoint's feature columns when it names them; else every column that holds no labels. */
  private int[] featureColumns(List<String> header, Map<String, Integer> columnOf, int[] labelColumns)
      throws DataFormatException {
    if (!expected.featureNames().isEmpty()) {
      int[] columns = new int[expected.featureNames().size()];
      for (int i = 0; i < columns.length; i++) {
        Integer column = columnOf.get(expected.featureNames().get(i));
        if (column == null) {
          throw new DataFormatException(file, "has no column '" + expected.featureNames().get(i) + "', which the model"
              + " was trained with; its columns are " + ClassCoder.abbreviated(header));
        }
        columns[i] = column;
      }
      return columns;
    }
    List<Integer> columns = new ArrayList<>();
    for (int c = 0; c < header.size(); c++) {
      boolean label = false;
      for (int l : labelColumns) {
        label |= l == c;
      }
      if (!label) {
        columns.add(c);
      }
    }
    return columns.stream().mapToInt(Integer::intValue).toArray();
  }

  private double number(String cell, int line, List<String> header, int column) throws DataFormatException {
    String text = unquoted(cell).trim();
    String where = "line " + line + ", column '" + header.get(column) + "'";
    if (text.isEmpty()) {
      throw new DataFormatException(file, where + " is empty (missing values are not supported)");
    }
    return Numbers.parse(text, file, where);
  }

  /** The cells of one line: split at commas outside double quotes; quotes kept for {@link #unquoted}. */
  private List<String> cells(String line, int lineNumber) throws DataFormatException {
    List<String> cells = new ArrayList<>();
    int start = 0;
    boolean quoted = false;
    int end = line.endsWith("\r") ? line.length() - 1 : line.length();
    for (int i = 0; i < end; i++) {
      char c = line.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        cells.add(line.substring(start, i));
        start = i + 1;
      }
    }
    if (quoted) {
      throw new DataFormatException(file, "line " + lineNumber + " has a quote that is never closed");
    }
    cells.add(line.substring(start, end));
    return cells;
  }

  /** A cell without its surrounding quotes, "" inside them read as one quote; an unquoted cell trimmed. */
  static String unquoted(String cell) {
    String text = cell.trim();
    if (text.length() >= 2 && text.charAt(0) == '"' && text.charAt(text.length() - 1) == '"') {
      return text.substring(1, text.length() - 1).replace("\"\"", "\"");
    }
    return text;
  }

  /** A growing float array. */
  static final class FloatBuffer {
    private float[] values = new float[1 << 12];
    private int size;

    void add(float value) {
      if (size == values.length) {
        grow(1);
      }
      values[size++] = value;
    }

    void add(float[] row, int count) {
      if (size + count > values.length) {
        grow(count);
      }
      System.arraycopy(row, 0, values, size, count);
      size += count;
    }

    private void grow(int atLeast) {
      long wanted = Math.max((long) values.length * 2, (long) size + atLeast);
      if (wanted > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("more than 2^31 values do not fit one in-memory dataset");
      }
      values = java.util.Arrays.copyOf(values, (int) wanted);
    }

    int size() {
      return size;
    }

    float[] toArray() {
      return java.util.Arrays.copyOf(values, size);
    }
  }
}
