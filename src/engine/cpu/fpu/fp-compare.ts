// Non-arithmetic F/D operations that look at bit patterns: classification, signaling-NaN tests,
// minimumNumber/maximumNumber, comparisons. None of them round, so none uses the rm field.

import { FLAG_NV } from './fp-ops.js';
import { FlagSink } from './soft-format.js';

/** Single-precision canonical NaN bits (spec 20.3). */
export const CANONICAL_NAN_S = 0x7fc00000;
/** High word of the double-precision canonical NaN 0x7ff8000000000000 (low word 0). */
export const CANONICAL_NAN_D_HI = 0x7ff80000;

export function isSNaN32(b: number): boolean {
  return (b & 0x7fc00000) === 0x7f800000 && (b & 0x003fffff) !== 0;
}

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
 * fmin/fmax result selection for two non-NaN values, as IEEE 754-2019 minimumNumber /
 * maximumNumber: -0 is less than +0 (spec 20.6). Returns the chosen operand value; the callers
 * handle NaN operands (one NaN: the other operand; two: canonical NaN; sNaN: NV).
 */
export function minMax(a: number, b: number, max: boolean): number {
  if (a === b) {
    // Equal values differ at most in the sign of zero; 1 / -0 = -inf tells the signs apart.
    if (a !== 0) return a;
    const aNeg = 1 / a < 0;
    return max ? (aNeg ? b : a) : aNeg ? a : b;
  }
  return max ? (a > b ? a : b) : a < b ? a : b;
}

/** Comparison kinds. */
export const CMP_EQ = 0;
export const CMP_LT = 1;
export const CMP_LE = 2;

/**
 * feq/flt/fle on values a and b (host NaN for any NaN operand); sNaN tells whether either
 * operand is a signaling NaN. feq is a quiet comparison (NV only for sNaN); flt and fle are
 * signaling (NV for any NaN). Any NaN makes the result 0.
 */
export function compare(kind: number, a: number, b: number, sNaN: boolean, sink: FlagSink): number {
  if (a !== a || b !== b) {
    if (kind !== CMP_EQ || sNaN) sink.fflags |= FLAG_NV;
    return 0;
  }
  if (kind === CMP_EQ) return a === b ? 1 : 0;
  if (kind === CMP_LT) return a < b ? 1 : 0;
  return a <= b ? 1 : 0;
}
