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
//    a * b = p + e exactly when a and b are normal, the split does not overflow (|a|, |b| <=
//    2^995) and the partial products do not underflow (exponent(a) + exponent(b) >= -970,
//    implied by |p| >= 2^-960).
//  - The residual of a correctly rounded quotient q = a / b, r = a - q * b, and of a root
//    s = sqrt(a), r = a - s * s, is representable (Boldo & Daumas, "Representable correcting
//    terms for possibly underflowing floating point operations") and is computed exactly from the
//    TwoProduct of q * b: a - p is exact by Sterbenz's lemma, and (a - p) - e rounds to the exact
//    representable r. Its sign is the direction of the rounding error.
//
// No allocation: only local doubles, and no double crosses a call (see fast-round.ts). That is
// also why TwoProduct is written out in each function instead of being a helper.

import { FLAG_NX, RM_RNE } from './fp-ops.js';
import { ARGS, roundDirectedD, roundNearD } from './fast-round.js';
import { FlagSink } from './soft-format.js';

/** Veltkamp splitting constant 2^27 + 1. */
const SPLIT = 134217729;
/** Results must lie in [LO, HI] so that neighbours and half-gaps are normal and finite. */
const LO = 2 ** -960;
const HI = 2 ** 1000;
/** TwoProduct operands must be normal and at most SPLIT_MAX (the split multiplies by ~2^27). */
const NORMAL_MIN = 2 ** -1022;
const SPLIT_MAX = 2 ** 995;
/** Bound for addends of a TwoSum (keeps its intermediate values finite). */
const SUM_MAX = 2 ** 1020;

/** Scratch for building a power of two from z's exponent (fmaD). */
const Q = new Float64Array(1);
const QW = new Uint32Array(Q.buffer);

/** Finishes an inexact sum or product z with exact error t: rounds per rm, raises NX. */
function finishInexact(f: Float64Array, rd: number, rm: number, sink: FlagSink): boolean {
  // ARGS[0] = z, ARGS[1] = t, ARGS[2] = 0.
  if (rm === RM_RNE)
    f[rd] = ARGS[0]; // the host already rounded to nearest even
  else if (!roundNearD(f, rd, rm)) return false;
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
  ARGS[0] = s;
  ARGS[1] = t;
  ARGS[2] = 0;
  return finishInexact(f, rd, rm, sink);
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
  const aa = Math.abs(a);
  const ab = Math.abs(b);
  if (!(ap >= LO && ap <= HI && aa >= NORMAL_MIN && aa <= SPLIT_MAX && ab >= NORMAL_MIN && ab <= SPLIT_MAX)) {
    return false;
  }
  // TwoProduct: e = a * b - p (Shewchuk's ordering; every step is exact).
  let c = SPLIT * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b);
  const bl = b - bh;
  const e = al * bl - (p - ah * bh - al * bh - ah * bl);
  if (e === 0) {
    f[rd] = p;
    return true;
  }
  ARGS[0] = p;
  ARGS[1] = e;
  ARGS[2] = 0;
  return finishInexact(f, rd, rm, sink);
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
  // TwoProduct of q * b, then the residual r = a - q * b exactly.
  const p = q * b;
  let c = SPLIT * q;
  const qh = c - (c - q);
  const ql = q - qh;
  c = SPLIT * b;
  const bh = c - (c - b);
  const bl = b - bh;
  const e = ql * bl - (p - qh * bh - ql * bh - qh * bl);
  const r = a - p - e;
  if (r === 0) {
    f[rd] = q;
    return true;
  }
  // Exact quotients are never midpoints, so RNE and RMM both keep q.
  if (rm === RM_RNE) f[rd] = q;
  else {
    ARGS[0] = q;
    roundDirectedD(f, rd, r > 0 === b > 0 ? 1 : -1, rm);
  }
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
  const c = SPLIT * s;
  const sh = c - (c - s);
  const sl = s - sh;
  const e = sl * sl - (p - sh * sh - sl * sh - sh * sl);
  const r = a - p - e;
  if (r === 0) {
    f[rd] = s;
    return true;
  }
  if (rm === RM_RNE) f[rd] = s;
  else {
    ARGS[0] = s;
    roundDirectedD(f, rd, r > 0 ? 1 : -1, rm);
  }
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
 * roundNearD locates the exact value against z, its neighbour and their midpoint, declining if
 * the exact value is not within one gap of z.
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
  const aa = Math.abs(a);
  const ab = Math.abs(b);
  if (!(
    ap >= LO &&
    ap <= HI &&
    aa >= NORMAL_MIN &&
    aa <= SPLIT_MAX &&
    ab >= NORMAL_MIN &&
    ab <= SPLIT_MAX &&
    Math.abs(c) <= HI
  )) {
    return false;
  }
  let k = SPLIT * a;
  const ah = k - (k - a);
  const al = a - ah;
  k = SPLIT * b;
  const bh = k - (k - b);
  const bl = b - bh;
  const pl = al * bl - (ph - ah * bh - al * bh - ah * bl);
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
  if (E === 0) {
    // e + w = 0 exactly (a rounded sum is zero only when the exact sum is).
    f[rd] = z;
    return true;
  }
  if (rm === RM_RNE) {
    // Quick acceptance: on either side of z, with 2^k <= |z| < 2^(k+1), the half-gap is at least
    // 2^(k-54); a double |E| below that leaves the exact value nearer to z than to either
    // neighbour (|Eerr| <= ulp(E)/2 cannot bridge the remaining ulp(E)).
    Q[0] = z;
    QW[1] = (QW[1] & 0x7ff00000) - (54 << 20); // |z| >= 2^-960 keeps this exponent positive
    QW[0] = 0;
    if (Math.abs(E) < Q[0]) {
      f[rd] = z;
      sink.fflags |= FLAG_NX;
      return true;
    }
  }
  bb = E - e;
  ARGS[0] = z;
  ARGS[1] = E;
  ARGS[2] = e - (E - bb) + (w - bb);
  if (!roundNearD(f, rd, rm)) return false;
  sink.fflags |= FLAG_NX;
  return true;
}
