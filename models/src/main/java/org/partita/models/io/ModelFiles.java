package org.partita.models.io;

import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.partita.models.network.ModelSpec;
import org.partita.models.network.StandardModels;
import org.partita.proto.ModelSpecProto;

/**
 * A model as users name it — the one place {@code --model} and the Spark model param are resolved:
 * one of {@link StandardModels#NAMES}; a model file a person writes (.conf, .hocon or .json, read
 * by {@link ModelFile}); or a file holding a {@code partita.ModelSpecProto} in protobuf text format
 * (.pbtxt) or binary (.pb, or any other name).
 */
public final class ModelFiles {
  /** What a model option takes, for its help text (a constant, so annotations can use it). */
  public static final String CHOICES = "mlp, cnn, lstm, gru, wide-mlp, a model file (.conf, .hocon or .json; "
      + "docs/MODELS.md) or a ModelSpecProto file (.pbtxt or .pb)";

  private ModelFiles() {}

  /**
   * {@code option} names where the text came from in errors ("--model", "the model param");
   * {@code seed} seeds a named model, and a model file that gives no seed of its own.
   */
  public static ModelSpec resolve(String nameOrFile, long seed, String option) throws IOException {
    if (StandardModels.NAMES.contains(nameOrFile)) {
      return StandardModels.byName(nameOrFile, seed);
    }
    Path file = Path.of(nameOrFile);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(option + " '" + nameOrFile + "' is neither one of " + StandardModels.NAMES
          + " nor a readable file (a model file: " + String.join(", ", ModelFile.EXTENSIONS)
          + "; a ModelSpecProto: .pbtxt, .pb)" + Spelling.didYouMean(nameOrFile, StandardModels.NAMES));
    }
    if (ModelFile.isModelFile(nameOrFile)) {
      return ModelFile.read(file, seed);
    }
    ModelSpecProto proto;
    if (nameOrFile.endsWith(".pbtxt")) {
      ModelSpecProto.Builder builder = ModelSpecProto.newBuilder();
      try {
        TextFormat.merge(Files.readString(file), builder);
      } catch (TextFormat.ParseException e) {
        throw new IllegalArgumentException(file + ": not a ModelSpecProto in text format: " + e.getMessage(), e);
      }
      proto = builder.build();
    } else {
      try {
        proto = ModelSpecProto.parseFrom(Files.readAllBytes(file));
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalArgumentException(file + ": not a binary ModelSpecProto: " + e.getMessage(), e);
      }
    }
    return SpecProtos.fromProto(proto, file.toString());
  }
}
