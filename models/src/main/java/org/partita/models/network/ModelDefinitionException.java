package org.partita.models.network;

/**
 * A network described wrongly, found before anything trains: which layer (its index in the list,
 * or none for the model's own {@code input} and {@code loss}), its type, the key at fault (none
 * when the layer as a whole does not fit), and the problem with the shapes involved. A model
 * file's reader adds the file and line; {@link #getMessage} alone reads e.g.
 * "layer 3 (conv2d): takes an image [C, H, W], but layer 2 (dense) gives a vector [128]; …".
 */
public final class ModelDefinitionException extends IllegalArgumentException {
  /** The index of a layer not yet placed in a model (a recipe's own constructor refusing). */
  public static final int NO_LAYER = -1;

  private final int layer;
  private final String type;
  private final String key;
  private final String problem;

  /** {@code type} and {@code key} may be null: the model as a whole, the layer as a whole. */
  public ModelDefinitionException(int layer, String type, String key, String problem) {
    super(format(layer, type, key, problem));
    this.layer = layer;
    this.type = type;
    this.key = key;
    this.problem = problem;
  }

  /** A refusal about one key of a layer of {@code type} not yet placed in a model. */
  static ModelDefinitionException of(String type, String key, String problem) {
    return new ModelDefinitionException(NO_LAYER, type, key, problem);
  }

  /** The same refusal, at layer {@code index} of a model. */
  ModelDefinitionException at(int index) {
    return new ModelDefinitionException(index, type, key, problem);
  }

  public int layer() {
    return layer;
  }

  public String type() {
    return type;
  }

  public String key() {
    return key;
  }

  public String problem() {
    return problem;
  }

  /** "layer 3 (conv2d)", "conv2d", or null for the model as a whole. */
  public String where() {
    return where(layer, type);
  }

  private static String where(int layer, String type) {
    if (type == null) {
      return null;
    }
    return layer == NO_LAYER ? type : "layer " + layer + " (" + type + ")";
  }

  private static String format(int layer, String type, String key, String problem) {
    String where = where(layer, type);
    String subject = where == null ? key : key == null ? where : where + " " + key;
    return subject == null ? problem : subject + ": " + problem;
  }
}
