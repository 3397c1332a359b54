package org.partita.deploy.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.partita.partitioner.Link;
import org.partita.runtime.WorkerInfo;

/** Which link the cost model is given for the workers a plan is made for. */
class PlanOptionTest {
  private static final Link SHAPED = Link.parse("1gbit", 20e-6);

  private static WorkerInfo worker(String name, String process) {
    return new WorkerInfo(name, "akka://partita@" + name, 2, 1L << 30, "openblas", process);
  }

  private static final List<WorkerInfo> ONE_JVM = List.of(worker("node-1", "7@a"), worker("node-2", "7@a"));
  private static final List<WorkerInfo> ONE_HOST = List.of(worker("node-1", "7@a"), worker("node-2", "8@a"));
  private static final List<WorkerInfo> TWO_HOSTS = List.of(worker("node-1", "7@a"), worker("node-2", "7@b"));

  @Test
  void theRuntimeTellsInProcessSharedHostAndNetwork() {
    assertEquals(Link.SAME_PROCESS, PlanOption.Workers.seen(ONE_JVM).link());
    assertEquals(Link.SHARED_MACHINE, PlanOption.Workers.seen(ONE_HOST).link());
    assertEquals(Link.parse("1gbit", 50e-6), PlanOption.Workers.seen(TWO_HOSTS).link());
  }

  /**
   * A link given by the user replaces what the runtime assumed, except that processes on one host
   * (bench/bin/netsim's namespaces) still pay for the cores they share, after the wire.
   */
  @Test
  void aGivenLinkBetweenProcessesOfOneHostComesWithTheSharedCores() {
    assertEquals(SHAPED.then(Link.SHARED_MACHINE), PlanOption.Workers.seen(ONE_HOST).over(SHAPED).link());
    assertEquals(SHAPED, PlanOption.Workers.seen(TWO_HOSTS).over(SHAPED).link());
    assertEquals(SHAPED, PlanOption.Workers.seen(ONE_JVM).over(SHAPED).link());
  }
}
