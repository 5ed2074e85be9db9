// Non-arithmetic F/D operations that look at bit patterns: classification, signaling-NaN tests,
// minimumNumber/maximumNumber, comparisons. None of them round, so none uses the rm field.

import { FLAG_NV } from './fp-ops.js';
import { FloatRegisterFile } from '../registers.js';
import { FlagSink } from './soft-format.js';

/** Single-precision canonical NaN bits (spec 20.3). */
export const CANONICAL_NAN_S = 0x7fc00000;
/** High word of the double-precision canonical NaN 0x7ff8000000000000 (low word 0). */
export const CANONICAL_NAN_D_HI = 0x7ff80000;

/** Whether single-precision bits b (signed or unsigned 32-bit) are a signaling NaN. */
export function isSNaN32(b: number): boolean {
  return (b & 0x7fc00000) === 0x7f800000 && (b & 0x003fffff) !== 0;
}

/** Whether the double with words hi, lo is a signaling NaN. */
export function isSNaN64(hi: number, lo: number): boolean {
  return (hi & 0x7ff80000) === 0x7ff00000 && ((hi & 0x0007ffff) !== 0 || lo !== 0);
}

/**
 * fclass: a one-hot 10-bit mask (spec table "Format of result of FCLASS instruction"):
 * 0 -inf, 1 negative normal, 2 negative subnormal, 3 -0, 4 +0, 5 positive subnormal,
 * 6 positive normal, 7 +inf, 8 signaling NaN, 9 quiet NaN.
 */
function classMask(neg: boolean, expAllOnes: boolean, expZero: boolean, mantZero: boolean, quiet: boolean) {
  if (expAllOnes) {
    if (mantZero) return neg ? 1 << 0 : 1 << 7;
    return quiet ? 1 << 9 : 1 << 8;
  }
  if (expZero) {
    if (mantZero) return neg ? 1 << 3 : 1 << 4;
    return neg ? 1 << 2 : 1 << 5;
  }
  return neg ? 1 << 1 : 1 << 6;
}

export function fclass32(b: number): number {
  const e = (b >>> 23) & 0xff;
  return classMask(b < 0 || b >= 0x80000000, e === 0xff, e === 0, (b & 0x7fffff) === 0, (b & 0x400000) !== 0);
}

export function fclass64(hi: number, lo: number): number {
  const e = (hi >>> 20) & 0x7ff;
  const mantZero = (hi & 0xfffff) === 0 && lo === 0;
  return classMask((hi & 0x80000000) !== 0, e === 0x7ff, e === 0, mantZero, (hi & 0x80000) !== 0);
}

/**
 * f[r]'s single-precision bits under NaN-boxing (the canonical NaN if not properly boxed), as a
 * signed 32-bit integer: unlike an unsigned value of 2^31 or more it is a small integer to V8,
 * never boxed when returned.
 */
export function bitsS(regs: FloatRegisterFile, r: number): number {
  return regs.i32[2 * r + 1] === -1 ? regs.i32[2 * r] : CANONICAL_NAN_S;
}

// The operations below take register numbers rather than values, and keep their doubles local
// (no helper taking or returning doubles), so that nothing is boxed: see fast-round.ts.
//
// minimumNumber/maximumNumber of two non-NaN values: the smaller/larger, with -0 < +0. Equal
// values differ at most in the sign of zero, which 1 / x tells apart (1 / -0 = -inf).

/**
 * fmin.d / fmax.d: IEEE 754-2019 minimumNumber / maximumNumber (spec 20.6): -0 < +0; one NaN
 * operand gives the other operand; two give the canonical NaN; a signaling NaN raises NV.
 */
export function minMaxD(
  regs: FloatRegisterFile,
  rd: number,
  rs1: number,
  rs2: number,
  max: boolean,
  sink: FlagSink,
) {
  const f64 = regs.f64;
  const a = f64[rs1];
  const b = f64[rs2];
  if (a === a && b === b) {
    const second = a === b ? a === 0 && 1 / a < 0 === max : max ? b > a : b < a;
    f64[rd] = second ? b : a;
    return;
  }
  const i32 = regs.i32;
  if (isSNaN64(i32[2 * rs1 + 1], i32[2 * rs1]) || isSNaN64(i32[2 * rs2 + 1], i32[2 * rs2]))
    sink.fflags |= FLAG_NV;
  if (a !== a && b !== b) {
    i32[2 * rd] = 0;
    i32[2 * rd + 1] = CANONICAL_NAN_D_HI;
  } else f64[rd] = a !== a ? b : a;
}

/** fmin.s / fmax.s, with NaN-boxed operands and result. */
export function minMaxS(
  regs: FloatRegisterFile,
  rd: number,
  rs1: number,
  rs2: number,
  max: boolean,
  sink: FlagSink,
) {
  const { f32, i32 } = regs;
  const a = i32[2 * rs1 + 1] === -1 ? f32[2 * rs1] : 0;
  const b = i32[2 * rs2 + 1] === -1 ? f32[2 * rs2] : 0;
  const aBits = bitsS(regs, rs1);
  const bBits = bitsS(regs, rs2);
  const aNaN = (aBits & 0x7fffffff) > 0x7f800000;
  const bNaN = (bBits & 0x7fffffff) > 0x7f800000;
  if (!aNaN && !bNaN) {
    const second = a === b ? a === 0 && 1 / a < 0 === max : max ? b > a : b < a;
    f32[2 * rd] = second ? b : a;
  } else {
    if (isSNaN32(aBits) || isSNaN32(bBits)) sink.fflags |= FLAG_NV;
    if (aNaN && bNaN) regs.u32[2 * rd] = CANONICAL_NAN_S;
    else f32[2 * rd] = aNaN ? b : a;
  }
  i32[2 * rd + 1] = -1;
}

/** Comparison kinds. */
export const CMP_EQ = 0;
export const CMP_LT = 1;
export const CMP_LE = 2;

/**
 * feq.d / flt.d / fle.d. feq is a quiet comparison (NV only for a signaling NaN); flt and fle
 * are signaling (NV for any NaN). Any NaN operand makes the result 0 (spec 20.8).
 */
export function compareD(
  regs: FloatRegisterFile,
  rs1: number,
  rs2: number,
  kind: number,
  sink: FlagSink,
): number {
  const a = regs.f64[rs1];
  const b = regs.f64[rs2];
  if (a === a && b === b) return (kind === CMP_EQ ? a === b : kind === CMP_LT ? a < b : a <= b) ? 1 : 0;
  const i32 = regs.i32;
  if (
    kind !== CMP_EQ ||
    isSNaN64(i32[2 * rs1 + 1], i32[2 * rs1]) ||
    isSNaN64(i32[2 * rs2 + 1], i32[2 * rs2])
  ) {
    sink.fflags |= FLAG_NV;
  }
  return 0;
}

/** feq.s / flt.s / fle.s on NaN-boxed operands. */
export function compareS(
  regs: FloatRegisterFile,
  rs1: number,
  rs2: number,
  kind: number,
  sink: FlagSink,
): number {
  const aBits = bitsS(regs, rs1);
  const bBits = bitsS(regs, rs2);
  const aNaN = (aBits & 0x7fffffff) > 0x7f800000;
  const bNaN = (bBits & 0x7fffffff) > 0x7f800000;
  if (!aNaN && !bNaN) {
    const a = regs.f32[2 * rs1];
    const b = regs.f32[2 * rs2];
    return (kind === CMP_EQ ? a === b : kind === CMP_LT ? a < b : a <= b) ? 1 : 0;
  }
  if (kind !== CMP_EQ || isSNaN32(aBits) || isSNaN32(bBits)) sink.fflags |= FLAG_NV;
  return 0;
}
