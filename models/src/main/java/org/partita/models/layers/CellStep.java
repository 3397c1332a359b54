package org.partita.models.layers;

import org.partita.models.layers.RecurrentLayer.StepGradient;
import org.partita.models.layers.RecurrentLayer.StepInput;
import org.partita.models.layers.RecurrentLayer.StepState;

/**
 * The arithmetic of one time step of a recurrent cell for a slice's units: {@link RecurrentLayer}
 * checks shapes and runs sequences; this computes. Contracts as {@link RecurrentLayer#stepForward}
 * and {@link RecurrentLayer#stepBackward}.
 */
interface CellStep {
  void forward(StepInput input, StepState previous, StepState next);

  void backward(StepInput input, StepState previous, StepState current, StepGradient gradient,
      StepInput inputGradient);
}
