package org.partita.models.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Class labels given as text (CSV cells, LibSVM labels, folder names) turned into class indices.
 * With a checkpoint's class names (evaluate) a label must be one of them, or a class number
 * below their count. When training: labels that are all whole numbers ≥ 0 are the class indices
 * themselves (names "0", "1", …, as many as the model has outputs); any other labels are class
 * names, numbered in sorted order (numeric order when they are all numbers), and must be exactly
 * as many as the model's outputs.
 */
final class ClassCoder {
  private final Path file;
  private final ReadOptions.Expected expected;
  private final Map<String, Integer> known = new HashMap<>();
  /** Training: distinct label texts in the order first seen, and where each was first seen. */
  private final Map<String, Integer> seen = new HashMap<>();
  private final List<String> seenTexts = new ArrayList<>();
  private final List<String> seenWhere = new ArrayList<>();
  private int[] codes = new int[1024];
  private int count;

  ClassCoder(Path file, ReadOptions.Expected expected) {
    this.file = file;
    this.expected = expected;
    for (int c = 0; c < expected.classNames().size(); c++) {
      known.put(expected.classNames().get(c), c);
    }
  }

  /** Records the label of the next sample; {@code where} says where it is ("line 7, column 'y'") for errors. */
  void add(String text, java.util.function.Supplier<String> where) throws DataFormatException {
    if (text.isEmpty()) {
      throw new DataFormatException(file, where.get() + ": the label is empty");
    }
    int code;
    if (!known.isEmpty()) {
      code = knownClass(text, where);
    } else {
      Integer id = seen.get(text);
      if (id == null) {
        id = seenTexts.size();
        seen.put(text, id);
        seenTexts.add(text);
        seenWhere.add(where.get());
      }
      code = id;
    }
    if (count == codes.length) {
      codes = java.util.Arrays.copyOf(codes, count * 2);
    }
    codes[count++] = code;
  }

  private int knownClass(String text, java.util.function.Supplier<String> where) throws DataFormatException {
    Integer c = known.get(text);
    if (c != null) {
      return c;
    }
    if (isClassNumber(text)) {
      long number = Long.parseLong(text);
      if (number < known.size()) {
        return (int) number;
      }
    }
    throw new DataFormatException(file, where.get() + ": class '" + text + "' was not seen in training; the model's"
        + " classes are " + abbreviated(expected.classNames()));
  }

  /** The labels recorded so far as classes. */
  Targets.Classes finish() throws DataFormatException {
    int[] labels = java.util.Arrays.copyOf(codes, count);
    if (!known.isEmpty()) {
      return new Targets.Classes(expected.classNames(), labels);
    }
    int outputs = expected.outputs();
    if (seenTexts.stream().allMatch(ClassCoder::isClassNumber)) {
      int[] classOf = new int[seenTexts.size()];
      for (int id = 0; id < classOf.length; id++) {
        long number = Long.parseLong(seenTexts.get(id));
        if (number >= outputs) {
          throw new DataFormatException(file, seenWhere.get(id) + ": label " + seenTexts.get(id) + " is no class of a"
              + " model with " + outputs + " outputs (classes 0–" + (outputs - 1) + ")");
        }
        classOf[id] = (int) number;
      }
      for (int i = 0; i < labels.length; i++) {
        labels[i] = classOf[labels[i]];
      }
      return new Targets.Classes(Targets.Classes.numbered(outputs), labels);
    }
    List<String> names = new ArrayList<>(seenTexts);
    boolean numbers = names.stream().allMatch(ClassCoder::isNumber);
    names.sort(numbers ? Comparator.comparingDouble(Double::parseDouble) : Comparator.naturalOrder());
    if (names.size() != outputs) {
      throw new DataFormatException(file, "holds " + names.size() + " classes (" + abbreviated(names) + ") but the"
          + " model has " + outputs + " outputs; its last layer needs one unit per class");
    }
    int[] classOf = new int[seenTexts.size()];
    for (int id = 0; id < classOf.length; id++) {
      classOf[id] = names.indexOf(seenTexts.get(id));
    }
    for (int i = 0; i < labels.length; i++) {
      labels[i] = classOf[labels[i]];
    }
    return new Targets.Classes(names, labels);
  }

  /**
   * Class labels stored as numbers (NumPy, IDX): each must be a whole number below the number of
   * classes (the checkpoint's, else the model's outputs); named by the checkpoint, else "0", "1", ….
   */
  static Targets.Classes fromNumbers(float[] labels, Path file, ReadOptions.Expected expected) throws DataFormatException {
    List<String> names = expected.classNames().isEmpty() ? Targets.Classes.numbered(expected.outputs())
        : expected.classNames();
    int[] classes = new int[labels.length];
    for (int i = 0; i < labels.length; i++) {
      float label = labels[i];
      if (!(label >= 0 && label < names.size() && label == Math.rint(label))) {
        throw new DataFormatException(file, "label " + i + " is " + (label == Math.rint(label) ? Long.toString((long) label)
            : Float.toString(label)) + ", no class of a model with " + names.size() + " classes (0–" + (names.size() - 1)
            + ")" + (expected.classNames().isEmpty() ? "" : " seen in training"));
      }
      classes[i] = (int) label;
    }
    return new Targets.Classes(names, classes);
  }

  private static boolean isClassNumber(String text) {
    if (text.isEmpty() || text.length() > 9) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) < '0' || text.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private static boolean isNumber(String text) {
    try {
      return Double.isFinite(Double.parseDouble(text));
    } catch (NumberFormatException e) {
      return false;
    }
  }

  static String abbreviated(List<String> names) {
    return names.size() <= 20 ? String.join(", ", names)
        : String.join(", ", names.subList(0, 20)) + ", … (" + names.size() + " in all)";
  }
}
