// Fast paths for single-precision arithmetic, computed in host doubles.
//
// A double holds any single exactly, and any product of two singles exactly (24 + 24 <= 53
// bits, exponents far inside the double range), so products and sums come out of the host
// either exact or as a TwoSum pair (hi, lo), which roundS rounds correctly in every mode.
// Quotients and roots: fround(a / b) and fround(sqrt(a)) are the correctly rounded nearest
// singles, because rounding twice is innocuous when the wider format has at least 2p + 2 bits
// (53 >= 2 * 24 + 2; Figueroa, "When is double rounding innocuous?", 1995). Their residuals
// a - r * b and a - r * r are exact in double (48-bit products, Sterbenz's lemma for the
// difference) and give the direction of the error; exact quotients and roots of singles are
// never midpoints, so only directed modes move the result.
//
// Single operands are read NaN-boxed (spec 21.2): a register whose upper word is not all ones
// reads as the canonical NaN, which here becomes a host NaN and sends the operation to the soft
// path. As with the double paths, a function either completes (result written NaN-boxed, NX
// raised if inexact) and returns true, or changes nothing and returns false. Operands are read
// inline (no helper returning a double: see fast-round.ts on boxing).

import { FloatRegisterFile } from '../registers.js';
import { FLAG_NX, RM_RNE } from './fp-ops.js';
import { ARGS, S_DECLINED, S_INEXACT, roundDirectedS, roundS } from './fast-round.js';
import { FlagSink } from './soft-format.js';

/** Rounds ARGS[0] + ARGS[1] to f[rd] (NaN-boxed); false if outside the safe range. */
function finish(f32: Float32Array, i32: Int32Array, rd: number, rm: number, sink: FlagSink): boolean {
  const res = roundS(f32, 2 * rd, rm);
  if (res === S_DECLINED) return false;
  i32[2 * rd + 1] = -1;
  if (res === S_INEXACT) sink.fflags |= FLAG_NX;
  return true;
}

export function addS(
  f32: Float32Array,
  i32: Int32Array,
  rd: number,
  rs1: number,
  rs2: number,
  sub: boolean,
  rm: number,
  sink: FlagSink,
): boolean {
  if (i32[2 * rs1 + 1] !== -1 || i32[2 * rs2 + 1] !== -1) return false; // not NaN-boxed
  const a = f32[2 * rs1];
  const b = sub ? -f32[2 * rs2] : f32[2 * rs2];
  const s = a + b;
  const bb = s - a;
  ARGS[0] = s;
  ARGS[1] = a - (s - bb) + (b - bb);
  return finish(f32, i32, rd, rm, sink);
}

export function mulS(
  f32: Float32Array,
  i32: Int32Array,
  rd: number,
  rs1: number,
  rs2: number,
  rm: number,
  sink: FlagSink,
): boolean {
  if (i32[2 * rs1 + 1] !== -1 || i32[2 * rs2 + 1] !== -1) return false;
  ARGS[0] = f32[2 * rs1] * f32[2 * rs2]; // exact
  ARGS[1] = 0;
  return finish(f32, i32, rd, rm, sink);
}

const S_MIN = 2 ** -125;
const S_MAX = 2 ** 127;

export function divS(
  f32: Float32Array,
  i32: Int32Array,
  rd: number,
  rs1: number,
  rs2: number,
  rm: number,
  sink: FlagSink,
): boolean {
  if (i32[2 * rs1 + 1] !== -1 || i32[2 * rs2 + 1] !== -1) return false;
  const a = f32[2 * rs1];
  const b = f32[2 * rs2];
  const r = Math.fround(a / b);
  const ar = Math.abs(r);
  if (!(ar >= S_MIN && ar < S_MAX)) return false;
  const res = a - r * b;
  if (res !== 0) {
    if (rm === RM_RNE) f32[2 * rd] = r;
    else {
      ARGS[0] = r;
      roundDirectedS(f32, 2 * rd, res > 0 === b > 0 ? 1 : -1, rm);
    }
    sink.fflags |= FLAG_NX;
  } else f32[2 * rd] = r;
  i32[2 * rd + 1] = -1;
  return true;
}

export function sqrtS(
  f32: Float32Array,
  i32: Int32Array,
  rd: number,
  rs1: number,
  rm: number,
  sink: FlagSink,
): boolean {
  if (i32[2 * rs1 + 1] !== -1) return false;
  const a = f32[2 * rs1];
  if (!(a > 0 && a < Infinity)) return false;
  const r = Math.fround(Math.sqrt(a));
  const res = a - r * r;
  if (res !== 0) {
    if (rm === RM_RNE) f32[2 * rd] = r;
    else {
      ARGS[0] = r;
      roundDirectedS(f32, 2 * rd, res > 0 ? 1 : -1, rm);
    }
    sink.fflags |= FLAG_NX;
  } else f32[2 * rd] = r;
  i32[2 * rd + 1] = -1;
  return true;
}

/** fmadd.s family: the product is exact in a double, so one TwoSum gives the exact sum. */
export function fmaS(
  f32: Float32Array,
  i32: Int32Array,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  negProd: boolean,
  negC: boolean,
  rm: number,
  sink: FlagSink,
): boolean {
  if (i32[2 * rs1 + 1] !== -1 || i32[2 * rs2 + 1] !== -1 || i32[2 * rs3 + 1] !== -1) return false;
  const p = f32[2 * rs1] * f32[2 * rs2];
  const a = negProd ? -p : p;
  const c = negC ? -f32[2 * rs3] : f32[2 * rs3];
  const s = a + c;
  const bb = s - a;
  ARGS[0] = s;
  ARGS[1] = a - (s - bb) + (c - bb);
  return finish(f32, i32, rd, rm, sink);
}

/**
 * fcvt.s.d when the result is a normal single: rounds per rm, raises NX. Zeros and infinities
 * convert exactly. Returns false (changing nothing) for NaNs and for results that may be tiny or
 * overflow, which the soft path handles.
 */
export function narrowD(
  regs: FloatRegisterFile,
  rd: number,
  rs: number,
  rm: number,
  sink: FlagSink,
): boolean {
  const v = regs.f64[rs];
  if (v === 0 || v === Infinity || v === -Infinity) {
    regs.f32[2 * rd] = v; // exact, keeps the sign of zero
    regs.i32[2 * rd + 1] = -1;
    return true;
  }
  ARGS[0] = v;
  ARGS[1] = 0;
  return finish(regs.f32, regs.i32, rd, rm, sink);
}

/** fcvt.d.s, which is exact; false for a NaN operand (canonical result, NV if signaling). */
export function widenS(regs: FloatRegisterFile, rd: number, rs: number): boolean {
  if (regs.i32[2 * rs + 1] !== -1) return false; // not NaN-boxed: the canonical NaN
  const v = regs.f32[2 * rs];
  if (v !== v) return false;
  regs.f64[rd] = v;
  return true;
}
