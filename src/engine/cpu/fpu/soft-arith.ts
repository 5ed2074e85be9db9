// Exact floating point, part 3: add, multiply, fused multiply-add, divide, square root.
//
// Each takes unpacked operands of one format and returns the result's bits in that format,
// computing the exact mathematical result with BigInt and rounding once (soft-round.ts).
// Special operands follow IEEE 754-2008 section 6/7 with the RISC-V choices: every NaN result
// is the canonical NaN (spec 20.3), and a signaling NaN operand raises NV.

import { FLAG_DZ, FLAG_NV, RM_RDN } from './fp-ops.js';
import {
  CLS_INF,
  CLS_SNAN,
  CLS_ZERO,
  FlagSink,
  FloatFormat,
  Unpacked,
  bitLength,
  isNaNCls,
  packInf,
  packZero,
} from './soft-format.js';
import { roundPack } from './soft-round.js';

/** The canonical NaN, raising NV if any operand is a signaling NaN. */
function nanResult(fmt: FloatFormat, sink: FlagSink, a: Unpacked, b?: Unpacked, c?: Unpacked): bigint {
  if (a.cls === CLS_SNAN || b?.cls === CLS_SNAN || c?.cls === CLS_SNAN) sink.fflags |= FLAG_NV;
  return fmt.canonicalNaN;
}

function invalid(fmt: FloatFormat, sink: FlagSink): bigint {
  sink.fflags |= FLAG_NV;
  return fmt.canonicalNaN;
}

/**
 * The sign of an exact zero sum of two operands of signs sa and sb: their common sign if they
 * agree, otherwise +0, except -0 when rounding down (IEEE 754-2008 6.3).
 */
function zeroSumSign(sa: number, sb: number, rm: number): number {
  if (sa === sb) return sa;
  return rm === RM_RDN ? 1 : 0;
}

/** Rounds the exact sum (-1)^sa*A*2^ea + (-1)^sb*B*2^eb of two nonzero finite terms. */
function exactSum(
  fmt: FloatFormat,
  sa: number,
  A: bigint,
  ea: number,
  sb: number,
  B: bigint,
  eb: number,
  rm: number,
  sink: FlagSink,
): bigint {
  const e = Math.min(ea, eb);
  const x = A << BigInt(ea - e);
  const y = B << BigInt(eb - e);
  const sum = (sa ? -x : x) + (sb ? -y : y);
  if (sum === 0n) return packZero(fmt, rm === RM_RDN ? 1 : 0);
  return sum < 0n ? roundPack(fmt, 1, -sum, e, false, rm, sink) : roundPack(fmt, 0, sum, e, false, rm, sink);
}

/** a + b; for subtraction the caller flips b's sign (flipping a NaN's sign is harmless). */
export function softAdd(fmt: FloatFormat, a: Unpacked, b: Unpacked, rm: number, sink: FlagSink): bigint {
  if (isNaNCls(a.cls) || isNaNCls(b.cls)) return nanResult(fmt, sink, a, b);
  if (a.cls === CLS_INF) {
    if (b.cls === CLS_INF && a.sign !== b.sign) return invalid(fmt, sink); // inf - inf
    return packInf(fmt, a.sign);
  }
  if (b.cls === CLS_INF) return packInf(fmt, b.sign);
  if (a.cls === CLS_ZERO) {
    if (b.cls === CLS_ZERO) return packZero(fmt, zeroSumSign(a.sign, b.sign, rm));
    return roundPack(fmt, b.sign, b.sig, b.exp, false, rm, sink); // exact: b is representable
  }
  if (b.cls === CLS_ZERO) return roundPack(fmt, a.sign, a.sig, a.exp, false, rm, sink);
  return exactSum(fmt, a.sign, a.sig, a.exp, b.sign, b.sig, b.exp, rm, sink);
}

export function softMul(fmt: FloatFormat, a: Unpacked, b: Unpacked, rm: number, sink: FlagSink): bigint {
  if (isNaNCls(a.cls) || isNaNCls(b.cls)) return nanResult(fmt, sink, a, b);
  const sign = a.sign ^ b.sign;
  if (a.cls === CLS_INF || b.cls === CLS_INF) {
    if (a.cls === CLS_ZERO || b.cls === CLS_ZERO) return invalid(fmt, sink); // inf * 0
    return packInf(fmt, sign);
  }
  if (a.cls === CLS_ZERO || b.cls === CLS_ZERO) return packZero(fmt, sign);
  return roundPack(fmt, sign, a.sig * b.sig, a.exp + b.exp, false, rm, sink);
}

/**
 * (-1)^negProd * (a * b) + (-1)^negC * c with a single rounding. The RISC-V negated forms negate
 * the product and/or the addend, not the sum (spec 20.6 FNMSUB/FNMADD), which matters only for
 * the sign of an exact zero result.
 */
export function softFma(
  fmt: FloatFormat,
  a: Unpacked,
  b: Unpacked,
  c: Unpacked,
  negProd: boolean,
  negC: boolean,
  rm: number,
  sink: FlagSink,
): bigint {
  const infTimesZero = (a.cls === CLS_INF && b.cls === CLS_ZERO) || (a.cls === CLS_ZERO && b.cls === CLS_INF);
  if (isNaNCls(a.cls) || isNaNCls(b.cls) || isNaNCls(c.cls)) {
    // Spec 20.6: inf * 0 raises NV even when the addend is a quiet NaN.
    if (infTimesZero) sink.fflags |= FLAG_NV;
    return nanResult(fmt, sink, a, b, c);
  }
  if (infTimesZero) return invalid(fmt, sink);
  const ps = a.sign ^ b.sign ^ (negProd ? 1 : 0);
  const cs = c.sign ^ (negC ? 1 : 0);
  if (a.cls === CLS_INF || b.cls === CLS_INF) {
    if (c.cls === CLS_INF && cs !== ps) return invalid(fmt, sink); // inf - inf
    return packInf(fmt, ps);
  }
  if (c.cls === CLS_INF) return packInf(fmt, cs);
  if (a.cls === CLS_ZERO || b.cls === CLS_ZERO) {
    // The product is an exact zero of sign ps.
    if (c.cls === CLS_ZERO) return packZero(fmt, zeroSumSign(ps, cs, rm));
    return roundPack(fmt, cs, c.sig, c.exp, false, rm, sink);
  }
  const P = a.sig * b.sig;
  const ep = a.exp + b.exp;
  if (c.cls === CLS_ZERO) return roundPack(fmt, ps, P, ep, false, rm, sink);
  return exactSum(fmt, ps, P, ep, cs, c.sig, c.exp, rm, sink);
}

export function softDiv(fmt: FloatFormat, a: Unpacked, b: Unpacked, rm: number, sink: FlagSink): bigint {
  if (isNaNCls(a.cls) || isNaNCls(b.cls)) return nanResult(fmt, sink, a, b);
  const sign = a.sign ^ b.sign;
  if (a.cls === CLS_INF) {
    if (b.cls === CLS_INF) return invalid(fmt, sink); // inf / inf
    return packInf(fmt, sign);
  }
  if (b.cls === CLS_INF) return packZero(fmt, sign);
  if (b.cls === CLS_ZERO) {
    if (a.cls === CLS_ZERO) return invalid(fmt, sink); // 0 / 0
    sink.fflags |= FLAG_DZ; // finite nonzero / 0 (IEEE 754-2008 7.3)
    return packInf(fmt, sign);
  }
  if (a.cls === CLS_ZERO) return packZero(fmt, sign);
  // Scale the dividend so the integer quotient carries at least precision + 2 bits; the
  // remainder then only acts as a sticky bit below the rounding point.
  const k = Math.max(0, fmt.precision + 2 + bitLength(b.sig) - bitLength(a.sig));
  const num = a.sig << BigInt(k);
  const q = num / b.sig;
  const rem = num - q * b.sig;
  return roundPack(fmt, sign, q, a.exp - b.exp - k, rem !== 0n, rm, sink);
}

/** Floor of the square root of n >= 0 (Newton's iteration from above). */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1); // > sqrt(n)
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function softSqrt(fmt: FloatFormat, a: Unpacked, rm: number, sink: FlagSink): bigint {
  if (isNaNCls(a.cls)) return nanResult(fmt, sink, a);
  if (a.cls === CLS_ZERO) return packZero(fmt, a.sign); // sqrt(-0) = -0
  if (a.sign) return invalid(fmt, sink); // negative nonzero, including -inf
  if (a.cls === CLS_INF) return packInf(fmt, 0);
  // Make the exponent even and the radicand wide enough that the root has precision + 2 bits.
  let k = Math.max(0, 2 * (fmt.precision + 2) - bitLength(a.sig));
  if (((a.exp - k) & 1) !== 0) k++;
  const m = a.sig << BigInt(k);
  const r = isqrt(m);
  return roundPack(fmt, 0, r, (a.exp - k) / 2, r * r !== m, rm, sink);
}
