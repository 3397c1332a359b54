package org.partita.models.io;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.partita.models.loss.Loss;
import org.partita.models.network.LayerRecipe;
import org.partita.models.network.Model;
import org.partita.models.network.ModelDefinitionException;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.ModelVocabulary;

/**
 * Reads a model file a person writes — HOCON, so plain JSON too — into a {@link ModelSpec}:
 * <pre>
 * input  = [1, 28, 28]
 * layers = [
 *   { type = conv2d, filters = 32, kernel = 3, padding = same, activation = relu }
 *   { type = maxpool, size = 2 }
 *   { type = flatten }
 *   { type = dense, units = 10 }
 * ]
 * loss = softmax-cross-entropy
 * </pre>
 * Each entry is read through its type's keys ({@link LayerTypes}) into a {@link LayerRecipe} and
 * the whole through {@link Model}, which infers every shape, so a file and the Java API give the
 * same spec. Anything wrong is refused before training with one message naming the file and line,
 * the layer's index and type, the key, and the shapes involved (docs/MODELS.md lists every key).
 */
public final class ModelFile {
  /** The extensions read as model files; .pbtxt and .pb are ModelSpecProto files ({@link ModelFiles}). */
  public static final List<String> EXTENSIONS = List.of(".conf", ".hocon", ".json");

  private static final FileKey<int[]> INPUT = FileKey.required("input", FileKey.DIMS);
  private static final FileKey<Loss> LOSS = FileKey.required("loss", FileKey.named("loss", ModelVocabulary.LOSSES));
  private static final FileKey<String> NAME = FileKey.optional("name", FileKey.TEXT, null);
  private static final FileKey<Long> SEED = FileKey.optional("seed", FileKey.LONG, null);
  private static final FileKey<String> TYPE = FileKey.required("type", FileKey.TEXT);
  private static final List<String> TOP_KEYS = List.of("input", "layers", "loss", "name", "seed");

  private final String source;

  private ModelFile(String source) {
    this.source = source;
  }

  public static boolean isModelFile(String path) {
    String lower = path.toLowerCase(Locale.ROOT);
    return EXTENSIONS.stream().anyMatch(lower::endsWith);
  }

  /**
   * The model in {@code file}; its name defaults to the file's name without the extension, its
   * seed to {@code defaultSeed} (e.g. {@code --seed}).
   */
  public static ModelSpec read(Path file, long defaultSeed) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new java.io.FileNotFoundException(file + ": no such model file");
    }
    String text = Files.readString(file);
    boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
    return parse(text, file.toString(), json ? ConfigSyntax.JSON : ConfigSyntax.CONF, defaultSeed);
  }

  /** {@code text} in {@code syntax}; {@code source} names it in messages and gives the default name. */
  public static ModelSpec parse(String text, String source, ConfigSyntax syntax, long defaultSeed) {
    Config config;
    try {
      config = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(syntax)
          .setOriginDescription(source)).resolve();
    } catch (ConfigException e) {
      throw new IllegalArgumentException(source + ": not a model file (" + (syntax == ConfigSyntax.JSON ? "JSON"
          : "HOCON") + "): " + e.getMessage(), e);
    }
    return new ModelFile(source).model(config.root(), defaultSeed);
  }

  private ModelSpec model(ConfigObject root, long defaultSeed) {
    for (String key : root.keySet()) {
      if (!TOP_KEYS.contains(key)) {
        throw refuse(root.get(key), key, "unknown key" + Spelling.didYouMean(key, TOP_KEYS) + " (a model file has "
            + String.join(", ", TOP_KEYS) + ")");
      }
    }
    Long seed = read(root, SEED, "");
    Model model = Model.input(read(root, INPUT, "")).named(name(root)).seed(seed == null ? defaultSeed : seed);
    ConfigValue layers = root.get("layers");
    if (layers == null || layers.valueType() != ConfigValueType.LIST || ((ConfigList) layers).isEmpty()) {
      throw refuse(layers, "layers", layers == null ? "is missing; give layers = [ { type = "
          + "dense, units = 10 } ]" : "must be a non-empty list of { type = … } objects, got " + FileKey.render(layers));
    }
    List<ConfigObject> entries = new ArrayList<>();
    for (ConfigValue entry : (ConfigList) layers) {
      if (entry.valueType() != ConfigValueType.OBJECT) {
        throw refuse(entry, "layers[" + entries.size() + "]", "must be an object { type = … }, got "
            + FileKey.render(entry));
      }
      model = model.add(layer(entries.size(), (ConfigObject) entry));
      entries.add((ConfigObject) entry);
    }
    Loss loss = read(root, LOSS, "");
    try {
      return model.build(loss);
    } catch (ModelDefinitionException e) {
      if (e.layer() == ModelDefinitionException.NO_LAYER) {
        throw refuse(root.get(e.key()), e.key(), e.problem(), e);
      }
      throw refuse(entries.get(e.layer()), e.layer(), e);
    }
  }

  private String name(ConfigObject root) {
    String name = read(root, NAME, "");
    if (name == null) {
      String file = Path.of(source).getFileName().toString();
      int dot = file.lastIndexOf('.');
      return dot > 0 ? file.substring(0, dot) : file;
    }
    if (name.isBlank()) {
      throw refuse(root.get("name"), "name", "must not be blank");
    }
    return name;
  }

  /** Layer {@code index}: its type's entry, its keys checked and read, and the recipe they make. */
  private LayerRecipe layer(int index, ConfigObject entry) {
    String at = "layers[" + index + "]";
    Map<String, LayerTypes.Entry> types = LayerTypes.byType();
    if (!entry.containsKey("type")) {
      throw refuse(entry, at, "has no type; give type = " + String.join(" | ", types.keySet()));
    }
    String type = read(entry, TYPE, at + " ");
    LayerTypes.Entry kind = types.get(type);
    if (kind == null) {
      String instead = LayerTypes.OTHER_NAMES.get(type.toLowerCase(Locale.ROOT));
      throw refuse(entry.get("type"), at + " type", "unknown type '" + type + "'" + (instead != null
          ? "; did you mean '" + instead + "'?" : Spelling.didYouMean(type, types.keySet())) + " (types: "
          + String.join(", ", types.keySet()) + ")");
    }
    at += " (" + type + ")";
    List<String> names = kind.keyNames();
    for (String key : entry.keySet()) {
      if (!key.equals("type") && !names.contains(key)) {
        throw refuse(entry.get(key), at, "unknown key '" + key + "'" + Spelling.didYouMean(key, names) + " ("
            + type + (names.isEmpty() ? " takes no keys)" : " takes " + String.join(", ", names) + ")"));
      }
    }
    Map<FileKey<?>, Object> values = new HashMap<>();
    for (FileKey<?> key : kind.keys()) {
      if (entry.containsKey(key.name())) {
        values.put(key, read(entry, key, at + " "));
      } else if (key.required()) {
        throw refuse(entry, at, "missing key '" + key.name() + "' (" + key.value().expects() + "; " + type
            + " needs " + String.join(", ", kind.keys().stream().filter(FileKey::required).map(FileKey::name)
                .toList()) + ")");
      }
    }
    LayerTypes.Values read = new LayerTypes.Values() {
      @Override
      @SuppressWarnings("unchecked")
      public <T> T get(FileKey<T> key) {
        if (!kind.keys().contains(key)) {
          throw new IllegalStateException(type + " reads key " + key.name() + " that its entry does not list");
        }
        return values.containsKey(key) ? (T) values.get(key) : key.fallback();
      }
    };
    try {
      return kind.build().apply(read);
    } catch (ModelDefinitionException e) {
      throw refuse(entry, index, e);
    }
  }

  /** {@code key}'s value in {@code object}, or its fallback; {@code at} names the object ("" or "layers[2] (dense) "). */
  private <T> T read(ConfigObject object, FileKey<T> key, String at) {
    ConfigValue value = object.get(key.name());
    if (value == null) {
      if (key.required()) {
        throw refuse(at.isEmpty() ? null : object, at + key.name(), "is missing; give " + key.value().expects());
      }
      return key.fallback();
    }
    try {
      return key.value().read().apply(value);
    } catch (ModelDefinitionException e) {
      throw refuse(value, at + key.name(), e.problem());
    } catch (IllegalArgumentException e) {
      throw refuse(value, at + key.name(), e.getMessage());
    }
  }

  /** A refusal about layer {@code index}: at the key's line when the key is in the file, else the layer's. */
  private IllegalArgumentException refuse(ConfigObject entry, int index, ModelDefinitionException e) {
    ConfigValue at = e.key() != null && entry.containsKey(e.key()) ? entry.get(e.key()) : entry;
    String subject = "layers[" + index + "] (" + e.type() + ")" + (e.key() == null ? "" : " " + e.key());
    return refuse(at, subject, e.problem(), e);
  }

  private IllegalArgumentException refuse(ConfigValue at, String subject, String problem) {
    return refuse(at, subject, problem, null);
  }

  /** "FILE:LINE: SUBJECT: PROBLEM"; without the line when {@code at} is null (a key the file leaves out). */
  private IllegalArgumentException refuse(ConfigValue at, String subject, String problem, Throwable cause) {
    int line = at == null ? -1 : at.origin().lineNumber();
    return new IllegalArgumentException(source + (line > 0 ? ":" + line : "") + ": " + subject + ": " + problem, cause);
  }
}
