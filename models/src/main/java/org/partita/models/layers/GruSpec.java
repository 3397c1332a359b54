package org.partita.models.layers;

/**
 * Gated recurrent unit in PyTorch's formulation (ONNX's GRU with linear_before_reset = 1):
 * <pre>
 *   r = σ(W_ir·x_t + W_hr·h_{t-1} + b_r)
 *   z = σ(W_iz·x_t + W_hz·h_{t-1} + b_z)
 *   n = tanh(W_in·x_t + b_in + r ⊙ (W_hn·h_{t-1} + b_hn))
 *   h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
 * </pre>
 * Shapes as {@link SimpleRnnSpec}. A unit owns all three of its gates, and the reset gate scales
 * only its own unit's recurrent part, so a slice of hidden units is self-contained given x_t and
 * the full h_{t-1}.
 *
 * <p>Parameters: weights (3H × (F + H)), rows gate-major in the order r, z, n (row g·H + unit),
 * columns [0, F) the input weights W_i·, [F, F + H) the recurrent weights W_h·; bias (4H × 1),
 * rows b_r, b_z, b_in, b_hn. PyTorch's b_ir + b_hr is b_r and b_iz + b_hz is b_z. For ONNX
 * (gate order z, r, h): W = [W_iz; W_ir; W_in], R = [W_hz; W_hr; W_hn], Wb = [b_z; b_r; b_in],
 * Rb = [0; 0; b_hn], linear_before_reset = 1.
 */
public record GruSpec(int inputs, int hidden, int timeSteps, boolean returnSequences) implements RecurrentSpec {
  public GruSpec {
    RecurrentSpec.check("GRU", inputs, hidden, timeSteps);
  }

  @Override
  public RecurrentCell cell() {
    return RecurrentCell.GRU;
  }
}
