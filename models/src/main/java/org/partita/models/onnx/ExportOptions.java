package org.partita.models.onnx;

import java.util.List;

/**
 * What an export needs besides the trained network: how its inputs were standardised in training
 * (folded into the graph as its first nodes, so the file takes the values before standardisation),
 * for regression how its targets were (the graph's output is then in the targets' units), and the
 * class names of a classifier (written into the file's metadata). Each may be absent:
 * {@link BlockStatistics#NONE}, no names.
 */
public record ExportOptions(BlockStatistics inputs, BlockStatistics targets, List<String> classNames) {
  public static final ExportOptions NONE = new ExportOptions(BlockStatistics.NONE, BlockStatistics.NONE, List.of());

  public ExportOptions {
    inputs = inputs == null ? BlockStatistics.NONE : inputs;
    targets = targets == null ? BlockStatistics.NONE : targets;
    classNames = classNames == null ? List.of() : List.copyOf(classNames);
  }

  public ExportOptions withInputs(BlockStatistics statistics) {
    return new ExportOptions(statistics, targets, classNames);
  }

  public ExportOptions withTargets(BlockStatistics statistics) {
    return new ExportOptions(inputs, statistics, classNames);
  }

  public ExportOptions withClassNames(List<String> names) {
    return new ExportOptions(inputs, targets, names);
  }
}
