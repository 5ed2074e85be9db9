// The F and D computational instructions (unprivileged spec chapters 20 and 21), everything but
// loads and stores. Arithmetic first tries a host-double fast path that is exact for operands and
// results well inside the normal range (fast-double.ts, fast-single.ts) and otherwise runs the
// exact BigInt soft-float path (slow-path.ts), which is also the reference the fast paths are
// tested against.
//
// "spec 20.x" / "spec 21.x" in this directory are sections of the unprivileged ISA manual's
// "F" (20.2 fcsr and rounding modes, 20.3 NaNs, 20.4 subnormals, 20.6 arithmetic and fused
// multiply-add, 20.7 conversions and moves, 20.8 compares) and "D" (21.2 NaN boxing) chapters.

import { FloatRegisterFile, IntRegisterFile } from '../registers.js';
import { addD, divD, fmaD, mulD, sqrtD } from './fast-double.js';
import { addS, divS, fmaS, mulS, narrowD, sqrtS, widenS } from './fast-single.js';
import {
  CMP_EQ,
  CMP_LE,
  CMP_LT,
  bitsS,
  compareD,
  compareS,
  fclass32,
  fclass64,
  minMaxD,
  minMaxS,
} from './fp-compare.js';
import { INT_L, INT_LU, INT_W, INT_WU, floatToInt, int64ToDouble, intToSingle } from './fp-convert.js';
import { FpOp, RM_DYN } from './fp-ops.js';
import { slowArith } from './slow-path.js';

/**
 * Which ops have an rm field. Per spec 20.2, instructions that have the field but are not
 * affected by it (fcvt.d.s, fcvt.d.w[u]) still treat it "as usual (in particular, with regard to
 * decoding legal vs. reserved encodings)", so they reject reserved modes too. Sign injection,
 * min/max, moves, comparisons and fclass use those bits as funct3 instead.
 */
const USES_RM = new Uint8Array(FpOp.FCVT_D_S + 1).fill(1);
for (const op of [
  FpOp.FSGNJ_S,
  FpOp.FSGNJN_S,
  FpOp.FSGNJX_S,
  FpOp.FMIN_S,
  FpOp.FMAX_S,
  FpOp.FMV_X_W,
  FpOp.FEQ_S,
  FpOp.FLT_S,
  FpOp.FLE_S,
  FpOp.FCLASS_S,
  FpOp.FMV_W_X,
  FpOp.FSGNJ_D,
  FpOp.FSGNJN_D,
  FpOp.FSGNJX_D,
  FpOp.FMIN_D,
  FpOp.FMAX_D,
  FpOp.FMV_X_D,
  FpOp.FEQ_D,
  FpOp.FLT_D,
  FpOp.FLE_D,
  FpOp.FCLASS_D,
  FpOp.FMV_D_X,
]) {
  USES_RM[op] = 0;
}

/** True when `op` has a rounding-mode field (false: those bits are part of the opcode). */
export function usesRoundingMode(op: FpOp): boolean {
  return USES_RM[op] !== 0;
}

export class FloatUnit {
  /**
   * fflags and frm live in a two-word control block (a view of the hart's state block, where
   * translated code reads frm and ORs flags in; see hart-state.ts HART_STATE.FP_CONTROL).
   */
  private readonly control: Int32Array;
  /** Accrued exception flags: NX=1 UF=2 OF=4 DZ=8 NV=16. Operations only OR into it. */
  get fflags(): number {
    return this.control[0];
  }
  set fflags(flags: number) {
    this.control[0] = flags;
  }
  /** Dynamic rounding mode 0..7 as written by CSR code (5..7 make dynamic-rm instructions illegal). */
  get frm(): number {
    return this.control[1];
  }
  set frm(mode: number) {
    this.control[1] = mode;
  }

  private readonly f64: Float64Array;
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;

  constructor(
    readonly regs: FloatRegisterFile,
    control: Int32Array = new Int32Array(2),
  ) {
    this.control = control;
    this.f64 = regs.f64;
    this.f32 = regs.f32;
    this.i32 = regs.i32;
  }

  /**
   * Executes one F/D computational instruction. rm is the instruction's rm field (7 = dynamic).
   * Returns false, having changed nothing, if the instruction uses rounding and the mode is
   * reserved (rm 5 or 6, or rm 7 with frm >= 5): the caller raises illegal instruction. Integer
   * results go to x (x0 is never written).
   */
  execute(
    op: FpOp,
    rd: number,
    rs1: number,
    rs2: number,
    rs3: number,
    rm: number,
    x: IntRegisterFile,
  ): boolean {
    let m = rm;
    if (USES_RM[op] !== 0) {
      if (m === RM_DYN) m = this.frm;
      if (m > 4) return false;
    }
    const f64 = this.f64;
    const f32 = this.f32;
    const i32 = this.i32;
    switch (op) {
      // ---- double-precision arithmetic: fast path, else exact ----
      case FpOp.FADD_D:
        if (!addD(f64, rd, rs1, rs2, false, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FSUB_D:
        if (!addD(f64, rd, rs1, rs2, true, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FMUL_D:
        if (!mulD(f64, rd, rs1, rs2, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FDIV_D:
        if (!divD(f64, rd, rs1, rs2, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FSQRT_D:
        if (!sqrtD(f64, rd, rs1, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FMADD_D:
        if (!fmaD(f64, rd, rs1, rs2, rs3, false, false, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FMSUB_D:
        if (!fmaD(f64, rd, rs1, rs2, rs3, false, true, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FNMSUB_D:
        if (!fmaD(f64, rd, rs1, rs2, rs3, true, false, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FNMADD_D:
        if (!fmaD(f64, rd, rs1, rs2, rs3, true, true, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;

      // ---- single-precision arithmetic ----
      case FpOp.FADD_S:
        if (!addS(f32, i32, rd, rs1, rs2, false, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FSUB_S:
        if (!addS(f32, i32, rd, rs1, rs2, true, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FMUL_S:
        if (!mulS(f32, i32, rd, rs1, rs2, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FDIV_S:
        if (!divS(f32, i32, rd, rs1, rs2, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FSQRT_S:
        if (!sqrtS(f32, i32, rd, rs1, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FMADD_S:
        if (!fmaS(f32, i32, rd, rs1, rs2, rs3, false, false, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FMSUB_S:
        if (!fmaS(f32, i32, rd, rs1, rs2, rs3, false, true, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FNMSUB_S:
        if (!fmaS(f32, i32, rd, rs1, rs2, rs3, true, false, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FNMADD_S:
        if (!fmaS(f32, i32, rd, rs1, rs2, rs3, true, true, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;

      // ---- sign injection: bit operations, no canonicalization, no flags ----
      case FpOp.FSGNJ_S:
      case FpOp.FSGNJN_S:
      case FpOp.FSGNJX_S: {
        const a = bitsS(this.regs, rs1);
        const b = bitsS(this.regs, rs2);
        const s = op === FpOp.FSGNJ_S ? b : op === FpOp.FSGNJN_S ? ~b : a ^ b;
        i32[2 * rd] = (a & 0x7fffffff) | (s & 0x80000000);
        i32[2 * rd + 1] = -1;
        return true;
      }
      case FpOp.FSGNJ_D:
      case FpOp.FSGNJN_D:
      case FpOp.FSGNJX_D: {
        const a = i32[2 * rs1 + 1];
        const b = i32[2 * rs2 + 1];
        const s = op === FpOp.FSGNJ_D ? b : op === FpOp.FSGNJN_D ? ~b : a ^ b;
        i32[2 * rd] = i32[2 * rs1];
        i32[2 * rd + 1] = (a & 0x7fffffff) | (s & 0x80000000);
        return true;
      }

      // ---- min / max, comparisons, classification ----
      case FpOp.FMIN_S:
        minMaxS(this.regs, rd, rs1, rs2, false, this);
        return true;
      case FpOp.FMAX_S:
        minMaxS(this.regs, rd, rs1, rs2, true, this);
        return true;
      case FpOp.FMIN_D:
        minMaxD(this.regs, rd, rs1, rs2, false, this);
        return true;
      case FpOp.FMAX_D:
        minMaxD(this.regs, rd, rs1, rs2, true, this);
        return true;
      case FpOp.FEQ_S:
        this.writeSmall(x, rd, compareS(this.regs, rs1, rs2, CMP_EQ, this));
        return true;
      case FpOp.FLT_S:
        this.writeSmall(x, rd, compareS(this.regs, rs1, rs2, CMP_LT, this));
        return true;
      case FpOp.FLE_S:
        this.writeSmall(x, rd, compareS(this.regs, rs1, rs2, CMP_LE, this));
        return true;
      case FpOp.FEQ_D:
        this.writeSmall(x, rd, compareD(this.regs, rs1, rs2, CMP_EQ, this));
        return true;
      case FpOp.FLT_D:
        this.writeSmall(x, rd, compareD(this.regs, rs1, rs2, CMP_LT, this));
        return true;
      case FpOp.FLE_D:
        this.writeSmall(x, rd, compareD(this.regs, rs1, rs2, CMP_LE, this));
        return true;
      case FpOp.FCLASS_S:
        this.writeSmall(x, rd, fclass32(bitsS(this.regs, rs1)));
        return true;
      case FpOp.FCLASS_D:
        this.writeSmall(x, rd, fclass64(i32[2 * rs1 + 1], i32[2 * rs1]));
        return true;

      // ---- moves: raw bits (spec 20.7: fmv.x.w takes the low 32 bits, ignoring boxing) ----
      case FpOp.FMV_X_W:
        if (rd !== 0) {
          const v = i32[2 * rs1];
          x.w[2 * rd] = v;
          x.w[2 * rd + 1] = v >> 31;
        }
        return true;
      case FpOp.FMV_W_X:
        i32[2 * rd] = x.w[2 * rs1];
        i32[2 * rd + 1] = -1;
        return true;
      case FpOp.FMV_X_D:
        if (rd !== 0) {
          x.w[2 * rd] = i32[2 * rs1];
          x.w[2 * rd + 1] = i32[2 * rs1 + 1];
        }
        return true;
      case FpOp.FMV_D_X:
        i32[2 * rd] = x.w[2 * rs1];
        i32[2 * rd + 1] = x.w[2 * rs1 + 1];
        return true;

      // ---- float to integer ----
      case FpOp.FCVT_W_S:
        floatToInt(this.regs, rs1, true, INT_W, m, x.w, rd, this);
        return true;
      case FpOp.FCVT_WU_S:
        floatToInt(this.regs, rs1, true, INT_WU, m, x.w, rd, this);
        return true;
      case FpOp.FCVT_L_S:
        floatToInt(this.regs, rs1, true, INT_L, m, x.w, rd, this);
        return true;
      case FpOp.FCVT_LU_S:
        floatToInt(this.regs, rs1, true, INT_LU, m, x.w, rd, this);
        return true;
      case FpOp.FCVT_W_D:
        floatToInt(this.regs, rs1, false, INT_W, m, x.w, rd, this);
        return true;
      case FpOp.FCVT_WU_D:
        floatToInt(this.regs, rs1, false, INT_WU, m, x.w, rd, this);
        return true;
      case FpOp.FCVT_L_D:
        floatToInt(this.regs, rs1, false, INT_L, m, x.w, rd, this);
        return true;
      case FpOp.FCVT_LU_D:
        floatToInt(this.regs, rs1, false, INT_LU, m, x.w, rd, this);
        return true;

      // ---- integer to float ----
      case FpOp.FCVT_S_W:
        intToSingle(x.w, rs1, INT_W, m, this.regs, rd, this);
        return true;
      case FpOp.FCVT_S_WU:
        intToSingle(x.w, rs1, INT_WU, m, this.regs, rd, this);
        return true;
      case FpOp.FCVT_S_L:
        intToSingle(x.w, rs1, INT_L, m, this.regs, rd, this);
        return true;
      case FpOp.FCVT_S_LU:
        intToSingle(x.w, rs1, INT_LU, m, this.regs, rd, this);
        return true;
      case FpOp.FCVT_D_W:
        f64[rd] = x.w[2 * rs1]; // always exact
        return true;
      case FpOp.FCVT_D_WU:
        f64[rd] = x.w[2 * rs1] >>> 0;
        return true;
      case FpOp.FCVT_D_L:
        int64ToDouble(x.w, rs1, false, f64, rd, m, this);
        return true;
      case FpOp.FCVT_D_LU:
        int64ToDouble(x.w, rs1, true, f64, rd, m, this);
        return true;

      // ---- between formats ----
      case FpOp.FCVT_S_D:
        if (!narrowD(this.regs, rd, rs1, m, this)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
      case FpOp.FCVT_D_S:
        if (!widenS(this.regs, rd, rs1)) this.slow(op, rd, rs1, rs2, rs3, m);
        return true;
    }
    throw new Error(`FloatUnit: unknown op ${op}`);
  }

  /** Exact fallback for arithmetic and format conversion. */
  private slow(op: FpOp, rd: number, rs1: number, rs2: number, rs3: number, m: number): void {
    slowArith(this.regs, op, rd, rs1, rs2, rs3, m, this);
  }

  /** Writes a small non-negative integer result to x[rd] (not x0). */
  private writeSmall(x: IntRegisterFile, rd: number, v: number): void {
    if (rd !== 0) {
      x.w[2 * rd] = v;
      x.w[2 * rd + 1] = 0;
    }
  }
}
