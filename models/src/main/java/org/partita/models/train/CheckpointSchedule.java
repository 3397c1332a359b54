package org.partita.models.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.partita.models.io.CheckpointFiles;
import org.partita.models.io.ModelCheckpoint;

/**
 * Checkpoints every {@code everySteps} optimizer steps into {@code root/step-NNNNNNNNN}, keeping
 * the newest {@code keep}. Each checkpoint's manifest is renamed into place after its shard files,
 * so a crash while saving leaves an incomplete directory without a manifest, which
 * {@link #resolve} skips, and the previous checkpoint intact. With {@code earlyStopping} (else
 * null) the best epoch's checkpoint is kept too, and training may end before its last epoch.
 */
public record CheckpointSchedule(Path root, int everySteps, int keep, EarlyStopping earlyStopping) {
  private static final String PREFIX = "step-";

  public CheckpointSchedule(Path root, int everySteps, int keep) {
    this(root, everySteps, keep, null);
  }

  public CheckpointSchedule withEarlyStopping(EarlyStopping watch) {
    return new CheckpointSchedule(root, everySteps, keep, watch);
  }

  public CheckpointSchedule {
    if (everySteps < 1 || keep < 1) {
      throw new IllegalArgumentException("checkpoints need every ≥ 1 step and keep ≥ 1, got every " + everySteps
          + " steps, keep " + keep);
    }
  }

  /** True after optimizer step {@code stepsDone} (a count) when a checkpoint is due. */
  public boolean due(long stepsDone) {
    return stepsDone % everySteps == 0;
  }

  /** Where the checkpoint after optimizer step {@code step} goes. */
  public Path directory(long step) {
    return root.resolve(String.format(Locale.ROOT, PREFIX + "%09d", step));
  }

  /** Saves through the runner, then deletes all but the newest {@code keep} checkpoints. */
  public void save(StepRunner runner, ModelCheckpoint.Position position) {
    Path directory = directory(position.step());
    try {
      Files.createDirectories(directory);
      runner.saveCheckpoint(directory, position);
      List<Path> complete = complete(root);
      for (int i = 0; i + keep < complete.size(); i++) {
        deleteTree(complete.get(i));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("saving checkpoint " + directory + ": " + e.getMessage(), e);
    }
  }

  /**
   * The checkpoint {@code path} names: a checkpoint directory itself (it holds a manifest), or a
   * directory of {@code step-N} checkpoints, of which the newest complete one.
   */
  public static Path resolve(Path path) throws IOException {
    if (Files.isRegularFile(path.resolve(CheckpointFiles.MANIFEST))) {
      return path;
    }
    if (!Files.isDirectory(path)) {
      throw new IOException(path + ": no such checkpoint directory");
    }
    return newest(path).orElseThrow(() -> new IOException(path + ": holds no " + CheckpointFiles.MANIFEST
        + " and no complete " + PREFIX + "N checkpoint (a checkpoint is complete once its manifest is written)"));
  }

  /** The newest complete checkpoint under {@code root}, if there is one yet. */
  public static java.util.Optional<Path> newest(Path root) throws IOException {
    List<Path> complete = complete(root);
    return complete.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(complete.get(complete.size() - 1));
  }

  /** The step-N directories under {@code root} that hold a manifest, oldest first; none if root does not exist. */
  public static List<Path> complete(Path root) throws IOException {
    List<Path> found = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return found;
    }
    try (Stream<Path> entries = Files.list(root)) {
      entries.filter(p -> p.getFileName().toString().startsWith(PREFIX))
          .filter(p -> Files.isRegularFile(p.resolve(CheckpointFiles.MANIFEST)))
          .sorted(Comparator.comparing(p -> p.getFileName().toString()))
          .forEach(found::add);
    }
    return found;
  }

  private static void deleteTree(Path directory) throws IOException {
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    }
  }
}
