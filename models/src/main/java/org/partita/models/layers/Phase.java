package org.partita.models.layers;

/** Training applies dropout; inference does not. */
public enum Phase {
  TRAIN,
  INFER
}
