package org.partita.bench.peers;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One system of the peers benchmark and how its worker process is started at a given number of
 * threads: Partita's reference trainer, PyTorch with and without OMP_WAIT_POLICY=PASSIVE, and
 * Deeplearning4j's avx2 and onednn-avx2 builds (both PASSIVE). Each family's variants are its
 * best-known configurations; the report headlines whichever of them was faster.
 *
 * <p>The peers allocate their tensors with the C library's malloc. With glibc's defaults, every
 * block over 128 KiB is mapped fresh and unmapped when freed, so each step of PyTorch's MLP
 * faulted in its activations' pages anew: 5.4 ms per step at one thread, 1.75 ms with the mapping
 * and trimming thresholds raised ({@link #TUNED_MALLOC}), 1.73 ms with tcmalloc preloaded and 1.86 ms with
 * jemalloc (2026-12-08, this machine), as PyTorch's CPU performance guide advises. So the peers
 * run with the raised thresholds, and one PyTorch variant keeps glibc's defaults to show what an
 * untuned installation gets. Partita's JVM allocates on its own heap and runs as users run it.
 */
enum PeerSystem {
  PARTITA("partita", "Partita", "reference trainer"),
  PYTORCH("pytorch", "PyTorch", "OMP_WAIT_POLICY unset"),
  PYTORCH_PASSIVE("pytorch-passive", "PyTorch", "OMP_WAIT_POLICY=PASSIVE"),
  PYTORCH_UNTUNED("pytorch-glibc-malloc", "PyTorch", "PASSIVE, glibc's malloc defaults"),
  DL4J_AVX2("dl4j-avx2", "DL4J", "linux-x86_64-avx2, PASSIVE"),
  DL4J_ONEDNN("dl4j-onednn-avx2", "DL4J", "linux-x86_64-onednn-avx2, PASSIVE");

  /** glibc's malloc keeping freed blocks of up to 256 MiB for reuse instead of unmapping them. */
  static final String TUNED_MALLOC = "glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=268435456";

  /** The Debian interpreter, which has Debian's python3-torch (an earlier python3 on PATH may not). */
  static final String PYTHON = "/usr/bin/python3";
  private static final String ND4J_NATIVE = "nd4j-native-";
  private static final String DL4J_MAIN = "org.partita.bench.dl4j.Dl4jPeer";

  final String id;
  final String family;
  final String variant;

  PeerSystem(String id, String family, String variant) {
    this.id = id;
    this.family = family;
    this.variant = variant;
  }

  String label() {
    return family + " (" + variant + ")";
  }

  static PeerSystem byId(String id) {
    return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst().orElseThrow(() ->
        new IllegalArgumentException("unknown system '" + id + "'; choose from "
            + Arrays.stream(values()).map(s -> s.id).collect(Collectors.joining(","))));
  }

  /** Why this system cannot run here, or null when it can. */
  String unavailable(Path root) {
    return switch (this) {
      case PARTITA -> null;
      case PYTORCH, PYTORCH_PASSIVE, PYTORCH_UNTUNED -> Files.isExecutable(Path.of(PYTHON)) ? null
          : PYTHON + " is missing (bench/bin/bench peers installs python3-torch as root)";
      case DL4J_AVX2, DL4J_ONEDNN -> {
        try {
          Class.forName(DL4J_MAIN);
        } catch (ClassNotFoundException e) {
          yield "the bench module was built without its dl4j profile (bench/bin/bench peers builds with it)";
        }
        yield nd4jJar(classifier()) == null ? "no nd4j-native " + classifier() + " jar on the class path" : null;
      }
    };
  }

  private String classifier() {
    return this == DL4J_ONEDNN ? "linux-x86_64-onednn-avx2" : "linux-x86_64-avx2";
  }

  /** The command line of a worker with {@code threads} threads. */
  List<String> command(Path root, int threads, float learningRate, List<String> jvmOptions) {
    List<String> command = new ArrayList<>();
    String rate = Float.toString(learningRate);
    if (family.equals("PyTorch")) {
      command.addAll(List.of(PYTHON, "-u", root.resolve("bench/python/torch_peer.py").toString(), rate,
          Integer.toString(threads)));
      return command;
    }
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    command.add("-Dpartita.compute.threads=" + threads);
    if (this == PARTITA) {
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), PartitaPeer.class.getName(), rate));
    } else {
      command.addAll(List.of("-Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider", "-cp", dl4jClassPath(),
          DL4J_MAIN, rate, Integer.toString(threads)));
    }
    return command;
  }

  /**
   * Variables set for a worker with {@code threads} threads; a null value removes one inherited
   * from the coordinator. Every system gets the same thread counts, whichever variable it reads.
   */
  Map<String, String> environment(int threads) {
    Map<String, String> environment = new LinkedHashMap<>();
    String n = Integer.toString(threads);
    environment.put("OMP_NUM_THREADS", n);
    environment.put("OPENBLAS_NUM_THREADS", n);
    environment.put("MKL_NUM_THREADS", n);
    environment.put("OMP_WAIT_POLICY", this == PYTORCH || this == PARTITA ? null : "PASSIVE");
    environment.put("GLIBC_TUNABLES", this == PARTITA || this == PYTORCH_UNTUNED ? null : TUNED_MALLOC);
    return environment;
  }

  /** The coordinator's class path with exactly one nd4j-native platform jar: this variant's. */
  private String dl4jClassPath() {
    String own = nd4jJar(classifier());
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> !isNd4jPlatformJar(entry) || entry.equals(own))
        .collect(Collectors.joining(File.pathSeparator));
  }

  private static String nd4jJar(String classifier) {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> Path.of(entry).getFileName().toString().endsWith("-" + classifier + ".jar")
            && Path.of(entry).getFileName().toString().startsWith(ND4J_NATIVE))
        .findFirst().orElse(null);
  }

  private static boolean isNd4jPlatformJar(String entry) {
    String file = Path.of(entry).getFileName().toString();
    return file.startsWith(ND4J_NATIVE) && file.contains("-linux-");
  }
}
