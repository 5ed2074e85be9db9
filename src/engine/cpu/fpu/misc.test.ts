// Directed tests of the non-arithmetic F/D operations and of FloatUnit's contract: min/max,
// comparisons, fclass, sign injection, moves, NaN-boxing, reserved rounding modes, x0.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FloatRegisterFile, IntRegisterFile } from '../registers.js';
import { FloatUnit } from './float-unit.js';
import { FLAG_NV, FLAG_NX, FpOp, RM_DYN, RM_RNE, RM_RUP } from './fp-ops.js';
import { Harness, OP_NAMES, box, dbits, hex64, opByName, sbits } from './test-support.js';

const h = new Harness();

function check(name: string, args: bigint[], want: bigint, flags: number, rm = RM_RNE): void {
  const got = h.run(opByName(name), rm, args[0], args[1] ?? 0n, args[2] ?? 0n);
  assert.ok(got, `${name} rejected`);
  const what = `${name}(${args.map(hex64).join(', ')})`;
  assert.equal(hex64(got.r), hex64(want), what);
  assert.equal(got.flags, flags, `${what} flags`);
}

const d = dbits;
const s = sbits;
const CNAN_D = 0x7ff8000000000000n;
const CNAN_S = box(0x7fc00000);
const QNAN_D = 0xfff8000000000042n;
const SNAN_D = 0x7ff0000000000001n;
const SNAN_S = box(0x7f800001);
const NEG0_D = 0x8000000000000000n;
const NEG0_S = box(0x80000000);
const UNBOXED = 0x000000003f800000n; // 1.0f in the low word, upper word not all ones

test('fmin/fmax: minimumNumber and maximumNumber', () => {
  for (const [mn, mx, z0, z1, one, two, cnan, qnan, snan] of [
    ['fmin.d', 'fmax.d', d(0), NEG0_D, d(1), d(2), CNAN_D, QNAN_D, SNAN_D],
    ['fmin.s', 'fmax.s', s(0), NEG0_S, s(1), s(2), CNAN_S, box(0xffc00042), SNAN_S],
  ] as const) {
    check(mn, [one, two], one, 0);
    check(mx, [one, two], two, 0);
    check(mn, [two, one], one, 0);
    // -0 is less than +0, in either order.
    check(mn, [z0, z1], z1, 0);
    check(mn, [z1, z0], z1, 0);
    check(mx, [z0, z1], z0, 0);
    check(mx, [z1, z0], z0, 0);
    // One NaN: the other operand. Signaling NaNs raise NV even then.
    check(mn, [qnan, one], one, 0);
    check(mx, [two, qnan], two, 0);
    check(mn, [snan, one], one, FLAG_NV);
    check(mx, [one, snan], one, FLAG_NV);
    // Both NaN: the canonical NaN.
    check(mn, [qnan, qnan], cnan, 0);
    check(mx, [snan, qnan], cnan, FLAG_NV);
  }
  check('fmin.d', [d(-Infinity), d(5)], d(-Infinity), 0);
  check('fmax.d', [1n, 0n], 1n, 0); // subnormal vs zero
  // A badly boxed single is the canonical (quiet) NaN: the other operand wins, no NV.
  check('fmin.s', [UNBOXED, s(2)], s(2), 0);
  check('fmax.s', [UNBOXED, UNBOXED], CNAN_S, 0);
});

test('feq is quiet, flt and fle are signaling', () => {
  for (const [eq, lt, le, one, two, z0, z1, qnan, snan] of [
    ['feq.d', 'flt.d', 'fle.d', d(1), d(2), d(0), NEG0_D, QNAN_D, SNAN_D],
    ['feq.s', 'flt.s', 'fle.s', s(1), s(2), s(0), NEG0_S, CNAN_S, SNAN_S],
  ] as const) {
    check(eq, [one, one], 1n, 0);
    check(eq, [one, two], 0n, 0);
    check(lt, [one, two], 1n, 0);
    check(lt, [two, one], 0n, 0);
    check(le, [one, one], 1n, 0);
    check(le, [two, one], 0n, 0);
    // Zeros compare equal regardless of sign.
    check(eq, [z0, z1], 1n, 0);
    check(lt, [z1, z0], 0n, 0);
    check(le, [z1, z0], 1n, 0);
    // Quiet NaN: feq silent, flt/fle invalid. Signaling NaN: all invalid. Result always 0.
    check(eq, [qnan, one], 0n, 0);
    check(eq, [qnan, qnan], 0n, 0);
    check(eq, [snan, one], 0n, FLAG_NV);
    check(lt, [qnan, one], 0n, FLAG_NV);
    check(le, [one, qnan], 0n, FLAG_NV);
    check(lt, [one, snan], 0n, FLAG_NV);
  }
  check('feq.s', [UNBOXED, UNBOXED], 0n, 0);
  check('fle.s', [UNBOXED, s(1)], 0n, FLAG_NV);
});

test('fclass: every class, both formats', () => {
  const d64: [bigint, number][] = [
    [0xfff0000000000000n, 0],
    [d(-1.5), 1],
    [0x800fffffffffffffn, 2],
    [NEG0_D, 3],
    [0n, 4],
    [1n, 5],
    [d(1e300), 6],
    [0x7ff0000000000000n, 7],
    [0x7ff4000000000000n, 8],
    [0xfff0000000000001n, 8],
    [CNAN_D, 9],
    [0xffffffffffffffffn, 9],
  ];
  for (const [v, bit] of d64) check('fclass.d', [v], 1n << BigInt(bit), 0);
  const s32: [bigint, number][] = [
    [box(0xff800000), 0],
    [s(-3), 1],
    [box(0x80400000), 2],
    [NEG0_S, 3],
    [s(0), 4],
    [box(0x007fffff), 5],
    [s(3.5), 6],
    [box(0x7f800000), 7],
    [SNAN_S, 8],
    [box(0x7fbfffff), 8],
    [CNAN_S, 9],
    [UNBOXED, 9], // not NaN-boxed: the canonical NaN
  ];
  for (const [v, bit] of s32) check('fclass.s', [v], 1n << BigInt(bit), 0);
});

test('sign injection works on bits: no canonicalization, no flags', () => {
  check('fsgnj.d', [d(3), d(-1)], d(-3), 0);
  check('fsgnjn.d', [d(3), d(-1)], d(3), 0);
  check('fsgnjx.d', [d(-3), d(-1)], d(3), 0);
  check('fsgnjn.d', [SNAN_D, SNAN_D], SNAN_D | (1n << 63n), 0); // payload kept, no NV
  check('fsgnjx.d', [QNAN_D, d(1)], QNAN_D, 0);
  check('fsgnj.s', [s(3), s(-1)], s(-3), 0);
  check('fsgnjn.s', [box(0x7f800123), s(1)], box(0xff800123), 0);
  check('fsgnjx.s', [s(-2), s(-1)], s(2), 0);
  // An improperly boxed operand is the canonical NaN before the sign is injected.
  check('fsgnj.s', [UNBOXED, s(-1)], box(0xffc00000), 0);
  check('fsgnjx.s', [s(2), UNBOXED], s(2), 0);
});

test('moves transfer raw bits', () => {
  // fmv.x.w takes the low 32 bits (ignoring the box) and sign-extends them.
  check('fmv.x.w', [0x1234567880000001n], 0xffffffff80000001n, 0);
  check('fmv.x.w', [box(0x7f800001)], 0x000000007f800001n, 0);
  check('fmv.x.d', [SNAN_D], SNAN_D, 0);
  // fmv.w.x boxes the low 32 bits of the integer; fmv.d.x copies all 64.
  check('fmv.w.x', [0xabcdef017f800001n], box(0x7f800001), 0);
  check('fmv.d.x', [0xfff0000000000abcn], 0xfff0000000000abcn, 0);
});

test('single-precision results are NaN-boxed; unboxed operands are canonical NaNs', () => {
  check('fadd.s', [s(1), s(2)], s(3), 0);
  check('fadd.s', [UNBOXED, s(2)], CNAN_S, 0);
  check('fmul.s', [s(2), 0xfffffffe3f800000n], CNAN_S, 0);
  check('fmadd.s', [s(1), s(1), UNBOXED], CNAN_S, 0);
  check('fsqrt.s', [UNBOXED], CNAN_S, 0);
  check('fcvt.s.w', [5n], s(5), 0);
  check('fcvt.s.d', [d(5)], s(5), 0);
  check('fmin.s', [s(1), s(2)], s(1), 0);
});

test('reserved rounding modes are rejected and change nothing', () => {
  const f = new FloatRegisterFile();
  const x = new IntRegisterFile();
  const unit = new FloatUnit(f);
  f.f64[1] = 0.1;
  f.f64[2] = 0.2;
  f.bits[3] = 0x1111n;
  x.x[3] = 0x2222n;
  const usesRm = (n: string) => /^(f(n?m(add|sub)|add|sub|mul|div|sqrt)|fcvt)\./.test(n);
  for (let op = 0 as FpOp; op <= FpOp.FCVT_D_S; op++) {
    const name = OP_NAMES[op];
    for (const rm of [5, 6]) {
      unit.fflags = 0;
      const ok = unit.execute(op, 3, 1, 2, 2, rm, x);
      if (usesRm(name)) {
        assert.equal(ok, false, `${name} rm=${rm}`);
        assert.equal(f.bits[3], 0x1111n);
        assert.equal(x.x[3], 0x2222n);
        assert.equal(unit.fflags, 0);
      } else {
        assert.equal(ok, true, `${name} has no rm field`);
        f.bits[3] = 0x1111n;
        x.x[3] = 0x2222n;
      }
    }
  }
  // Dynamic mode: frm 5..7 are reserved; valid frm values are used.
  for (const frm of [5, 6, 7]) {
    unit.frm = frm;
    assert.equal(unit.execute(FpOp.FADD_D, 3, 1, 2, 0, RM_DYN, x), false);
    assert.equal(unit.execute(FpOp.FCVT_D_S, 3, 1, 0, 0, RM_DYN, x), false); // rm unused, still checked
    assert.equal(unit.execute(FpOp.FSGNJ_D, 4, 1, 2, 0, RM_DYN, x), true); // funct3, not rm
  }
  assert.equal(f.bits[3], 0x1111n);
  unit.frm = RM_RUP;
  unit.fflags = 0;
  assert.equal(unit.execute(FpOp.FADD_D, 3, 1, 2, 0, RM_DYN, x), true);
  assert.equal(f.f64[3], 0.30000000000000004);
  assert.equal(unit.fflags, FLAG_NX);
  unit.frm = RM_RNE;
  assert.equal(unit.execute(FpOp.FADD_D, 3, 1, 2, 0, RM_DYN, x), true);
  assert.equal(f.f64[3], 0.30000000000000004);
  // A static mode overrides frm.
  unit.frm = 6;
  assert.equal(unit.execute(FpOp.FADD_D, 3, 1, 2, 0, 1, x), true);
  assert.equal(f.f64[3], 0.3);
});

test('x0 is never written, but flags still are', () => {
  const f = new FloatRegisterFile();
  const x = new IntRegisterFile();
  const unit = new FloatUnit(f);
  f.f64[1] = 2 ** 40;
  f.bits[2] = SNAN_D;
  for (const name of ['fcvt.w.d', 'fcvt.l.d', 'fmv.x.d', 'fclass.d', 'fmv.x.w', 'fcvt.wu.s']) {
    unit.execute(opByName(name), 0, 1, 2, 0, RM_RNE, x);
    assert.equal(x.x[0], 0n, name);
  }
  assert.equal(unit.fflags, FLAG_NV); // from fcvt.w.d of 2^40 (and fcvt.wu.s of a double)
  unit.fflags = 0;
  unit.execute(opByName('feq.d'), 0, 2, 2, 0, RM_RNE, x);
  assert.equal(x.x[0], 0n);
  assert.equal(unit.fflags, FLAG_NV);
});

test('operands may alias the destination', () => {
  const f = new FloatRegisterFile();
  const x = new IntRegisterFile();
  const unit = new FloatUnit(f);
  f.f64[1] = 1.5;
  unit.execute(FpOp.FMADD_D, 1, 1, 1, 1, RM_RNE, x); // 1.5 * 1.5 + 1.5
  assert.equal(f.f64[1], 3.75);
  f.bits[2] = sbits(3);
  unit.execute(FpOp.FMUL_S, 2, 2, 2, 0, RM_RNE, x);
  assert.equal(f.bits[2], BigInt.asIntN(64, sbits(9)));
});
