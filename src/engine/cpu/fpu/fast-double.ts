// Fast paths for double-precision arithmetic on host doubles.
//
// Each function reads its operands from the register file, and either writes the correctly
// rounded result (raising NX when inexact) and returns true, or changes nothing and returns
// false, in which case the caller runs the exact soft path. They accept only operands and results
// well inside the normal range, where the error-free transformations below are exact:
//
//  - TwoSum (Knuth): s = a + b, t = (a - (s - bb)) + (b - bb) with bb = s - a gives a + b = s + t
//    exactly, barring overflow.
//  - TwoProduct (Dekker, with Veltkamp splitting by 2^27 + 1 since the host has no FMA):
//    a * b = p + e exactly when the split does not overflow (|a|, |b| <= 2^995) and the partial
//    products do not underflow (exponent(a) + exponent(b) >= -970, implied by |p| >= 2^-960).
//  - The residual of a correctly rounded quotient q = a / b, r = a - q * b, and of a root
//    s = sqrt(a), r = a - s * s, is representable (Boldo & Daumas, "Representable correcting
//    terms for possibly underflowing floating point operations") and is computed exactly from the
//    TwoProduct of q * b: a - p is exact by Sterbenz's lemma, and (a - p) - e rounds to the exact
//    representable r. Its sign is the direction of the rounding error.
//
// None of this allocates: only local doubles and preallocated typed arrays.

import { FLAG_NX, RM_RNE } from './fp-ops.js';
import { roundDirectedD, roundNearD } from './fast-round.js';
import { FlagSink } from './soft-format.js';

/** Veltkamp splitting constant 2^27 + 1. */
const SPLIT = 134217729;
/** Results must lie in [LO, HI] so that neighbours and half-gaps are normal and finite. */
const LO = 2 ** -960;
const HI = 2 ** 1000;
/** Bound for operands of a TwoProduct (the split multiplies by about 2^27). */
const SPLIT_MAX = 2 ** 995;
const NORMAL_MIN = 2 ** -1022;
/** Bound for addends of a TwoSum (keeps its intermediate values finite). */
const SUM_MAX = 2 ** 1020;

/** Whether x is normal and small enough for Veltkamp splitting (subnormals are left to the soft path). */
function splittable(x: number): boolean {
  const ax = Math.abs(x);
  return ax >= NORMAL_MIN && ax <= SPLIT_MAX;
}

/** The error of p = fl(a * b): a * b - p, exactly (preconditions above). */
export function twoProductErr(a: number, b: number, p: number): number {
  const ca = SPLIT * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = SPLIT * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  // Shewchuk's ordering: each step is exact.
  const e1 = p - ah * bh;
  const e2 = e1 - al * bh;
  const e3 = e2 - ah * bl;
  return al * bl - e3;
}

/** Finishes an inexact result z with exact error t (a double): rounds per rm, raises NX. */
function finishSum(f: Float64Array, rd: number, z: number, t: number, rm: number, sink: FlagSink): boolean {
  if (rm === RM_RNE) {
    f[rd] = z; // the host already rounded to nearest even
  } else {
    const v = roundNearD(z, t, 0, rm);
    if (v !== v) return false;
    f[rd] = v;
  }
  sink.fflags |= FLAG_NX;
  return true;
}

/** fadd.d / fsub.d (sub negates rs2). */
export function addD(
  f: Float64Array,
  rd: number,
  rs1: number,
  rs2: number,
  sub: boolean,
  rm: number,
  sink: FlagSink,
): boolean {
  const a = f[rs1];
  const b = sub ? -f[rs2] : f[rs2];
  const s = a + b;
  const as = Math.abs(s);
  if (!(as >= LO && as <= HI && Math.abs(a) <= SUM_MAX)) return false;
  const bb = s - a;
  const t = a - (s - bb) + (b - bb);
  if (t === 0) {
    f[rd] = s;
    return true;
  }
  return finishSum(f, rd, s, t, rm, sink);
}

export function mulD(
  f: Float64Array,
  rd: number,
  rs1: number,
  rs2: number,
  rm: number,
  sink: FlagSink,
): boolean {
  const a = f[rs1];
  const b = f[rs2];
  const p = a * b;
  const ap = Math.abs(p);
  if (!(ap >= LO && ap <= HI && splittable(a) && splittable(b))) return false;
  const e = twoProductErr(a, b, p);
  if (e === 0) {
    f[rd] = p;
    return true;
  }
  return finishSum(f, rd, p, e, rm, sink);
}

export function divD(
  f: Float64Array,
  rd: number,
  rs1: number,
  rs2: number,
  rm: number,
  sink: FlagSink,
): boolean {
  const a = f[rs1];
  const b = f[rs2];
  const q = a / b;
  const aq = Math.abs(q);
  const aa = Math.abs(a);
  const ab = Math.abs(b);
  if (!(aa >= LO && aa <= HI && aq >= LO && aq <= SPLIT_MAX && ab >= LO && ab <= SPLIT_MAX)) return false;
  const p = q * b;
  const r = a - p - twoProductErr(q, b, p);
  if (r === 0) {
    f[rd] = q;
    return true;
  }
  // Exact quotients are never midpoints, so RNE and RMM both keep q.
  f[rd] = rm === RM_RNE ? q : roundDirectedD(q, r > 0 === b > 0 ? 1 : -1, rm);
  sink.fflags |= FLAG_NX;
  return true;
}

export function sqrtD(f: Float64Array, rd: number, rs1: number, rm: number, sink: FlagSink): boolean {
  const a = f[rs1];
  if (!(a >= LO && a <= HI)) return false; // also rejects NaN, zero and negative operands
  // Engines compute Math.sqrt with the hardware's correctly rounded square root; the randomized
  // differential test against the soft path checks this assumption.
  const s = Math.sqrt(a);
  const p = s * s;
  const r = a - p - twoProductErr(s, s, p);
  if (r === 0) {
    f[rd] = s;
    return true;
  }
  f[rd] = rm === RM_RNE ? s : roundDirectedD(s, r > 0 ? 1 : -1, rm);
  sink.fflags |= FLAG_NX;
  return true;
}

/**
 * fmadd.d family: (negProd ? -1 : 1) * a * b + (negC ? -1 : 1) * c, correctly rounded.
 *
 * The exact value a*b + c is expanded without error into z + e + w:
 *   a*b = ph + pl (TwoProduct), ph + c = s + t, t + pl = u + w, s + u = z + e (TwoSums).
 * z = fl(s + u) is usually, but not always, the nearest double to the exact value (w can push a
 * tie or near-tie either way), so e + w is renormalized by one more TwoSum into (E, Eerr) and
 * roundNearD locates the exact value against z, its neighbour and their midpoint, falling back to
 * the soft path if the exact value is not within one gap of z.
 */
export function fmaD(
  f: Float64Array,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  negProd: boolean,
  negC: boolean,
  rm: number,
  sink: FlagSink,
): boolean {
  const a = negProd ? -f[rs1] : f[rs1];
  const b = f[rs2];
  const c = negC ? -f[rs3] : f[rs3];
  const ph = a * b;
  const ap = Math.abs(ph);
  if (!(ap >= LO && ap <= HI && splittable(a) && splittable(b) && Math.abs(c) <= HI)) return false;
  const pl = twoProductErr(a, b, ph);
  const s = ph + c;
  let bb = s - ph;
  const t = ph - (s - bb) + (c - bb);
  const u = t + pl;
  bb = u - t;
  const w = t - (u - bb) + (pl - bb);
  const z = s + u;
  const az = Math.abs(z);
  if (!(az >= LO && az <= HI)) return false;
  bb = z - s;
  const e = s - (z - bb) + (u - bb);
  const E = e + w;
  bb = E - e;
  const Eerr = e - (E - bb) + (w - bb);
  if (E === 0) {
    // e + w = 0 exactly (a rounded sum is zero only when the exact sum is).
    f[rd] = z;
    return true;
  }
  const v = roundNearD(z, E, Eerr, rm);
  if (v !== v) return false;
  f[rd] = v;
  sink.fflags |= FLAG_NX;
  return true;
}
