// Conversions between floating point and integers (fcvt.{w,wu,l,lu}.{s,d} and back), done with
// host numbers only: every single and double is exactly a host double, every integer below 2^53
// is too, and a 64-bit integer splits exactly into hi * 2^32 + lo whose sum TwoSum rounds with
// its exact error. soft-convert.ts is the BigInt reference these are tested against.
//
// Like the arithmetic fast paths, these take register numbers and never pass a double through a
// call (see fast-round.ts on boxing).

import { FloatRegisterFile } from '../registers.js';
import { ARGS, S_INEXACT, roundNearD, roundS } from './fast-round.js';
import { FLAG_NV, FLAG_NX, RM_RDN, RM_RMM, RM_RNE, RM_RTZ, RM_RUP } from './fp-ops.js';
import { INT_L, INT_LU, INT_W, INT_WU } from './soft-convert.js';
import { FlagSink } from './soft-format.js';

export { INT_L, INT_LU, INT_W, INT_WU };

const TWO32 = 4294967296;
const TWO52 = 4503599627370496;
const TWO63 = 9223372036854775808;
const TWO64 = 18446744073709551616;

/** Writes the 64-bit value with low word lo and high word hi to x[rd] (skipping x0). */
function writeX(w: Int32Array, rd: number, lo: number, hi: number): void {
  if (rd !== 0) {
    w[2 * rd] = lo;
    w[2 * rd + 1] = hi;
  }
}

/** The saturated result of an invalid conversion: the minimum if neg, else the maximum. */
function writeSaturated(w: Int32Array, rd: number, kind: number, neg: boolean): void {
  switch (kind) {
    case INT_W:
      writeX(w, rd, neg ? -2147483648 : 2147483647, neg ? -1 : 0);
      break;
    case INT_WU: // 2^32 - 1 sign-extends to all ones
      writeX(w, rd, neg ? 0 : -1, neg ? 0 : -1);
      break;
    case INT_L:
      writeX(w, rd, neg ? 0 : -1, neg ? -2147483648 : 2147483647);
      break;
    default:
      writeX(w, rd, neg ? 0 : -1, neg ? 0 : -1);
  }
}

/**
 * fcvt.{w,wu,l,lu}.{s,d}: converts f[rs] (single, NaN-boxed, or double) to the integer kind
 * under rm and writes it to x[rd] (w is the integer register file's Int32Array view). Ranges and
 * saturation follow the spec's table "Domains of float-to-integer conversions and behavior for
 * invalid inputs": NaN and +inf give the maximum, -inf the minimum, the range test applies after
 * rounding, and NV replaces NX. 32-bit results are sign-extended to 64 bits, including the
 * unsigned ones (fcvt.wu of 2^32-1 gives all ones).
 */
export function floatToInt(
  regs: FloatRegisterFile,
  rs: number,
  single: boolean,
  kind: number,
  rm: number,
  w: Int32Array,
  rd: number,
  sink: FlagSink,
): void {
  if (single && regs.i32[2 * rs + 1] !== -1) {
    // Not NaN-boxed: the canonical NaN, which converts to the maximum.
    sink.fflags |= FLAG_NV;
    writeSaturated(w, rd, kind, false);
    return;
  }
  const v = single ? regs.f32[2 * rs] : regs.f64[rs];
  // Round to an integral value. From 2^52 up every double is an integer (and infinities and
  // NaN stay as they are); below it, v - floor(v) is exact.
  let r = v;
  if (Math.abs(v) < TWO52) {
    switch (rm) {
      case RM_RTZ:
        r = Math.trunc(v);
        break;
      case RM_RDN:
        r = Math.floor(v);
        break;
      case RM_RUP:
        r = Math.ceil(v);
        break;
      default: {
        // Not floor(v + 0.5): that sum can itself round (0.49999999999999994 + 0.5 = 1).
        const fl = Math.floor(v);
        const d = v - fl;
        if (d > 0.5) r = fl + 1;
        else if (d < 0.5) r = fl;
        else if (rm === RM_RMM)
          r = v > 0 ? fl + 1 : fl; // tie: away from zero
        else r = fl % 2 === 0 ? fl : fl + 1; // tie: to even
      }
    }
  }
  let ok: boolean;
  switch (kind) {
    case INT_W:
      ok = r >= -2147483648 && r <= 2147483647;
      break;
    case INT_WU:
      ok = r >= 0 && r <= 4294967295; // -0 (e.g. -0.25 truncated) is in range
      break;
    case INT_L:
      ok = r >= -TWO63 && r < TWO63;
      break;
    default:
      ok = r >= 0 && r < TWO64;
  }
  if (!ok) {
    sink.fflags |= FLAG_NV;
    writeSaturated(w, rd, kind, r < 0); // NaN compares false: the maximum
    return;
  }
  if (r !== v) sink.fflags |= FLAG_NX;
  if (kind === INT_W || kind === INT_WU) {
    const lo = r | 0; // ToInt32 wraps 2^31..2^32-1 to the same 32-bit pattern
    writeX(w, rd, lo, lo >> 31);
  } else {
    // Exact: division by 2^32 only shifts the exponent, and floor keeps negatives consistent.
    const hi = Math.floor(r / TWO32);
    writeX(w, rd, (r - hi * TWO32) | 0, hi | 0);
  }
}

/**
 * fcvt.d.{l,lu}: x[rs] rounded to double under rm, written to f[rd]. NX if inexact. The host
 * sum hi * 2^32 + lo is the nearest double; TwoSum gives its exact error for the other modes.
 */
export function int64ToDouble(
  w: Int32Array,
  rs: number,
  unsigned: boolean,
  f64: Float64Array,
  rd: number,
  rm: number,
  sink: FlagSink,
): void {
  const H = (unsigned ? w[2 * rs + 1] >>> 0 : w[2 * rs + 1]) * TWO32;
  const L = w[2 * rs] >>> 0;
  const s = H + L;
  const bb = s - H;
  const t = H - (s - bb) + (L - bb);
  if (t === 0) {
    f64[rd] = s; // exact (0 converts to +0)
    return;
  }
  // Inexact implies |s| >= 2^53: well inside the range roundNearD handles, and s is the
  // nearest double, so roundNearD always succeeds.
  if (rm === RM_RNE) f64[rd] = s;
  else {
    ARGS[0] = s;
    ARGS[1] = t;
    ARGS[2] = 0;
    roundNearD(f64, rd, rm);
  }
  sink.fflags |= FLAG_NX;
}

/**
 * fcvt.s.{w,wu,l,lu}: the integer x[rs] (32 or 64 bits) rounded to single under rm, written
 * NaN-boxed to f[rd]. NX if inexact.
 */
export function intToSingle(
  w: Int32Array,
  rs: number,
  kind: number,
  rm: number,
  regs: FloatRegisterFile,
  rd: number,
  sink: FlagSink,
): void {
  let hi: number;
  let lo: number;
  if (kind === INT_W || kind === INT_WU) {
    hi = kind === INT_WU ? w[2 * rs] >>> 0 : w[2 * rs];
    lo = 0;
  } else {
    const H = (kind === INT_LU ? w[2 * rs + 1] >>> 0 : w[2 * rs + 1]) * TWO32;
    const L = w[2 * rs] >>> 0;
    hi = H + L;
    const bb = hi - H;
    lo = H - (hi - bb) + (L - bb);
  }
  regs.i32[2 * rd + 1] = -1;
  if (hi === 0) {
    regs.f32[2 * rd] = 0; // exact +0 (lo is 0 too: hi = 0 only for an exact zero sum)
    return;
  }
  ARGS[0] = hi;
  ARGS[1] = lo;
  // |hi| is in [1, 2^64], always inside roundS's range.
  if (roundS(regs.f32, 2 * rd, rm) === S_INEXACT) sink.fflags |= FLAG_NX;
}
