// Exact ("soft") floating point, part 1: format descriptions and unpacking of raw bit patterns.
//
// The soft path computes every operation exactly with BigInt significands and rounds once
// (soft-round.ts). It is the reference the fast host-double paths are tested against, and it is
// what FloatUnit falls back to for NaNs, infinities, zeros, subnormals, overflow and anything a
// fast path cannot prove. It allocates freely; it is not meant to be fast.

/** Where accrued exception flags go (FloatUnit implements it). */
export interface FlagSink {
  fflags: number;
}

/** An IEEE 754 binary interchange format. */
export interface FloatFormat {
  /** Stored fraction bits (23 or 52). */
  readonly mantBits: number;
  /** Exponent field width (8 or 11). */
  readonly expBits: number;
  readonly bias: number;
  /** Precision in bits, including the hidden bit (24 or 53). */
  readonly precision: number;
  /** Smallest and largest unbiased exponents of normal numbers. */
  readonly emin: number;
  readonly emax: number;
  /** Canonical NaN bits: positive, quiet bit only (spec 20.3). */
  readonly canonicalNaN: bigint;
  readonly signBit: bigint;
  readonly mantMask: bigint;
  /** All-ones exponent field, in place. */
  readonly expField: bigint;
}

function makeFormat(mantBits: number, expBits: number): FloatFormat {
  const bias = (1 << (expBits - 1)) - 1;
  const expField = BigInt((1 << expBits) - 1) << BigInt(mantBits);
  return {
    mantBits,
    expBits,
    bias,
    precision: mantBits + 1,
    emin: 1 - bias,
    emax: bias,
    canonicalNaN: expField | (1n << BigInt(mantBits - 1)),
    signBit: 1n << BigInt(mantBits + expBits),
    mantMask: (1n << BigInt(mantBits)) - 1n,
    expField,
  };
}

export const F32: FloatFormat = makeFormat(23, 8);
export const F64: FloatFormat = makeFormat(52, 11);

/** Operand classes of an unpacked value. */
export const CLS_ZERO = 0;
export const CLS_FINITE = 1; // normal or subnormal, nonzero
export const CLS_INF = 2;
export const CLS_QNAN = 3;
export const CLS_SNAN = 4;

/**
 * An unpacked operand: (-1)^sign * sig * 2^exp for CLS_FINITE. sig is not normalized (a
 * subnormal keeps its small significand); every operation here works on exact integers, so no
 * normalization is needed.
 */
export interface Unpacked {
  cls: number;
  sign: number;
  sig: bigint;
  exp: number;
}

export function unpack(fmt: FloatFormat, bits: bigint): Unpacked {
  const sign = (bits & fmt.signBit) !== 0n ? 1 : 0;
  const e = Number((bits & fmt.expField) >> BigInt(fmt.mantBits));
  const mant = bits & fmt.mantMask;
  const maxE = (1 << fmt.expBits) - 1;
  if (e === maxE) {
    if (mant === 0n) return { cls: CLS_INF, sign, sig: 0n, exp: 0 };
    const quiet = (mant >> BigInt(fmt.mantBits - 1)) & 1n;
    return { cls: quiet !== 0n ? CLS_QNAN : CLS_SNAN, sign, sig: mant, exp: 0 };
  }
  if (e === 0) {
    if (mant === 0n) return { cls: CLS_ZERO, sign, sig: 0n, exp: 0 };
    return { cls: CLS_FINITE, sign, sig: mant, exp: fmt.emin - fmt.mantBits };
  }
  return {
    cls: CLS_FINITE,
    sign,
    sig: mant | (1n << BigInt(fmt.mantBits)),
    exp: e - fmt.bias - fmt.mantBits,
  };
}

export function isNaNCls(cls: number): boolean {
  return cls >= CLS_QNAN;
}

export function packZero(fmt: FloatFormat, sign: number): bigint {
  return sign ? fmt.signBit : 0n;
}

export function packInf(fmt: FloatFormat, sign: number): bigint {
  return (sign ? fmt.signBit : 0n) | fmt.expField;
}

/** Largest finite magnitude with the given sign. */
export function packMaxFinite(fmt: FloatFormat, sign: number): bigint {
  return (sign ? fmt.signBit : 0n) | (fmt.expField - (1n << BigInt(fmt.mantBits))) | fmt.mantMask;
}

/** Number of significant bits of a non-negative BigInt (0 for 0). */
export function bitLength(n: bigint): number {
  if (n === 0n) return 0;
  // Hex digits give the length to within 3 bits cheaply; the leading digit settles the rest.
  const hex = n.toString(16);
  const lead = parseInt(hex[0], 16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(lead));
}
