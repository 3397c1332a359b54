package org.partita.runtime;

import org.partita.models.network.Network;
import org.partita.models.optim.Optimizer;

/** A model gathered from its shards: the whole network and its optimizer state, on this machine. */
public record TrainedModel(Network network, Optimizer optimizer, long step) {}
