package org.partita.models.train;

/** After each epoch: training loss and accuracy (means over the epoch), test evaluation if any. */
public record EpochMetrics(int epoch, double trainLoss, double trainAccuracy, Evaluation test, double seconds) {}
