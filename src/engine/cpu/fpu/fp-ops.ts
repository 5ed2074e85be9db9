// Numbering of the F and D computational instructions (everything but loads and stores).
// The decoder stores one of these in a decoded instruction; FloatUnit.execute dispatches on it.
// Unprivileged spec chapters 20 (F) and 21 (D).

export const enum FpOp {
  FMADD_S,
  FMSUB_S,
  FNMSUB_S,
  FNMADD_S,
  FADD_S,
  FSUB_S,
  FMUL_S,
  FDIV_S,
  FSQRT_S,
  FSGNJ_S,
  FSGNJN_S,
  FSGNJX_S,
  FMIN_S,
  FMAX_S,
  FCVT_W_S,
  FCVT_WU_S,
  FCVT_L_S,
  FCVT_LU_S,
  FMV_X_W,
  FEQ_S,
  FLT_S,
  FLE_S,
  FCLASS_S,
  FCVT_S_W,
  FCVT_S_WU,
  FCVT_S_L,
  FCVT_S_LU,
  FMV_W_X,

  FMADD_D,
  FMSUB_D,
  FNMSUB_D,
  FNMADD_D,
  FADD_D,
  FSUB_D,
  FMUL_D,
  FDIV_D,
  FSQRT_D,
  FSGNJ_D,
  FSGNJN_D,
  FSGNJX_D,
  FMIN_D,
  FMAX_D,
  FCVT_W_D,
  FCVT_WU_D,
  FCVT_L_D,
  FCVT_LU_D,
  FMV_X_D,
  FEQ_D,
  FLT_D,
  FLE_D,
  FCLASS_D,
  FCVT_D_W,
  FCVT_D_WU,
  FCVT_D_L,
  FCVT_D_LU,
  FMV_D_X,
  FCVT_S_D,
  FCVT_D_S,
}

/** Rounding modes (fcsr.frm and the instruction's rm field). */
export const RM_RNE = 0;
export const RM_RTZ = 1;
export const RM_RDN = 2;
export const RM_RUP = 3;
export const RM_RMM = 4;
/** rm field value meaning "use fcsr.frm". */
export const RM_DYN = 7;

/** fflags bits. */
export const FLAG_NX = 1;
export const FLAG_UF = 2;
export const FLAG_OF = 4;
export const FLAG_DZ = 8;
export const FLAG_NV = 16;

/** F/D operations writing an integer register (the rest write an FP one). */
const INT_DESTINATION = new Set<FpOp>([
  FpOp.FCVT_W_S,
  FpOp.FCVT_WU_S,
  FpOp.FCVT_L_S,
  FpOp.FCVT_LU_S,
  FpOp.FMV_X_W,
  FpOp.FEQ_S,
  FpOp.FLT_S,
  FpOp.FLE_S,
  FpOp.FCLASS_S,
  FpOp.FCVT_W_D,
  FpOp.FCVT_WU_D,
  FpOp.FCVT_L_D,
  FpOp.FCVT_LU_D,
  FpOp.FMV_X_D,
  FpOp.FEQ_D,
  FpOp.FLT_D,
  FpOp.FLE_D,
  FpOp.FCLASS_D,
]);
/** F/D operations reading an integer register (rs1). */
const INT_SOURCE = new Set<FpOp>([
  FpOp.FCVT_S_W,
  FpOp.FCVT_S_WU,
  FpOp.FCVT_S_L,
  FpOp.FCVT_S_LU,
  FpOp.FMV_W_X,
  FpOp.FCVT_D_W,
  FpOp.FCVT_D_WU,
  FpOp.FCVT_D_L,
  FpOp.FCVT_D_LU,
  FpOp.FMV_D_X,
]);
/** The operation writes integer register rd (comparisons, classification, conversions to integers, moves). */
export function fpWritesInteger(op: FpOp): boolean {
  return INT_DESTINATION.has(op);
}

/** The operation reads integer register rs1 (conversions from integers, moves). */
export function fpReadsInteger(op: FpOp): boolean {
  return INT_SOURCE.has(op);
}
