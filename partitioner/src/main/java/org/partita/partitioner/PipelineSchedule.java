package org.partita.partitioner;

/** Order of micro-batch forwards and backwards in a pipeline; the mathematics is the same. */
public enum PipelineSchedule {
  /** All forwards, then all backwards: every stage keeps M micro-batches of activations. */
  GPIPE,
  /** One forward, one backward in steady state: stage i keeps at most (stages − i) in flight. */
  ONE_F_ONE_B
}
