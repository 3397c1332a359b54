package org.partita.deploy.watch;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's chromium, headless, as a test's browser: it loads a page, lets its script run for a few
 * seconds of virtual time, and gives back the DOM the script left, the page's console lines and a
 * screenshot. A fresh profile each time, no network but the page's own. Without chromium the test
 * is skipped — or fails with -Dpartita.test.requireBrowser=true, which deploy/bin/test sets after
 * its setup installed chromium.
 */
public final class HeadlessChromium {
  private HeadlessChromium() {}

  /** What a page showed: its DOM after the script ran, what it logged to the console, its screenshot. */
  public record Page(String dom, List<String> console, Path screenshot) {}

  /** The browser on PATH; otherwise the test is skipped, or failed when a browser is required. */
  public static Path require() {
    Optional<Path> found = Stream.of("chromium", "chromium-browser").flatMap(name -> Stream.of(
        System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)).map(dir -> Path.of(dir, name)))
        .filter(Files::isExecutable).findFirst();
    if (found.isEmpty()) {
      String why = "no chromium on PATH; install Debian's chromium (deploy/bin/setup --tests does)";
      if (Boolean.getBoolean("partita.test.requireBrowser")) {
        Assertions.fail(why);
      }
      Assumptions.abort(why);
    }
    return found.get();
  }

  /** Loads {@code url} at 1400×{@code height}, running its timers for {@code scriptMillis} of virtual time. */
  public static Page load(Path chromium, String url, Path screenshot, int height, int scriptMillis)
      throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("partita-chromium-");
    Files.createDirectories(screenshot.toAbsolutePath().getParent());
    try {
      Process browser = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
          "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--user-data-dir=" + profile, "--hide-scrollbars", "--window-size=1400," + height,
          "--virtual-time-budget=" + scriptMillis, "--enable-logging=stderr", "--v=0",
          "--screenshot=" + screenshot.toAbsolutePath(), "--dump-dom", url).start();
      browser.getOutputStream().close();
      CompletableFuture<String> dom = read(browser.getInputStream());
      CompletableFuture<String> log = read(browser.getErrorStream());
      if (!browser.waitFor(Duration.ofMinutes(2).toSeconds(), TimeUnit.SECONDS)) {
        browser.destroyForcibly();
        Assertions.fail("chromium did not finish loading " + url + " within 2 minutes");
      }
      List<String> console = log.join().lines()
          .filter(line -> line.contains(":CONSOLE") || line.contains("Uncaught")).toList();
      return new Page(dom.join(), console, screenshot);
    } finally {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
      }
    }
  }

  private static CompletableFuture<String> read(InputStream stream) {
    return CompletableFuture.supplyAsync(() -> {
      try (stream) {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    });
  }
}
