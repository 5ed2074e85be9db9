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
// raised if inexact) and returns true, or changes nothing and returns false.

import { FloatRegisterFile } from '../registers.js';
import { FLAG_NX, RM_RNE } from './fp-ops.js';
import { fastNaN, inexactS, roundDirectedS, roundS } from './fast-round.js';
import { FlagSink } from './soft-format.js';

/** f[r] as a single (exact in a double), or NaN if it is not properly NaN-boxed. */
export function readS(f32: Float32Array, i32: Int32Array, r: number): number {
  return i32[2 * r + 1] === -1 ? f32[2 * r] : fastNaN(); // not the NaN literal: see fastNaN
}

/** Writes a non-NaN single result, NaN-boxed. */
export function writeS(f32: Float32Array, i32: Int32Array, rd: number, v: number): void {
  f32[2 * rd] = v;
  i32[2 * rd + 1] = -1;
}

/** Rounds hi + lo (a TwoSum pair or an exact hi) and writes it; false if out of the safe range. */
function finish(
  f32: Float32Array,
  i32: Int32Array,
  rd: number,
  hi: number,
  lo: number,
  rm: number,
  sink: FlagSink,
): boolean {
  const v = roundS(hi, lo, rm);
  if (v !== v) return false;
  if (inexactS(hi, lo)) sink.fflags |= FLAG_NX;
  writeS(f32, i32, rd, v);
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
  const a = readS(f32, i32, rs1);
  const b = sub ? -readS(f32, i32, rs2) : readS(f32, i32, rs2);
  const s = a + b;
  const bb = s - a;
  const t = a - (s - bb) + (b - bb);
  return finish(f32, i32, rd, s, t, rm, sink);
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
  const p = readS(f32, i32, rs1) * readS(f32, i32, rs2); // exact
  return finish(f32, i32, rd, p, 0, rm, sink);
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
  const a = readS(f32, i32, rs1);
  const b = readS(f32, i32, rs2);
  const r = Math.fround(a / b);
  const ar = Math.abs(r);
  if (!(ar >= S_MIN && ar < S_MAX)) return false;
  const res = a - r * b;
  if (res === 0) {
    writeS(f32, i32, rd, r);
    return true;
  }
  writeS(f32, i32, rd, rm === RM_RNE ? r : roundDirectedS(r, res > 0 === b > 0 ? 1 : -1, rm));
  sink.fflags |= FLAG_NX;
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
  const a = readS(f32, i32, rs1);
  if (!(a > 0 && a < Infinity)) return false;
  const r = Math.fround(Math.sqrt(a));
  const res = a - r * r;
  if (res === 0) {
    writeS(f32, i32, rd, r);
    return true;
  }
  writeS(f32, i32, rd, rm === RM_RNE ? r : roundDirectedS(r, res > 0 ? 1 : -1, rm));
  sink.fflags |= FLAG_NX;
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
  const p = readS(f32, i32, rs1) * readS(f32, i32, rs2);
  const c = negC ? -readS(f32, i32, rs3) : readS(f32, i32, rs3);
  const a = negProd ? -p : p;
  const s = a + c;
  const bb = s - a;
  const t = a - (s - bb) + (c - bb);
  return finish(f32, i32, rd, s, t, rm, sink);
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
    writeS(regs.f32, regs.i32, rd, v); // exact, keeps the sign of zero
    return true;
  }
  const r = roundS(v, 0, rm);
  if (r !== r) return false;
  if (Math.fround(v) !== v) sink.fflags |= FLAG_NX;
  writeS(regs.f32, regs.i32, rd, r);
  return true;
}

/** fcvt.d.s, which is exact; false for a NaN operand (canonical result, NV if signaling). */
export function widenS(regs: FloatRegisterFile, rd: number, rs: number): boolean {
  const v = readS(regs.f32, regs.i32, rs);
  if (v !== v) return false;
  regs.f64[rd] = v;
  return true;
}
