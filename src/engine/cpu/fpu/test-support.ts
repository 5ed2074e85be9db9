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
