// Exact floating point, part 4: conversions between formats and to/from integers.
//
// FloatUnit performs integer conversions with host numbers (fp-convert.ts); these BigInt versions
// are their exact reference in the tests and handle fcvt.s.d / fcvt.d.s special cases at run time.

import { FLAG_NV, FLAG_NX } from './fp-ops.js';
import {
  CLS_FINITE,
  CLS_INF,
  CLS_SNAN,
  CLS_ZERO,
  FlagSink,
  FloatFormat,
  Unpacked,
  isNaNCls,
  packInf,
  packZero,
} from './soft-format.js';
import { roundInexact, roundPack, roundToInteger } from './soft-round.js';

/** Converts an unpacked value of any format to format `to` (fcvt.s.d, fcvt.d.s). */
export function softConvert(to: FloatFormat, a: Unpacked, rm: number, sink: FlagSink): bigint {
  if (isNaNCls(a.cls)) {
    // The result is the canonical NaN; NV only for a signaling input (IEEE 754-2008 6.2).
    if (a.cls === CLS_SNAN) sink.fflags |= FLAG_NV;
    return to.canonicalNaN;
  }
  if (a.cls === CLS_INF) return packInf(to, a.sign);
  if (a.cls === CLS_ZERO) return packZero(to, a.sign);
  return roundPack(to, a.sign, a.sig, a.exp, false, rm, sink);
}

/** Converts an exact integer to format `to` (fcvt.s.w and friends). Zero converts to +0. */
export function softFromInt(to: FloatFormat, v: bigint, rm: number, sink: FlagSink): bigint {
  if (v === 0n) return 0n;
  return v < 0n ? roundPack(to, 1, -v, 0, false, rm, sink) : roundPack(to, 0, v, 0, false, rm, sink);
}

/** Integer destination kinds of fcvt.{w,wu,l,lu}.{s,d}. */
export const INT_W = 0;
export const INT_WU = 1;
export const INT_L = 2;
export const INT_LU = 3;

const INT_MIN = [-(1n << 31n), 0n, -(1n << 63n), 0n];
const INT_MAX = [(1n << 31n) - 1n, (1n << 32n) - 1n, (1n << 63n) - 1n, (1n << 64n) - 1n];

/**
 * Converts to an integer of the given kind, returning the mathematical integer result (the caller
 * sign-extends / truncates it into the register). Out-of-range values, infinities and NaNs
 * saturate as in the spec's table "Domains of float-to-integer conversions" (NaN converts to
 * the maximum) and raise NV; otherwise NX is raised if rounding changed the value.
 */
export function softToInt(a: Unpacked, kind: number, rm: number, sink: FlagSink): bigint {
  const min = INT_MIN[kind];
  const max = INT_MAX[kind];
  if (isNaNCls(a.cls)) {
    sink.fflags |= FLAG_NV;
    return max;
  }
  if (a.cls === CLS_INF) {
    sink.fflags |= FLAG_NV;
    return a.sign ? min : max;
  }
  if (a.cls !== CLS_FINITE) return 0n;
  const n = roundToInteger(a.sign, a.sig, a.exp, rm);
  // The range test applies to the rounded value ("minimum valid input (after rounding)").
  if (n < min || n > max) {
    sink.fflags |= FLAG_NV;
    return n < min ? min : max;
  }
  if (roundInexact) sink.fflags |= FLAG_NX;
  return n;
}
