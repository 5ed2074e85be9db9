// Rounding helpers for the host-double fast paths.
//
// The host computes every double operation in round-to-nearest-even. The fast paths obtain that
// result z together with the exact error (exact = z + error, from error-free transformations:
// TwoSum, Dekker's TwoProduct, exact residuals of division and square root). These helpers turn
// (z, error) into the correctly rounded result in any RISC-V rounding mode by locating the exact
// value between two adjacent representable numbers and relative to their midpoint.
//
// Everything here assumes the caller checked that the values lie well inside the normal range
// (no overflow, no tininess).
//
// Allocation-free by construction. In V8 a double passed to or returned from a call that
// TurboFan does not inline is boxed into a heap number, and whether a call is inlined depends on
// budgets and on what else is hot; measured with --trace-gc, the fast paths allocated whenever
// these helpers took doubles. So no function on a fast path takes or returns a double: values
// travel through the preallocated typed arrays below (ARGS in, the destination register out),
// and the helpers take and return only small integers and booleans.

import { RM_RDN, RM_RNE, RM_RTZ, RM_RUP } from './fp-ops.js';

/**
 * Argument slots for the rounding helpers: [0] the candidate result (z or hi), [1] the error
 * (f or lo), [2] the error's own error (ferr).
 */
export const ARGS = new Float64Array(3);

/** A NaN to return where a double-returning function needs one (see fastNaN). */
const NAN_SLOT = new Float64Array([NaN]);

/**
 * NaN, for code that produces doubles. Not the literal: a function returning either a computed
 * double or the NaN constant gets a boxed return value in V8 (Node 20), even when inlined.
 */
export function fastNaN(): number {
  return NAN_SLOT[0];
}

const SD = new Float64Array(1);
const SDW = new Uint32Array(SD.buffer); // [low word, high word] on little-endian hosts
const SS = new Float32Array(1);
const SSW = new Uint32Array(SS.buffer);

/**
 * Moves SD[0], a finite nonzero double, to its neighbour in direction dir (> 0 up, < 0 down),
 * in place. On the bit pattern, moving away from zero increments the magnitude and moving toward
 * zero decrements it (callers keep the value away from zero and from the largest finite value).
 */
function stepD(dir: number): void {
  const lo = SDW[0];
  if (SDW[1] >>> 31 === (dir > 0 ? 0 : 1)) {
    if (lo === 0xffffffff) {
      SDW[0] = 0;
      SDW[1]++;
    } else SDW[0] = lo + 1;
  } else if (lo === 0) {
    SDW[0] = 0xffffffff;
    SDW[1]--;
  } else SDW[0] = lo - 1;
}

/** Moves SS[0], a nonzero normal single, to its neighbour in direction dir, in place. */
function stepS(dir: number): void {
  if (SSW[0] >>> 31 === (dir > 0 ? 0 : 1)) SSW[0]++;
  else SSW[0]--;
}

/**
 * Chooses between adjacent representable numbers lower < upper (same sign, nonzero) that
 * bracket an inexact exact value; returns 0 for lower, 1 for upper. `where` is < 0, 0 or > 0 as
 * the exact value lies below, at or above their midpoint; lowerEven (whether lower's significand
 * is even) matters only for RNE ties.
 */
function choose(where: number, rm: number, positive: boolean, lowerEven: boolean): number {
  switch (rm) {
    case RM_RNE:
      return where < 0 ? 0 : where > 0 ? 1 : lowerEven ? 0 : 1;
    case RM_RTZ:
      return positive ? 0 : 1;
    case RM_RDN:
      return 0;
    case RM_RUP:
      return 1;
    default: // RMM: ties away from zero
      return where < 0 ? 0 : where > 0 ? 1 : positive ? 1 : 0;
  }
}

/**
 * Correct rounding to double of exact = z + f + ferr, with (z, f, ferr) in ARGS[0..2]: z a
 * double in the safe normal range, f != 0, and f + ferr a non-overlapping pair (|ferr| <=
 * ulp(f)/2, as TwoSum yields). z need not be the nearest double, but the exact value must lie
 * strictly between z and its neighbour in the direction of f. Writes the result to dst[di] and
 * returns true, or returns false (writing nothing) if the exact value is not so bracketed. The
 * result is always inexact; the caller raises NX.
 */
export function roundNearD(dst: Float64Array, di: number, rm: number): boolean {
  const z = ARGS[0];
  const f = ARGS[1];
  const ferr = ARGS[2];
  const dir = f > 0 ? 1 : -1;
  SD[0] = z;
  stepD(dir);
  const n = SD[0];
  const g = n - z; // exact: adjacent doubles; a power of two
  const h = g * 0.5;
  // Compare |f + ferr| with |h|. When f != h, the comparison of f alone decides: h is a power of
  // two and f is at least an ulp of f (or of h) away from it, more than |ferr|.
  let cmp: number;
  if (f === h) cmp = ferr === 0 ? 0 : ferr > 0 === dir > 0 ? 1 : -1;
  else cmp = Math.abs(f) < Math.abs(h) ? -1 : 1;
  if (cmp > 0) {
    // Beyond the midpoint: the exact value must still be short of n.
    const inside = f === g ? ferr !== 0 && ferr > 0 !== dir > 0 : Math.abs(f) < Math.abs(g);
    if (!inside) return false;
  }
  const lower = dir > 0 ? z : n;
  const where = cmp * dir;
  let even = true;
  if (where === 0) {
    SD[0] = lower;
    even = (SDW[0] & 1) === 0;
  }
  dst[di] = choose(where, rm, z > 0, even) === 0 ? lower : dir > 0 ? n : z;
  return true;
}

/**
 * Directed rounding of z = ARGS[0], the correctly rounded nearest double, when the exact value
 * is not a midpoint (quotients and square roots never are); dir is the sign of exact - z.
 * RNE and RMM keep z. Writes dst[di].
 */
export function roundDirectedD(dst: Float64Array, di: number, dir: number, rm: number): void {
  const z = ARGS[0];
  SD[0] = z;
  if ((rm === RM_RTZ && z > 0 !== dir > 0) || (rm === RM_RDN && dir < 0) || (rm === RM_RUP && dir > 0)) {
    stepD(dir);
  }
  dst[di] = SD[0];
}

/** The safe range for single results: no tininess (>= 2^-125) and no overflow (< 2^127). */
const S_MIN = 2 ** -125;
const S_MAX = 2 ** 127;

/** roundS results. */
export const S_DECLINED = 0;
export const S_EXACT = 1;
export const S_INEXACT = 2;

/**
 * Correct rounding to single of exact = hi + lo, with (hi, lo) in ARGS[0..1] and |lo| <=
 * ulp53(hi)/2 (a TwoSum pair, or lo = 0 when hi is exact). Writes the result to dst[di] (the
 * caller writes the NaN box) and returns S_EXACT or S_INEXACT; returns S_DECLINED, writing
 * nothing, when hi is outside the safe single range.
 *
 * Why this is exact: r = fround(hi) is hi rounded to nearest single; d = hi - r is exact. hi and r
 * are multiples of ulp53(hi), so |d| is either exactly half a single gap (hi is a midpoint) or at
 * least ulp53(hi) short of it, which |lo| cannot bridge. So lo only matters when d = 0 (it gives
 * the direction) or at a midpoint (it breaks the tie).
 */
export function roundS(dst: Float32Array, di: number, rm: number): number {
  const hi = ARGS[0];
  const lo = ARGS[1];
  const ah = Math.abs(hi);
  if (!(ah >= S_MIN && ah < S_MAX)) return S_DECLINED;
  const r = Math.fround(hi);
  const d = hi - r;
  if (d === 0 && lo === 0) {
    dst[di] = r;
    return S_EXACT;
  }
  // Direction of the exact value from r: d's sign, or lo's when hi is itself a single.
  const dir = d > 0 || (d === 0 && lo > 0) ? 1 : -1;
  SS[0] = r;
  stepS(dir);
  const n = SS[0];
  let where: number;
  if (d === 0) {
    where = -dir; // just off r: on r's side of the midpoint
  } else {
    const h = (n - r) * 0.5;
    const cmp = d !== h ? -1 : lo === 0 ? 0 : lo > 0 === dir > 0 ? 1 : -1;
    where = cmp * dir;
  }
  const lower = dir > 0 ? r : n;
  let even = true;
  if (where === 0) {
    SS[0] = lower;
    even = (SSW[0] & 1) === 0;
  }
  dst[di] = choose(where, rm, r > 0, even) === 0 ? lower : dir > 0 ? n : r;
  return S_INEXACT;
}

/**
 * Directed rounding of r = ARGS[0], the correctly rounded nearest single (a normal number),
 * when the exact value is not a midpoint; dir is the sign of exact - r. Writes dst[di].
 */
export function roundDirectedS(dst: Float32Array, di: number, dir: number, rm: number): void {
  const r = ARGS[0];
  SS[0] = r;
  if ((rm === RM_RTZ && r > 0 !== dir > 0) || (rm === RM_RDN && dir < 0) || (rm === RM_RUP && dir > 0)) {
    stepS(dir);
  }
  dst[di] = SS[0];
}
