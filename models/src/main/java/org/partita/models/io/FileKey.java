package org.partita.models.io;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.partita.models.layers.Activation;
import org.partita.models.network.Padding;
import org.partita.models.network.ModelVocabulary;

/**
 * One key of a model file: its name, the kind of value it takes, and whether it must be given or
 * else what it defaults to ({@code fallback} null and not required: the layer type decides, as a
 * pool's stride defaults to its size). Values are read strictly — a number where a number is
 * expected — and a wrong one is refused saying what was expected and what was found.
 */
record FileKey<T>(String name, Value<T> value, boolean required, T fallback) {

  static <T> FileKey<T> required(String name, Value<T> value) {
    return new FileKey<>(name, value, true, null);
  }

  static <T> FileKey<T> optional(String name, Value<T> value, T fallback) {
    return new FileKey<>(name, value, false, fallback);
  }

  /**
   * A kind of value: what it expects, in words, and how a config value becomes one; {@code read}
   * throws IllegalArgumentException with the problem (the caller adds the file, line and key).
   */
  record Value<T>(String expects, Function<ConfigValue, T> read) {}

  static final Value<Integer> WHOLE = new Value<>("a whole number", FileKey::whole);

  static final Value<Long> LONG = new Value<>("a whole number", value -> {
    if (value.valueType() == ConfigValueType.NUMBER && value.unwrapped() instanceof Number number
        && (number instanceof Integer || number instanceof Long)) {
      return number.longValue();
    }
    throw wrongType("a whole number", value);
  });

  static final Value<Float> NUMBER = new Value<>("a number", value -> {
    if (value.valueType() == ConfigValueType.NUMBER) {
      return ((Number) value.unwrapped()).floatValue();
    }
    throw wrongType("a number", value);
  });

  static final Value<Boolean> BOOLEAN = new Value<>("true or false", value -> {
    if (value.valueType() == ConfigValueType.BOOLEAN) {
      return (Boolean) value.unwrapped();
    }
    throw wrongType("true or false", value);
  });

  static final Value<String> TEXT = new Value<>("a string", value -> {
    if (value.valueType() == ConfigValueType.STRING) {
      return (String) value.unwrapped();
    }
    throw wrongType("a string", value);
  });

  /** N, or [height, width]. */
  static final Value<int[]> SIZE = new Value<>("a whole number or [height, width]", value -> {
    if (value.valueType() == ConfigValueType.NUMBER) {
      int size = whole(value);
      return new int[] {size, size};
    }
    int[] dims = wholes(value, "a whole number or [height, width]");
    if (dims.length != 2) {
      throw new IllegalArgumentException("must be a whole number or [height, width], got " + render(value));
    }
    return dims;
  });

  /** A list of whole numbers, e.g. an input shape. */
  static final Value<int[]> DIMS = new Value<>("a list of whole numbers", value -> wholes(value, "a list of whole numbers"));

  static final Value<Activation> ACTIVATION = named("activation", ModelVocabulary.ACTIVATIONS);

  static final Value<Padding> PADDING = new Value<>("same, valid or a whole number", value -> {
    if (value.valueType() == ConfigValueType.NUMBER) {
      return Padding.pixels(whole(value));
    }
    String text = TEXT.read().apply(value);
    return switch (text) {
      case "same" -> Padding.SAME;
      case "valid" -> Padding.VALID;
      default -> throw new IllegalArgumentException("must be same, valid or a whole number, got '" + text + "'"
          + Spelling.didYouMean(text, List.of("same", "valid")));
    };
  });

  /** One of {@code names}' keys, e.g. an activation or a loss. */
  static <T> Value<T> named(String what, Map<String, T> names) {
    String expects = String.join(", ", names.keySet());
    return new Value<>(expects, value -> {
      String text = TEXT.read().apply(value);
      T found = names.get(text);
      if (found == null) {
        throw new IllegalArgumentException("unknown " + what + " '" + text + "'" + Spelling.didYouMean(text,
            names.keySet()) + " (" + expects + ")");
      }
      return found;
    });
  }

  private static int whole(ConfigValue value) {
    if (value.valueType() == ConfigValueType.NUMBER && value.unwrapped() instanceof Integer number) {
      return number;
    }
    throw wrongType("a whole number", value);
  }

  private static int[] wholes(ConfigValue value, String expects) {
    if (value.valueType() != ConfigValueType.LIST) {
      throw wrongType(expects, value);
    }
    List<Integer> dims = new ArrayList<>();
    for (ConfigValue element : (Iterable<ConfigValue>) ((com.typesafe.config.ConfigList) value)::iterator) {
      if (element.valueType() != ConfigValueType.NUMBER || !(element.unwrapped() instanceof Integer)) {
        throw wrongType(expects, value);
      }
      dims.add((Integer) element.unwrapped());
    }
    return dims.stream().mapToInt(Integer::intValue).toArray();
  }

  static IllegalArgumentException wrongType(String expects, ConfigValue value) {
    return new IllegalArgumentException("must be " + expects + ", got " + render(value));
  }

  /** A value as the file shows it, with its kind: "\"three\" (a string)", "[3, 3] (a list)". */
  static String render(ConfigValue value) {
    String text = value.render(com.typesafe.config.ConfigRenderOptions.concise());
    String kind = switch (value.valueType()) {
      case NUMBER -> "a number";
      case STRING -> "a string";
      case BOOLEAN -> "a boolean";
      case LIST -> "a list";
      case OBJECT -> "an object";
      case NULL -> "null";
    };
    return text + " (" + kind + ")";
  }
}
