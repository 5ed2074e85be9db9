// Helpers shared by the FPU tests (not used by the emulator itself): op names, operand roles,
// a harness that runs one op on raw 64-bit register patterns, and a deterministic PRNG.

import { FloatRegisterFile, IntRegisterFile } from '../registers.js';
import { FloatUnit } from './float-unit.js';
import { FpOp } from './fp-ops.js';

/** FpOp names in enum order (fp-ops.ts). */
export const OP_NAMES = [
  'fmadd.s',
  'fmsub.s',
  'fnmsub.s',
  'fnmadd.s',
  'fadd.s',
  'fsub.s',
  'fmul.s',
  'fdiv.s',
  'fsqrt.s',
  'fsgnj.s',
  'fsgnjn.s',
  'fsgnjx.s',
  'fmin.s',
  'fmax.s',
  'fcvt.w.s',
  'fcvt.wu.s',
  'fcvt.l.s',
  'fcvt.lu.s',
  'fmv.x.w',
  'feq.s',
  'flt.s',
  'fle.s',
  'fclass.s',
  'fcvt.s.w',
  'fcvt.s.wu',
  'fcvt.s.l',
  'fcvt.s.lu',
  'fmv.w.x',
  'fmadd.d',
  'fmsub.d',
  'fnmsub.d',
  'fnmadd.d',
  'fadd.d',
  'fsub.d',
  'fmul.d',
  'fdiv.d',
  'fsqrt.d',
  'fsgnj.d',
  'fsgnjn.d',
  'fsgnjx.d',
  'fmin.d',
  'fmax.d',
  'fcvt.w.d',
  'fcvt.wu.d',
  'fcvt.l.d',
  'fcvt.lu.d',
  'fmv.x.d',
  'feq.d',
  'flt.d',
  'fle.d',
  'fclass.d',
  'fcvt.d.w',
  'fcvt.d.wu',
  'fcvt.d.l',
  'fcvt.d.lu',
  'fmv.d.x',
  'fcvt.s.d',
  'fcvt.d.s',
];

export function opByName(name: string): FpOp {
  const i = OP_NAMES.indexOf(name);
  if (i < 0) throw new Error(`unknown op ${name}`);
  return i as FpOp;
}

/** Whether op reads its first operand from an integer register. */
export function hasIntSource(op: FpOp): boolean {
  const n = OP_NAMES[op];
  return /^fcvt\.[sd]\.[wl]u?$/.test(n) || n === 'fmv.w.x' || n === 'fmv.d.x';
}

/** Whether op writes an integer register. */
export function hasIntResult(op: FpOp): boolean {
  const n = OP_NAMES[op];
  return /^fcvt\.[wl]u?\.[sd]$/.test(n) || /^f(mv\.x|eq|lt|le|class)/.test(n);
}

/** Single-precision bits NaN-boxed into a 64-bit register pattern. */
export function box(bits32: number): bigint {
  return 0xffffffff00000000n | BigInt(bits32 >>> 0);
}

const scratchF64 = new Float64Array(1);
const scratchU64 = new BigUint64Array(scratchF64.buffer);
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

export function dbits(v: number): bigint {
  scratchF64[0] = v;
  return scratchU64[0];
}
export function fromDbits(b: bigint): number {
  scratchU64[0] = b;
  return scratchF64[0];
}
/** A single value's bits, NaN-boxed. */
export function sbits(v: number): bigint {
  scratchF32[0] = v;
  return box(scratchU32[0]);
}

/** Runs ops on raw register patterns: operands in f1, f2, f3 (or x1), result in f4 or x4. */
export class Harness {
  readonly f = new FloatRegisterFile();
  readonly x = new IntRegisterFile();
  readonly unit = new FloatUnit(this.f);

  /** Returns the 64-bit result pattern and the flags raised, or null if the op was rejected. */
  run(op: FpOp, rm: number, a: bigint, b = 0n, c = 0n): { r: bigint; flags: number } | null {
    const { f, x, unit } = this;
    if (hasIntSource(op)) x.x[1] = BigInt.asIntN(64, a);
    else f.bits[1] = BigInt.asIntN(64, a);
    f.bits[2] = BigInt.asIntN(64, b);
    f.bits[3] = BigInt.asIntN(64, c);
    f.bits[4] = 0x5a5a5a5a5a5a5a5an;
    x.x[4] = 0x5a5a5a5a5a5a5a5an;
    unit.fflags = 0;
    if (!unit.execute(op, 4, 1, 2, 3, rm, x)) return null;
    const r = hasIntResult(op) ? x.x[4] : f.bits[4];
    return { r: BigInt.asUintN(64, r), flags: unit.fflags };
  }
}

export function hex64(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

/** xorshift64* PRNG: deterministic 64-bit and 32-bit draws. */
export class Rng {
  private s: bigint;
  constructor(seed: bigint) {
    this.s = seed || 1n;
  }
  next64(): bigint {
    let s = this.s;
    s ^= s >> 12n;
    s ^= (s << 25n) & 0xffffffffffffffffn;
    s ^= s >> 27n;
    this.s = s;
    return (s * 2685821657736338717n) & 0xffffffffffffffffn;
  }
  /** Uniform integer in [0, n), n < 2^32. */
  below(n: number): number {
    return Number(this.next64() >> 32n) % n;
  }
}

// ---- random operands, biased toward the cases that break floating-point code ----

const M52 = (1n << 52n) - 1n;
const M23 = (1n << 23n) - 1n;

function mkD(sign: number, exp: number, mant: bigint): bigint {
  return (BigInt(sign) << 63n) | (BigInt(exp) << 52n) | (mant & M52);
}
function mkS(sign: number, exp: number, mant: bigint): bigint {
  return box(Number((BigInt(sign) << 31n) | (BigInt(exp) << 23n) | (mant & M23)));
}
/** A significand with few bits set (or a run of ones): products and sums of these tie often. */
function sparse(rng: Rng, bits: number): bigint {
  let m = 0n;
  const k = rng.below(4);
  for (let i = 0; i < k; i++) m |= 1n << BigInt(rng.below(bits));
  if (rng.below(2)) m |= ((1n << BigInt(rng.below(bits))) - 1n) << BigInt(bits - rng.below(bits));
  return m;
}

/** Double operand bits. `normalOnly` keeps to moderate normal numbers (fast-path territory). */
export function genD(rng: Rng, normalOnly = false): bigint {
  const s = rng.below(2);
  const r = normalOnly ? rng.below(70) : rng.below(100);
  if (r < 35) return mkD(s, 1023 + rng.below(61) - 30, rng.next64());
  if (r < 50) return mkD(s, 1023 + rng.below(41) - 20, sparse(rng, 52));
  if (r < 58) return mkD(s, 1 + rng.below(2046), rng.next64());
  if (r < 70) {
    // Around the fast paths' range limits (2^-1022, 2^-960, 2^995, 2^1000, 2^1020).
    const ex = [
      1, 2, 3, 61, 62, 63, 64, 65, 2012, 2013, 2017, 2018, 2019, 2022, 2023, 2024, 2042, 2043, 2044,
    ];
    return mkD(s, ex[rng.below(ex.length)], rng.below(2) ? rng.next64() : sparse(rng, 52));
  }
  if (r < 80) return mkD(s, 0, rng.next64() >> BigInt(rng.below(52)));
  if (r < 90) {
    const sp = [0n, 0x7ff0000000000000n, 0x7ff8000000000000n, 0x7ff0000000000001n, 0x7fefffffffffffffn];
    return sp[rng.below(sp.length)] | (BigInt(s) << 63n);
  }
  return dbits((s ? -1 : 1) * (Number(rng.next64() >> BigInt(1 + rng.below(63))) + (rng.below(2) ? 0.5 : 0)));
}

export function genS(rng: Rng, normalOnly = false): bigint {
  const s = rng.below(2);
  const r = normalOnly ? rng.below(70) : rng.below(100);
  if (r < 35) return mkS(s, 127 + rng.below(31) - 15, rng.next64());
  if (r < 50) return mkS(s, 127 + rng.below(21) - 10, sparse(rng, 23));
  if (r < 58) return mkS(s, 1 + rng.below(254), rng.next64());
  if (r < 70) {
    const ex = [1, 2, 3, 4, 5, 24, 25, 26, 250, 251, 252, 253, 254];
    return mkS(s, ex[rng.below(ex.length)], rng.below(2) ? rng.next64() : sparse(rng, 23));
  }
  if (r < 80) return mkS(s, 0, rng.next64() >> BigInt(rng.below(41) + 23));
  if (r < 88) {
    const sp = [0, 0x7f800000, 0x7fc00000, 0x7f800001, 0x7f7fffff];
    return box(sp[rng.below(sp.length)] | (s << 31));
  }
  if (r < 92) return rng.next64(); // almost surely not NaN-boxed
  return sbits(
    (s ? -1 : 1) * (Number(rng.next64() >> BigInt(40 + rng.below(24))) + (rng.below(2) ? 0.5 : 0)),
  );
}

function expOf(bits: bigint, dbl: boolean): number {
  return dbl ? Number((bits >> 52n) & 0x7ffn) : Number((bits >> 23n) & 0xffn);
}

/** A second operand related to the first: cancelling, adjacent, equal, or half an ulp-ish. */
export function genRelated(rng: Rng, a: bigint, dbl: boolean, normalOnly = false): bigint {
  const r = rng.below(100);
  const sign = dbl ? 1n << 63n : 1n << 31n;
  if (r < 40) return dbl ? genD(rng, normalOnly) : genS(rng, normalOnly);
  if (r < 50) return a ^ sign;
  if (r < 60) return a + BigInt(rng.below(5)) - 2n;
  if (r < 65) return a;
  const p = dbl ? 53 : 24;
  const e = Math.max(1, expOf(a, dbl) - p + rng.below(5) - 2);
  const m = rng.below(2) ? 0n : sparse(rng, dbl ? 52 : 23);
  return dbl ? mkD(rng.below(2), e, m) : mkS(rng.below(2), e, m);
}

/** An fma addend: unrelated, (nearly) cancelling the rounded product, or at tie positions. */
export function genAddend(rng: Rng, a: bigint, b: bigint, dbl: boolean, normalOnly = false): bigint {
  const r = rng.below(100);
  if (r < 35) return dbl ? genD(rng, normalOnly) : genS(rng, normalOnly);
  const p = dbl ? dbits(fromDbits(a) * fromDbits(b)) : sbits(Math.fround(fromSbits(a) * fromSbits(b)));
  const sign = dbl ? 1n << 63n : 1n << 31n;
  if (r < 60) return (p ^ (rng.below(3) ? sign : 0n)) + BigInt(rng.below(5)) - 2n;
  const e = Math.max(1, expOf(p, dbl) - (dbl ? 53 : 24) + rng.below(7) - 3);
  const m = rng.below(2) ? 0n : sparse(rng, dbl ? 52 : 23);
  return dbl ? mkD(rng.below(2), e, m) : mkS(rng.below(2), e, m);
}

/** The single value of a (boxed) register pattern, ignoring the box. */
export function fromSbits(b: bigint): number {
  scratchU32[0] = Number(b & 0xffffffffn);
  return scratchF32[0];
}

/** A 64-bit integer operand: limits, sparse values, powers of two nearby, random widths. */
export function genInt(rng: Rng): bigint {
  const r = rng.below(100);
  const neg = rng.below(2) === 1;
  const sp = [
    0n,
    1n,
    0x7fffffffn,
    0x80000000n,
    0xffffffffn,
    0x100000000n,
    0x7fffffffffffffffn,
    0x8000000000000000n,
    0x20000000000001n,
    0x1fffffffffffffn,
    0xffffffffffffffffn,
    0x1000001n,
    0x8000008000000001n,
    0xfffffffffffff800n,
    0xfffffffffffffc00n,
  ];
  let v: bigint;
  if (r < 20) v = sp[rng.below(sp.length)];
  else if (r < 40) v = sparse(rng, 64);
  else if (r < 60) v = rng.next64() >> BigInt(rng.below(64));
  else v = (1n << BigInt(rng.below(64))) + BigInt(rng.below(9)) - 4n;
  return BigInt.asUintN(64, neg ? -v : v);
}

/** A float operand for conversion to integer: near 2^31, 2^32, 2^63, 2^64, halves, random. */
export function genForIntConversion(rng: Rng, dbl: boolean): bigint {
  const r = rng.below(100);
  if (r < 40) return dbl ? genD(rng) : genS(rng);
  if (r < 70) {
    const pw = [31, 32, 63, 64, 0, 1, dbl ? 52 : 23, dbl ? 53 : 24, 30, 62];
    const e = pw[rng.below(pw.length)] - rng.below(2);
    const m = rng.below(3) ? (rng.below(2) ? 0n : -1n) + BigInt(rng.below(5)) - 2n : rng.next64();
    return dbl ? mkD(rng.below(2), 1023 + e, m) : mkS(rng.below(2), 127 + e, m);
  }
  const v =
    (rng.below(2) ? -1 : 1) * (Number(rng.next64() >> BigInt(20 + rng.below(44))) + rng.below(4) * 0.25);
  return dbl ? dbits(v) : sbits(v);
}
