package org.partita.partitioner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.partita.models.blas.Blas;

/**
 * Where planners get this machine's {@link MachineProfile}: a given file, else the one cached in
 * ~/.cache/partita/machine-profile.pb, else measured now (a few seconds) and cached for next time.
 */
public final class MachineProfiles {
  public static final Path CACHE = Path.of(System.getProperty("user.home"), ".cache", "partita",
      "machine-profile.pb");

  private MachineProfiles() {}

  /** {@code log} hears where the profile came from. */
  public static MachineProfile cachedOrMeasured(Path file, boolean remeasure, Consumer<String> log)
      throws IOException {
    if (file != null) {
      return MachineProfile.load(file);
    }
    if (Files.isRegularFile(CACHE) && !remeasure) {
      MachineProfile cached = MachineProfile.load(CACHE);
      log.accept("machine profile from " + CACHE + ": " + cached.describe());
      return cached;
    }
    log.accept("measuring this machine (GEMM grid, data movement, optimizer; a few seconds) …");
    MachineProfile measured = MachineProbe.measure(Blas.get());
    measured.save(CACHE);
    log.accept(measured.describe() + " — saved to " + CACHE);
    return measured;
  }
}
