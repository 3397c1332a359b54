package org.partita.models.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The file formats samples are read from, and how a path's name or kind says which it is. */
public enum DataFormat {
  /** Comma-separated values with a header row (.csv, .csv.gz). */
  CSV("csv"),
  /** LibSVM / SVMlight sparse text: "label index:value …", indices from 1 (.libsvm, .svm, .svmlight). */
  LIBSVM("libsvm"),
  /** One NumPy array (.npy); labels from a second .npy. */
  NPY("npy"),
  /** NumPy arrays in a zip (.npz): features and labels by name. */
  NPZ("npz"),
  /** IDX files of any rank (the MNIST family), gzip or plain; or a directory in the MNIST layout. */
  IDX("idx"),
  /** A directory of images in one sub-directory per class (or, to predict, images directly in it). */
  IMAGES("images");

  private final String flag;

  DataFormat(String flag) {
    this.flag = flag;
  }

  /** The name --format takes. */
  public String flag() {
    return flag;
  }

  public static DataFormat named(String name) {
    for (DataFormat format : values()) {
      if (format.flag.equalsIgnoreCase(name)) {
        return format;
      }
    }
    throw new IllegalArgumentException("--format '" + name + "' is not one of " + names());
  }

  public static String names() {
    StringBuilder names = new StringBuilder();
    for (DataFormat format : values()) {
      names.append(names.length() == 0 ? "" : ", ").append(format.flag);
    }
    return names.toString();
  }

  /**
   * The format a path's name says: by extension for files; a directory (or a path that does not
   * exist and has no extension, such as a Fashion-MNIST directory not installed yet) holding
   * MNIST-layout IDX files is {@link #IDX}, any other directory {@link #IMAGES}.
   */
  public static DataFormat of(Path path) throws DataFormatException {
    String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
    String bare = name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    if (Files.isDirectory(path)) {
      return IdxDirectory.holdsOne(path) ? IDX : IMAGES;
    }
    if (bare.endsWith(".csv")) {
      return CSV;
    }
    if (bare.endsWith(".libsvm") || bare.endsWith(".svm") || bare.endsWith(".svmlight")) {
      return LIBSVM;
    }
    if (bare.endsWith(".npy")) {
      return NPY;
    }
    if (bare.endsWith(".npz")) {
      return NPZ;
    }
    if (bare.endsWith(".idx") || bare.matches(".*-idx\\d+-ubyte") || bare.matches(".*\\.idx\\d+")) {
      return IDX;
    }
    if (!Files.exists(path) && !bare.contains(".")) {
      return IDX;
    }
    throw new DataFormatException(path, "cannot tell the format from the name; give --format (" + names() + ")");
  }
}
