package org.partita.models.onnx;

import java.util.List;
import org.partita.models.data.Standardization;

/**
 * What an export needs besides the trained network: how its inputs were standardised in training
 * (folded into the graph as its first nodes, so the file takes the values before standardisation),
 * for regression how its targets were (the graph's output is then in the targets' units), and the
 * class names of a classifier (written into the file's metadata). Each may be absent:
 * {@link Standardization#NONE}, no names.
 */
public record ExportOptions(Standardization inputs, Standardization targets, List<String> classNames) {
  public static final ExportOptions NONE = new ExportOptions(Standardization.NONE, Standardization.NONE, List.of());

  public ExportOptions {
    inputs = inputs == null ? Standardization.NONE : inputs;
    targets = targets == null ? Standardization.NONE : targets;
    classNames = classNames == null ? List.of() : List.copyOf(classNames);
  }

  public ExportOptions withInputs(Standardization statistics) {
    return new ExportOptions(statistics, targets, classNames);
  }

  public ExportOptions withTargets(Standardization statistics) {
    return new ExportOptions(inputs, statistics, classNames);
  }

  public ExportOptions withClassNames(List<String> names) {
    return new ExportOptions(inputs, targets, names);
  }
}
