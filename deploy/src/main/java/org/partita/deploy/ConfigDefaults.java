package org.partita.deploy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option defaults from HOCON and the environment, under the flags: for option {@code --foo-bar} of
 * {@code partita CMD}, a flag wins, then the environment variable {@code PARTITA_CMD_FOO_BAR}, then
 * key {@code partita.CMD.foo-bar} of the configuration file, then the option's built-in default.
 * The file is {@code --config FILE}, else {@code $PARTITA_CONFIG}, else deploy/conf/partita.conf
 * (which documents every key). A key that names no option of its command, a value that is not a
 * plain value, or a file that does not parse is refused with the file and key named.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {
  private final Config config;
  private final String source;
  private final Map<String, String> environment;

  private ConfigDefaults(Config config, String source, Map<String, String> environment) {
    this.config = config;
    this.source = source;
    this.environment = environment;
  }

  /** Reads {@code file} (null: none) and checks every key against the commands' options. */
  static ConfigDefaults load(Path file, CommandLine root, Map<String, String> environment) {
    Config config = ConfigFactory.empty();
    String source = "no configuration file";
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("configuration file " + file + " does not exist");
      }
      try {
        config = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false))
            .resolve();
      } catch (ConfigException e) {
        throw new IllegalArgumentException("configuration file " + file + " does not parse: " + e.getMessage(), e);
      }
      source = file.toString();
    }
    checkKeys(config, source, root);
    return new ConfigDefaults(config, source, environment);
  }

  private static void checkKeys(Config config, String source, CommandLine root) {
    for (Map.Entry<String, ConfigValue> entry : config.entrySet()) {
      String key = entry.getKey();
      String[] parts = key.split("\\.", 3);
      if (parts.length != 3 || !parts[0].equals("partita")) {
        throw new IllegalArgumentException(source + ": unknown key '" + key + "'; keys are partita.COMMAND.OPTION,"
            + " e.g. partita.train.step-timeout");
      }
      CommandLine command = root.getSubcommands().get(parts[1]);
      if (command == null) {
        throw new IllegalArgumentException(source + ": unknown key '" + key + "': there is no command '" + parts[1]
            + "'; commands are " + new TreeSet<>(root.getSubcommands().keySet()));
      }
      if (optionNamed(command.getCommandSpec(), parts[2]) == null) {
        Set<String> names = new TreeSet<>();
        for (OptionSpec option : command.getCommandSpec().options()) {
          if (option.longestName().startsWith("--") && !option.usageHelp() && !option.versionHelp()) {
            names.add(option.longestName().substring(2));
          }
        }
        throw new IllegalArgumentException(source + ": unknown key '" + key + "'; options of partita " + parts[1]
            + " are " + names);
      }
      switch (entry.getValue().valueType()) {
        case STRING, NUMBER, BOOLEAN, LIST -> { }
        default -> throw new IllegalArgumentException(source + ": key '" + key + "' must be a plain value or a list,"
            + " not " + entry.getValue().valueType().name().toLowerCase(Locale.ROOT));
      }
    }
  }

  private static OptionSpec optionNamed(CommandSpec command, String name) {
    return command.findOption("--" + name);
  }

  @Override
  public String defaultValue(ArgSpec argument) {
    if (!(argument instanceof OptionSpec option) || !option.longestName().startsWith("--")) {
      return null;
    }
    String fromEnvironment = environment.get(variable(option));
    if (fromEnvironment != null) {
      return fromEnvironment;
    }
    String key = key(option);
    if (config.hasPath(key)) {
      ConfigValue value = config.getValue(key);
      if (value.valueType() == com.typesafe.config.ConfigValueType.LIST) {
        List<String> items = new ArrayList<>();
        config.getList(key).forEach(item -> items.add(String.valueOf(item.unwrapped())));
        return String.join(",", items);
      }
      return String.valueOf(value.unwrapped());
    }
    return option.defaultValue();
  }

  /**
   * {@code message} about a bad option value, with the variable or file key named for every option
   * it mentions whose value came from there rather than from a flag — the user never typed it, so
   * "--lr must be positive" alone would send them looking in the wrong place. {@code typed} tells
   * which options the command line gave.
   */
  String withOrigins(String message, CommandSpec command, Predicate<OptionSpec> typed) {
    StringBuilder origins = new StringBuilder();
    for (OptionSpec option : command.options()) {
      String name = option.longestName();
      if (!name.startsWith("--") || typed.test(option)
          || !Pattern.compile(Pattern.quote(name) + "(?![\\w-])").matcher(message).find()) {
        continue;
      }
      if (environment.containsKey(variable(option))) {
        origins.append(" (").append(name).append(" is set by environment variable ").append(variable(option)).append(')');
      } else if (config.hasPath(key(option))) {
        origins.append(" (").append(name).append(" is set by ").append(source).append(": key '").append(key(option))
            .append("')");
      }
    }
    return message + origins;
  }

  private static String variable(OptionSpec option) {
    return "PARTITA_" + (option.command().name() + "_" + option.longestName().substring(2)).toUpperCase(Locale.ROOT)
        .replace('-', '_');
  }

  private static String key(OptionSpec option) {
    return "partita." + option.command().name() + "." + option.longestName().substring(2);
  }

  String source() {
    return source;
  }
}
