// Rounding helpers for the host-double fast paths.
//
// The host computes every double operation in round-to-nearest-even. The fast paths obtain that
// result z together with the exact error (exact = z + error, from error-free transformations:
// TwoSum, Dekker's TwoProduct, exact residuals of division and square root). These helpers turn
// (z, error) into the correctly rounded result in any RISC-V rounding mode by locating the exact
// value between two adjacent representable numbers and relative to their midpoint.
//
// Everything here assumes the caller checked that the values lie well inside the normal range
// (no overflow, no tininess), and nothing here allocates: scratch typed arrays are preallocated
// and all values stay in local doubles.
//
// V8 notes (measured with --trace-gc on Node 20), which shape this code:
//  - A function returning either a computed double or the NaN literal gets a boxed return value,
//    so each call allocates a heap number even when inlined; a NaN loaded from a typed array
//    does not have that effect (NAN_SLOT).
//  - A call that TurboFan does not inline passes and returns doubles boxed. Inlining stops when a
//    function's cumulative budget runs out, so each helper here calls nextD/nextS and pick only
//    once, keeping the inlined code small.

import { RM_RDN, RM_RNE, RM_RTZ, RM_RUP } from './fp-ops.js';

const NAN_SLOT = new Float64Array([NaN]);

/** NaN, in a form that keeps the caller's double values unboxed (see the V8 notes above). */
export function fastNaN(): number {
  return NAN_SLOT[0];
}

const SD = new Float64Array(1);
const SDW = new Uint32Array(SD.buffer); // [low word, high word] on little-endian hosts
const SS = new Float32Array(1);
const SSW = new Uint32Array(SS.buffer);

/**
 * The double adjacent to the finite nonzero double z in direction dir (> 0 up, < 0 down).
 * Works on the bit pattern: moving away from zero increments the magnitude, toward zero
 * decrements it (the caller keeps z away from zero and from the largest finite value).
 */
export function nextD(z: number, dir: number): number {
  SD[0] = z;
  const lo = SDW[0];
  if (z > 0 === dir > 0) {
    if (lo === 0xffffffff) {
      SDW[0] = 0;
      SDW[1]++;
    } else SDW[0] = lo + 1;
  } else if (lo === 0) {
    SDW[0] = 0xffffffff;
    SDW[1]--;
  } else SDW[0] = lo - 1;
  return SD[0];
}

/** The single adjacent to the nonzero normal single v (held in a double) in direction dir. */
export function nextS(v: number, dir: number): number {
  SS[0] = v;
  if (v > 0 === dir > 0) SSW[0]++;
  else SSW[0]--;
  return SS[0];
}

/**
 * Chooses between adjacent representable numbers lower < upper (same sign, both nonzero) that
 * bracket an inexact exact value; `where` is < 0, 0 or > 0 as the exact value lies below, at or
 * above their midpoint. lowerEven (whether lower's significand is even) matters only for RNE
 * ties.
 */
function pick(lower: number, upper: number, where: number, rm: number, lowerEven: boolean): number {
  switch (rm) {
    case RM_RNE:
      return where < 0 ? lower : where > 0 ? upper : lowerEven ? lower : upper;
    case RM_RTZ:
      return lower > 0 ? lower : upper;
    case RM_RDN:
      return lower;
    case RM_RUP:
      return upper;
    default: // RMM: ties away from zero
      return where < 0 ? lower : where > 0 ? upper : lower > 0 ? upper : lower;
  }
}

/**
 * Correct rounding of exact = z + f + ferr to double, where z is a double in the safe normal
 * range, f != 0, and f + ferr is a non-overlapping pair (|ferr| <= ulp(f)/2, as TwoSum yields).
 * z need not be the nearest double, but the exact value must lie strictly between z and its
 * neighbour in the direction of f; if it does not, returns NaN and the caller must fall back to
 * the exact path. The result is always inexact (the caller raises NX on success).
 */
export function roundNearD(z: number, f: number, ferr: number, rm: number): number {
  const dir = f > 0 ? 1 : -1;
  const n = nextD(z, dir);
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
    if (!inside) return NAN_SLOT[0];
  }
  const lower = dir > 0 ? z : n;
  const where = cmp * dir;
  let even = true;
  if (where === 0) {
    SD[0] = lower;
    even = (SDW[0] & 1) === 0;
  }
  return pick(lower, dir > 0 ? n : z, where, rm, even);
}

/**
 * Directed rounding when z is the correctly rounded nearest double and the exact value is not
 * a midpoint (division, square root: their exact results are never midpoints); dir is the sign
 * of exact - z. RNE and RMM keep z.
 */
export function roundDirectedD(z: number, dir: number, rm: number): number {
  switch (rm) {
    case RM_RTZ:
      return z > 0 === dir > 0 ? z : nextD(z, dir);
    case RM_RDN:
      return dir < 0 ? nextD(z, -1) : z;
    case RM_RUP:
      return dir > 0 ? nextD(z, 1) : z;
    default:
      return z;
  }
}

/** The safe range for single results: no tininess (>= 2^-125) and no overflow (< 2^127). */
const S_MIN = 2 ** -125;
const S_MAX = 2 ** 127;

/**
 * Correct rounding of exact = hi + lo to single precision, with |lo| <= ulp53(hi)/2 (hi, lo from
 * TwoSum, or lo = 0 when hi is exact). Returns NaN when hi is outside the safe single range (the
 * caller falls back to the soft path); otherwise the result. inexactS tells whether to raise NX.
 *
 * Why this is exact: r = fround(hi) is hi rounded to nearest single; d = hi - r is exact. hi and r
 * are multiples of ulp53(hi), so |d| is either exactly half a single gap (hi is a midpoint) or at
 * least ulp53(hi) short of it, which |lo| cannot bridge. So lo only matters when d = 0 (it gives
 * the direction) or at a midpoint (it breaks the tie).
 */
export function roundS(hi: number, lo: number, rm: number): number {
  const ah = Math.abs(hi);
  if (!(ah >= S_MIN && ah < S_MAX)) return NAN_SLOT[0];
  const r = Math.fround(hi);
  const d = hi - r;
  if (d === 0 && lo === 0) return r;
  // Direction of the exact value from r: d's sign, or lo's when hi is itself a single.
  const dir = d > 0 || (d === 0 && lo > 0) ? 1 : -1;
  const n = nextS(r, dir);
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
  return pick(lower, dir > 0 ? n : r, where, rm, even);
}

/** Whether roundS(hi, lo, ...) was inexact (call only when roundS did not return NaN). */
export function inexactS(hi: number, lo: number): boolean {
  return lo !== 0 || Math.fround(hi) !== hi;
}

/** Directed rounding of the nearest single r when the exact value is not a midpoint. */
export function roundDirectedS(r: number, dir: number, rm: number): number {
  switch (rm) {
    case RM_RTZ:
      return r > 0 === dir > 0 ? r : nextS(r, dir);
    case RM_RDN:
      return dir < 0 ? nextS(r, -1) : r;
    case RM_RUP:
      return dir > 0 ? nextS(r, 1) : r;
    default:
      return r;
  }
}
