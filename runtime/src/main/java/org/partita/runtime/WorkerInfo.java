package org.partita.runtime;

/** A worker node as it describes itself: name (used in plans), address, cores, heap, BLAS. */
public record WorkerInfo(String name, String address, int cores, long maxMemoryBytes, String blas) {}
