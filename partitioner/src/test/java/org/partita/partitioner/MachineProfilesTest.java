package org.partita.partitioner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.partita.models.blas.Blas;

/** The second measurement of a profile runs in a real child JVM, with the thread count asked for. */
class MachineProfilesTest {
  @Test
  void aChildJvmMeasuresTheProfileOnOneThread() throws Exception {
    Blas blas = Blas.get();
    MachineProfile one = MachineProfiles.measureInChild(blas, 1);
    assertEquals(1, one.threads(), one.describe());
    assertEquals(blas.backend().configName(), one.blas());
    assertEquals(MachineProbe.MIN_DIMS.length * MachineProbe.OTHER_DIMS.length, one.gemm().size());
    assertTrue(one.gemm().stream().allMatch(s -> s.gflops() > 0) && one.nsPerFloat() > 0 && one.nsPerPooled() > 0
        && one.update().adam() > 0,
        one.describe());
    assertTrue(one.oneThread() == null);
  }
}
