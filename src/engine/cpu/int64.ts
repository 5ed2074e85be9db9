// 64-bit integer helpers over a register file's Int32Array view (low word at 2r, high at 2r+1).
// BigInt shifts are not lowered to machine code by V8 (about 20 ns each, measured on Node 20),
// so shifts, unsigned comparisons and number conversions work on the 32-bit halves instead.

export const TWO_POW_32 = 4294967296;

/**
 * 0 as a heap number (a Float64Array element reads as one, a literal 0 is a small integer). V8
 * gives an object field the representation of its first value: a field that will hold numbers
 * beyond int32 (counters, unsigned words, physical addresses) and starts at DOUBLE_ZERO is a
 * double field from the start, so a later large value does not change the object's hidden class
 * (which deprecates the map and deoptimizes every function that has seen it).
 */
export const DOUBLE_ZERO = new Float64Array(1)[0];
/** 2^-32: multiplying a multiple of 2^32 by it is exact, and far cheaper than dividing. */
const TWO_POW_MINUS_32 = 2.3283064365386963e-10;

/** Write a number holding a signed 64-bit value (exact within ±2^53) to register rd. */
export function writeNumber(w: Int32Array, rd: number, value: number): void {
  const lo = value | 0;
  w[2 * rd] = lo;
  w[2 * rd + 1] = (value - (lo >>> 0)) * TWO_POW_MINUS_32;
}

/** Write a sign-extended 32-bit value. */
export function writeWord(w: Int32Array, rd: number, v: number): void {
  w[2 * rd] = v;
  w[2 * rd + 1] = v >> 31;
}

export function shiftLeft(w: Int32Array, rd: number, rs: number, s: number): void {
  const lo = w[2 * rs];
  const hi = w[2 * rs + 1];
  if (s === 0) {
    w[2 * rd] = lo;
    w[2 * rd + 1] = hi;
  } else if (s < 32) {
    w[2 * rd] = lo << s;
    w[2 * rd + 1] = (hi << s) | (lo >>> (32 - s));
  } else {
    w[2 * rd] = 0;
    w[2 * rd + 1] = lo << (s - 32);
  }
}

export function shiftRightLogical(w: Int32Array, rd: number, rs: number, s: number): void {
  const lo = w[2 * rs];
  const hi = w[2 * rs + 1];
  if (s === 0) {
    w[2 * rd] = lo;
    w[2 * rd + 1] = hi;
  } else if (s < 32) {
    w[2 * rd] = (lo >>> s) | (hi << (32 - s));
    w[2 * rd + 1] = hi >>> s;
  } else {
    w[2 * rd] = hi >>> (s - 32);
    w[2 * rd + 1] = 0;
  }
}

export function shiftRightArithmetic(w: Int32Array, rd: number, rs: number, s: number): void {
  const lo = w[2 * rs];
  const hi = w[2 * rs + 1];
  if (s === 0) {
    w[2 * rd] = lo;
    w[2 * rd + 1] = hi;
  } else if (s < 32) {
    w[2 * rd] = (lo >>> s) | (hi << (32 - s));
    w[2 * rd + 1] = hi >> s;
  } else {
    w[2 * rd] = hi >> (s - 32);
    w[2 * rd + 1] = hi >> 31;
  }
}

/** Unsigned a < b for 64-bit values given as halves. */
export function lessThanUnsigned(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  const ah = aHi >>> 0;
  const bh = bHi >>> 0;
  return ah < bh || (ah === bh && aLo >>> 0 < bLo >>> 0);
}

/** Signed a < b for 64-bit values given as halves. */
export function lessThanSigned(aLo: number, aHi: number, bLo: number, bHi: number): boolean {
  return aHi < bHi || (aHi === bHi && aLo >>> 0 < bLo >>> 0);
}
