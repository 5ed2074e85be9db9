// Randomized differential test: every host-double fast path against the exact BigInt soft-float
// path, on many operand tuples per op and rounding mode (deterministic seeds). The operand
// generators favour what breaks fast paths: ties and near-ties, cancellation, the fast paths'
// range limits, subnormals and special values (which the fast paths must decline).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FloatRegisterFile } from '../registers.js';
import { addD, divD, fmaD, mulD, sqrtD } from './fast-double.js';
import { addS, divS, fmaS, mulS, sqrtS } from './fast-single.js';
import { FpOp } from './fp-ops.js';
import { INT_L, INT_LU, INT_W, INT_WU, floatToInt, int64ToDouble, intToSingle } from './fp-convert.js';
import { slowArith } from './slow-path.js';
import { softFromInt, softToInt } from './soft-convert.js';
import { F32, F64, FlagSink, unpack } from './soft-format.js';
import {
  Harness,
  OP_NAMES,
  Rng,
  genAddend,
  genD,
  genForIntConversion,
  genInt,
  genRelated,
  genS,
  hex64,
  opByName,
} from './test-support.js';

const PER_MODE = 4000;
const JUNK = 0x5a5a5a5a5a5a5a5an;

type Fast = (r: FloatRegisterFile, rm: number, sink: FlagSink) => boolean;

const fastPaths: [string, Fast][] = [
  ['fadd.d', (r, rm, s) => addD(r.f64, 4, 1, 2, false, rm, s)],
  ['fsub.d', (r, rm, s) => addD(r.f64, 4, 1, 2, true, rm, s)],
  ['fmul.d', (r, rm, s) => mulD(r.f64, 4, 1, 2, rm, s)],
  ['fdiv.d', (r, rm, s) => divD(r.f64, 4, 1, 2, rm, s)],
  ['fsqrt.d', (r, rm, s) => sqrtD(r.f64, 4, 1, rm, s)],
  ['fmadd.d', (r, rm, s) => fmaD(r.f64, 4, 1, 2, 3, false, false, rm, s)],
  ['fmsub.d', (r, rm, s) => fmaD(r.f64, 4, 1, 2, 3, false, true, rm, s)],
  ['fnmsub.d', (r, rm, s) => fmaD(r.f64, 4, 1, 2, 3, true, false, rm, s)],
  ['fnmadd.d', (r, rm, s) => fmaD(r.f64, 4, 1, 2, 3, true, true, rm, s)],
  ['fadd.s', (r, rm, s) => addS(r.f32, r.i32, 4, 1, 2, false, rm, s)],
  ['fsub.s', (r, rm, s) => addS(r.f32, r.i32, 4, 1, 2, true, rm, s)],
  ['fmul.s', (r, rm, s) => mulS(r.f32, r.i32, 4, 1, 2, rm, s)],
  ['fdiv.s', (r, rm, s) => divS(r.f32, r.i32, 4, 1, 2, rm, s)],
  ['fsqrt.s', (r, rm, s) => sqrtS(r.f32, r.i32, 4, 1, rm, s)],
  ['fmadd.s', (r, rm, s) => fmaS(r.f32, r.i32, 4, 1, 2, 3, false, false, rm, s)],
  ['fmsub.s', (r, rm, s) => fmaS(r.f32, r.i32, 4, 1, 2, 3, false, true, rm, s)],
  ['fnmsub.s', (r, rm, s) => fmaS(r.f32, r.i32, 4, 1, 2, 3, true, false, rm, s)],
  ['fnmadd.s', (r, rm, s) => fmaS(r.f32, r.i32, 4, 1, 2, 3, true, true, rm, s)],
];

function seedOf(name: string): bigint {
  let h = 0x9e3779b97f4a7c15n;
  for (const ch of name) h = BigInt.asUintN(64, (h ^ BigInt(ch.charCodeAt(0))) * 0x100000001b3n);
  return h;
}

for (const [name, fast] of fastPaths) {
  test(`fast path ${name} agrees with the soft path`, () => {
    const op = opByName(name);
    const dbl = name.endsWith('.d');
    const rng = new Rng(seedOf(name));
    const fastRegs = new FloatRegisterFile();
    const softRegs = new FloatRegisterFile();
    let accepted = 0;
    let total = 0;
    const failures: string[] = [];
    for (let rm = 0; rm < 5; rm++) {
      for (let i = 0; i < PER_MODE; i++) {
        const normalOnly = i % 4 !== 0; // mostly fast-path territory, some of everything
        const a = dbl ? genD(rng, normalOnly) : genS(rng, normalOnly);
        const b = genRelated(rng, a, dbl, normalOnly);
        const c = genAddend(rng, a, b, dbl, normalOnly);
        for (const regs of [fastRegs, softRegs]) {
          regs.bits[1] = BigInt.asIntN(64, a);
          regs.bits[2] = BigInt.asIntN(64, b);
          regs.bits[3] = BigInt.asIntN(64, c);
          regs.bits[4] = JUNK;
        }
        total++;
        const fs = { fflags: 0 };
        if (!fast(fastRegs, rm, fs)) {
          // Declining must leave everything untouched.
          assert.equal(fastRegs.bits[4], JUNK);
          assert.equal(fs.fflags, 0);
          continue;
        }
        accepted++;
        const ss = { fflags: 0 };
        slowArith(softRegs, op, 4, 1, 2, 3, rm, ss);
        if (fastRegs.bits[4] !== softRegs.bits[4] || fs.fflags !== ss.fflags) {
          failures.push(
            `rm=${rm} a=${hex64(a)} b=${hex64(b)} c=${hex64(c)}: fast ${hex64(fastRegs.bits[4])}/${fs.fflags}` +
              ` soft ${hex64(softRegs.bits[4])}/${ss.fflags}`,
          );
        }
      }
    }
    assert.equal(failures.length, 0, failures.slice(0, 20).join('\n'));
    // The generators aim most cases at the fast path; make sure it is really being exercised.
    assert.ok(accepted > total * 0.4, `fast path accepted only ${accepted} of ${total}`);
  });
}

test('fcvt.s.d fast path agrees with the soft path', () => {
  const rng = new Rng(seedOf('fcvt.s.d'));
  const h = new Harness();
  const soft = new FloatRegisterFile();
  const op = FpOp.FCVT_S_D;
  for (let rm = 0; rm < 5; rm++) {
    for (let i = 0; i < PER_MODE; i++) {
      // Doubles around the single range as well as anywhere.
      const a = i % 2 ? genD(rng) : genD(rng, true) - (BigInt(rng.below(100)) << 52n) * BigInt(rng.below(2));
      const got = h.run(op, rm, a)!;
      soft.bits[1] = BigInt.asIntN(64, a);
      const ss = { fflags: 0 };
      slowArith(soft, op, 4, 1, 0, 0, rm, ss);
      const want = BigInt.asUintN(64, soft.bits[4]);
      assert.equal(hex64(got.r), hex64(want), `rm=${rm} a=${hex64(a)}`);
      assert.equal(got.flags, ss.fflags, `flags rm=${rm} a=${hex64(a)}`);
    }
  }
});

const toIntOps: [string, number][] = [
  ['fcvt.w.s', INT_W],
  ['fcvt.wu.s', INT_WU],
  ['fcvt.l.s', INT_L],
  ['fcvt.lu.s', INT_LU],
  ['fcvt.w.d', INT_W],
  ['fcvt.wu.d', INT_WU],
  ['fcvt.l.d', INT_L],
  ['fcvt.lu.d', INT_LU],
];

test('float-to-integer conversions agree with the BigInt reference', () => {
  const w = new Int32Array(64);
  const x = new BigInt64Array(w.buffer);
  const f = new FloatRegisterFile();
  for (const [name, kind] of toIntOps) {
    const dbl = name.endsWith('.d');
    const rng = new Rng(seedOf(name));
    for (let rm = 0; rm < 5; rm++) {
      for (let i = 0; i < PER_MODE; i++) {
        const a = genForIntConversion(rng, dbl);
        const boxed = dbl || a >> 32n === 0xffffffffn;
        f.bits[1] = BigInt.asIntN(64, a);
        const fs = { fflags: 0 };
        floatToInt(f, 1, !dbl, kind, rm, w, 4, fs);
        const ss = { fflags: 0 };
        const bits = dbl ? a : boxed ? a & 0xffffffffn : F32.canonicalNaN;
        const n = softToInt(unpack(dbl ? F64 : F32, bits), kind, rm, ss);
        // 32-bit results are sign-extended into the 64-bit register, unsigned ones included.
        const want = kind === INT_W || kind === INT_WU ? BigInt.asIntN(32, n) : BigInt.asIntN(64, n);
        assert.equal(x[4], want, `${name} rm=${rm} a=${hex64(a)}`);
        assert.equal(fs.fflags, ss.fflags, `${name} flags rm=${rm} a=${hex64(a)}`);
      }
    }
  }
});

const fromIntOps: [string, number][] = [
  ['fcvt.s.w', INT_W],
  ['fcvt.s.wu', INT_WU],
  ['fcvt.s.l', INT_L],
  ['fcvt.s.lu', INT_LU],
  ['fcvt.d.w', INT_W],
  ['fcvt.d.wu', INT_WU],
  ['fcvt.d.l', INT_L],
  ['fcvt.d.lu', INT_LU],
];

test('integer-to-float conversions agree with the BigInt reference', () => {
  const w = new Int32Array(64);
  const x = new BigInt64Array(w.buffer);
  const f = new FloatRegisterFile();
  for (const [name, kind] of fromIntOps) {
    const dbl = name.startsWith('fcvt.d');
    const rng = new Rng(seedOf(name));
    for (let rm = 0; rm < 5; rm++) {
      for (let i = 0; i < PER_MODE; i++) {
        const a = genInt(rng);
        x[1] = BigInt.asIntN(64, a);
        const fs = { fflags: 0 };
        let got: bigint;
        if (dbl && (kind === INT_L || kind === INT_LU)) {
          int64ToDouble(w, 1, kind === INT_LU, f.f64, 4, rm, fs);
          got = BigInt.asUintN(64, f.bits[4]);
        } else if (dbl) {
          f.f64[4] = kind === INT_WU ? w[2] >>> 0 : w[2];
          got = BigInt.asUintN(64, f.bits[4]);
        } else {
          intToSingle(w, 1, kind, rm, f, 4, fs);
          got = BigInt(f.u32[8]);
        }
        const value =
          kind === INT_W
            ? BigInt.asIntN(32, a)
            : kind === INT_WU
              ? BigInt.asUintN(32, a)
              : kind === INT_L
                ? BigInt.asIntN(64, a)
                : a;
        const ss = { fflags: 0 };
        const want = softFromInt(dbl ? F64 : F32, value, rm, ss);
        assert.equal(hex64(got), hex64(want), `${name} rm=${rm} a=${hex64(a)}`);
        assert.equal(fs.fflags, ss.fflags, `${name} flags rm=${rm} a=${hex64(a)}`);
      }
    }
  }
});

test('OP_NAMES covers the FpOp enum', () => {
  assert.equal(OP_NAMES.length, FpOp.FCVT_D_S + 1);
  assert.equal(opByName('fmadd.d'), FpOp.FMADD_D);
  assert.equal(opByName('fcvt.d.s'), FpOp.FCVT_D_S);
});
