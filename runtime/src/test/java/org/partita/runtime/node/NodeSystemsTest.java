package org.partita.runtime.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.typesafe.config.Config;
import java.io.IOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.partita.runtime.RuntimeSettings;

/**
 * A node's configuration does not depend on the classpath order: every jar's reference.conf is
 * merged with the first one found winning, and a Spark executor lists SPARK_HOME/jars/* in
 * directory order, where Akka's came first and made nodes local actor systems.
 */
class NodeSystemsTest {

  @Test
  void partitaSettingsWinOverAkkaDefaultsInAnyClasspathOrder() throws IOException {
    ClassLoader original = Thread.currentThread().getContextClassLoader();
    for (boolean reversed : List.of(false, true)) {
      Thread.currentThread().setContextClassLoader(new ReferenceOrder(original, reversed));
      try {
        Config config = NodeSystems.config("worker", "127.0.0.1", 0, List.of(), RuntimeSettings.defaults());
        String order = reversed ? "reversed classpath" : "classpath";
        assertEquals("cluster", config.getString("akka.actor.provider"), order);
        assertEquals("partita-wire",
            config.getString("akka.actor.serialization-bindings.\"org.partita.runtime.wire.WireMessage\""), order);
        assertFalse(config.getBoolean("akka.jvm-shutdown-hooks"), order);
        assertFalse(config.getBoolean("akka.coordinated-shutdown.run-by-jvm-shutdown-hook"), order);
      } finally {
        Thread.currentThread().setContextClassLoader(original);
      }
    }
  }

  /** The parent's resources, every reference.conf listed in classpath order or reversed. */
  private static final class ReferenceOrder extends ClassLoader {
    private final boolean reversed;

    ReferenceOrder(ClassLoader parent, boolean reversed) {
      super(parent);
      this.reversed = reversed;
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      List<URL> urls = Collections.list(super.getResources(name));
      if (reversed && name.equals("reference.conf")) {
        Collections.reverse(urls);
      }
      return Collections.enumeration(new ArrayList<>(urls));
    }
  }
}
