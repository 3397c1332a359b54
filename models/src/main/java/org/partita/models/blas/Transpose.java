package org.partita.models.blas;

/** Whether a GEMM operand is used as stored or transposed; transposition never copies. */
public enum Transpose {
  NO("N"),
  YES("T");

  private final String blasFlag;

  Transpose(String blasFlag) {
    this.blasFlag = blasFlag;
  }

  /** The Fortran BLAS flag: "N" or "T". */
  String blasFlag() {
    return blasFlag;
  }
}
