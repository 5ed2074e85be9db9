// Exact floating point, part 2: the one place where an exact value is rounded to a format.
//
// Every soft operation produces its exact result as sign * (sig + sticky) * 2^exp, where
// "sticky" stands for a nonzero fraction strictly below the last bit of sig (the remainder of a
// division or square root). roundPack rounds that once, in any of the five rounding modes, and
// reports NX/UF/OF exactly as IEEE 754-2008 section 7 and the RISC-V F chapter require.

import { FLAG_NX, FLAG_OF, FLAG_UF, RM_RDN, RM_RMM, RM_RNE, RM_RUP } from './fp-ops.js';
import { FlagSink, FloatFormat, bitLength, packInf, packMaxFinite } from './soft-format.js';

/** Set by roundToQuantum: whether the value it rounded was not already a multiple of the quantum. */
export let roundInexact = false;

/**
 * Rounds |value| = (sig + sticky) * 2^exp to an integer multiple n of 2^q under rounding mode rm
 * for a value of the given sign, returning n (so the result is n * 2^q). With sticky set, the
 * caller guarantees q > exp, so the sticky fraction lies strictly inside the lowest dropped bit
 * and only breaks ties / marks inexactness.
 */
export function roundToQuantum(
  sig: bigint,
  exp: number,
  sticky: boolean,
  q: number,
  sign: number,
  rm: number,
): bigint {
  const shift = q - exp;
  if (shift <= 0) {
    // Nothing is dropped. (sticky cannot occur here by the caller's guarantee; treat it as a
    // fraction below half a quantum to stay total.)
    roundInexact = sticky;
    const n = sig << BigInt(-shift);
    if (sticky && ((rm === RM_RUP && sign === 0) || (rm === RM_RDN && sign === 1))) return n + 1n;
    return n;
  }
  const s = BigInt(shift);
  let n = sig >> s;
  const rem = sig & ((1n << s) - 1n);
  roundInexact = rem !== 0n || sticky;
  if (!roundInexact) return n;
  const half = 1n << (s - 1n);
  let up: boolean;
  switch (rm) {
    case RM_RNE:
      up = rem > half || (rem === half && (sticky || (n & 1n) === 1n));
      break;
    case RM_RMM:
      up = rem >= half;
      break;
    case RM_RDN:
      up = sign === 1;
      break;
    case RM_RUP:
      up = sign === 0;
      break;
    default: // RTZ
      up = false;
  }
  if (up) n += 1n;
  return n;
}

/** The result of an overflow under rm (IEEE 754-2008 7.4): infinity or the largest finite number. */
export function overflowResult(fmt: FloatFormat, sign: number, rm: number): bigint {
  const toInf =
    rm === RM_RNE || rm === RM_RMM || (rm === RM_RUP && sign === 0) || (rm === RM_RDN && sign === 1);
  return toInf ? packInf(fmt, sign) : packMaxFinite(fmt, sign);
}

/**
 * Rounds the exact nonzero value (-1)^sign * (sig + sticky) * 2^exp to fmt and returns its bits,
 * accumulating NX, UF and OF into sink. sig must be > 0; if sticky is set, sig must carry at
 * least precision + 1 bits so the sticky fraction sits below the rounding point.
 *
 * Tininess is detected after rounding (spec 20.4, "Subnormal Arithmetic"): the value is tiny if,
 * rounded to the format's precision with an unbounded exponent range, its magnitude is below
 * 2^emin. UF is raised only when the result is tiny AND inexact, which is the
 * IEEE default (non-trapping) underflow rule.
 */
export function roundPack(
  fmt: FloatFormat,
  sign: number,
  sig: bigint,
  exp: number,
  sticky: boolean,
  rm: number,
  sink: FlagSink,
): bigint {
  const p = fmt.precision;
  const top = exp + bitLength(sig) - 1; // exponent of the leading bit
  // Round to p significant bits ignoring the exponent range.
  let n = roundToQuantum(sig, exp, sticky, top - p + 1, sign, rm);
  let inexact = roundInexact;
  let e = top;
  if (n === 1n << BigInt(p)) {
    // Rounded up to the next power of two.
    n >>= 1n;
    e++;
  }
  const signBits = sign ? fmt.signBit : 0n;
  if (e > fmt.emax) {
    sink.fflags |= FLAG_OF | FLAG_NX;
    return overflowResult(fmt, sign, rm);
  }
  if (top >= fmt.emin) {
    if (inexact) sink.fflags |= FLAG_NX;
    return signBits | (BigInt(e + fmt.bias) << BigInt(fmt.mantBits)) | (n & fmt.mantMask);
  }
  // The exact value lies below 2^emin: round on the subnormal grid, quantum 2^(emin - p + 1).
  const tiny = e < fmt.emin;
  n = roundToQuantum(sig, exp, sticky, fmt.emin - p + 1, sign, rm);
  inexact = roundInexact;
  if (inexact) sink.fflags |= tiny ? FLAG_NX | FLAG_UF : FLAG_NX;
  // n <= 2^(p-1); n = 2^(p-1) (rounded up to the smallest normal) carries into the exponent
  // field by itself.
  return signBits | n;
}

/**
 * Rounds the exact value (-1)^sign * sig * 2^exp to an integer under rm (for conversions to
 * integer). Sets roundInexact. Returns the signed integer.
 */
export function roundToInteger(sign: number, sig: bigint, exp: number, rm: number): bigint {
  const n = roundToQuantum(sig, exp, false, 0, sign, rm);
  return sign ? -n : n;
}
