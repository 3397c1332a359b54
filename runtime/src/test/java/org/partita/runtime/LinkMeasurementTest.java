package org.partita.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Link probes travel the activations' lane: 4 MiB tensors (sixteen default Artery frames) reach
 * the worker, are decoded there and acknowledged, several in flight or one at a time; bad requests
 * are refused with what was wrong.
 */
class LinkMeasurementTest {
  private static EmbeddedCluster cluster;

  @BeforeAll
  static void start() {
    cluster = EmbeddedCluster.start(1, RuntimeSettings.defaults());
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void largeTensorsArriveAndAreTimed() {
    LinkMeasurement windowed = cluster.measureLink("node-1", 4 << 20, 12, 4);
    assertEquals(12, windowed.messages());
    assertTrue(windowed.seconds() > 0 && windowed.bytesPerSecond() > 0, windowed.toString());
    LinkMeasurement oneByOne = cluster.measureLink("node-1", 64, 20, 1);
    assertEquals(oneByOne.seconds() / 20, oneByOne.secondsPerMessage(), 1e-12);
    System.out.printf(java.util.Locale.ROOT, "4 MiB × 12, 4 in flight: %.0f MB/s; 64 B round trip: %.0f µs%n",
        windowed.bytesPerSecond() / 1e6, oneByOne.secondsPerMessage() * 1e6);
  }

  @Test
  void badRequestsAreRefusedByName() {
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> cluster.measureLink("node-9", 64, 1, 1));
    assertTrue(unknown.getMessage().contains("node-9") && unknown.getMessage().contains("node-1"), unknown.getMessage());
    IllegalArgumentException ragged = assertThrows(IllegalArgumentException.class,
        () -> cluster.measureLink("node-1", 6, 1, 1));
    assertTrue(ragged.getMessage().contains("whole number of floats"), ragged.getMessage());
    IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
        () -> cluster.measureLink("node-1", 80 << 20, 1, 1));
    assertTrue(huge.getMessage().contains("message limit"), huge.getMessage());
  }
}
