package org.partita.spark;

import java.io.Serializable;

/**
 * One decoded row on its way to the task that keeps it: features as floats and the class index.
 * Rows are decoded once, in the executors, and kept as arrays for the whole training run.
 */
public record KeptSample(float[] features, int label) implements Serializable {}
