package org.partita.models.blas;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where Debian puts the native libraries the BLAS backends need, and the exact command to install
 * a missing one. Both jblas and netlib otherwise fail with messages that do not name a package.
 */
final class NativeLibraries {
  private NativeLibraries() {}

  /** Debian's multiarch triplet for this JVM's architecture. */
  static String multiarchTriplet() {
    String arch = System.getProperty("os.arch", "");
    return switch (arch) {
      case "amd64", "x86_64" -> "x86_64-linux-gnu";
      case "aarch64", "arm64" -> "aarch64-linux-gnu";
      case "ppc64le" -> "powerpc64le-linux-gnu";
      default -> arch + "-linux-gnu";
    };
  }

  static List<Path> libraryDirectories() {
    String triplet = multiarchTriplet();
    return List.of(Path.of("/usr/lib", triplet), Path.of("/lib", triplet), Path.of("/usr/lib64"), Path.of("/usr/lib"));
  }

  /** Debian's OpenBLAS builds, pthread first (the one DESIGN.md's measurements used). */
  static List<Path> openBlasCandidates() {
    List<Path> candidates = new ArrayList<>();
    for (String flavour : List.of("openblas-pthread", "openblas-openmp", "openblas-serial")) {
      candidates.add(Path.of("/usr/lib", multiarchTriplet(), flavour, "libblas.so.3"));
    }
    return candidates;
  }

  static Optional<Path> openBlas() {
    return openBlasCandidates().stream().filter(Files::isReadable).findFirst();
  }

  static Optional<Path> gfortran() {
    return libraryDirectories().stream().map(dir -> dir.resolve("libgfortran.so.5")).filter(Files::isReadable).findFirst();
  }

  static String installHint(String debianPackage) {
    boolean root = "root".equals(System.getProperty("user.name"));
    String sudo = root ? "" : "sudo ";
    return "install it with: " + sudo + "apt-get update && " + sudo + "apt-get install -y " + debianPackage
        + " (or run deploy/bin/setup, which installs everything Partita needs)";
  }
}
