// Directed tests of F/D arithmetic: NaNs, signed zeros, overflow and underflow in every rounding
// mode, subnormals, fused multiply-add cases that double rounding gets wrong, division and
// square root corner cases.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FLAG_DZ,
  FLAG_NV,
  FLAG_NX,
  FLAG_OF,
  FLAG_UF,
  RM_RDN,
  RM_RMM,
  RM_RNE,
  RM_RTZ,
  RM_RUP,
} from './fp-ops.js';
import { Harness, box, dbits, hex64, opByName, sbits } from './test-support.js';

const h = new Harness();
const ALL_RM = [RM_RNE, RM_RTZ, RM_RDN, RM_RUP, RM_RMM];
const RM_NAME = ['rne', 'rtz', 'rdn', 'rup', 'rmm'];

/** Runs op (by mnemonic) on raw patterns and checks the result pattern and the flags. */
function check(name: string, rm: number, args: bigint[], want: bigint, flags: number): void {
  const got = h.run(opByName(name), rm, args[0], args[1] ?? 0n, args[2] ?? 0n);
  assert.ok(got, `${name} rejected`);
  const what = `${name}.${RM_NAME[rm]}(${args.map(hex64).join(', ')})`;
  assert.equal(hex64(got.r), hex64(want), what);
  assert.equal(got.flags, flags, `${what} flags`);
}

const d = dbits;
const s = sbits;
const MAX_D = 0x7fefffffffffffffn;
const MAX_S = box(0x7f7fffff);
const INF_D = 0x7ff0000000000000n;
const NINF_D = 0xfff0000000000000n;
const CNAN_D = 0x7ff8000000000000n;
const CNAN_S = box(0x7fc00000);
const SNAN_D = 0x7ff0000000000001n;
const SNAN_S = box(0x7f800001);
const NEG0_D = 0x8000000000000000n;
const NEG0_S = box(0x80000000);

test('NaN results are canonical; only signaling NaNs raise NV', () => {
  for (const op of ['fadd.d', 'fsub.d', 'fmul.d', 'fdiv.d']) {
    check(op, RM_RNE, [0x7ff8000000000123n, d(1)], CNAN_D, 0); // payload dropped
    check(op, RM_RNE, [d(1), 0xfff8000000000000n], CNAN_D, 0); // sign dropped
    check(op, RM_RNE, [SNAN_D, d(1)], CNAN_D, FLAG_NV);
    check(op, RM_RNE, [d(2), 0xfff4000000000000n], CNAN_D, FLAG_NV);
  }
  for (const op of ['fadd.s', 'fsub.s', 'fmul.s', 'fdiv.s']) {
    check(op, RM_RNE, [box(0x7fc00abc), s(1)], CNAN_S, 0);
    check(op, RM_RNE, [s(1), SNAN_S], CNAN_S, FLAG_NV);
  }
  check('fsqrt.d', RM_RNE, [0x7ff800000000beefn], CNAN_D, 0);
  check('fsqrt.s', RM_RNE, [SNAN_S], CNAN_S, FLAG_NV);
  check('fmadd.d', RM_RNE, [d(1), d(2), 0x7ff4000000000000n], CNAN_D, FLAG_NV);
  check('fmadd.s', RM_RNE, [box(0xffc00001), s(1), s(2)], CNAN_S, 0);
});

test('invalid operations raise NV and give the canonical NaN', () => {
  check('fadd.d', RM_RNE, [INF_D, NINF_D], CNAN_D, FLAG_NV);
  check('fsub.s', RM_RNE, [box(0x7f800000), box(0x7f800000)], CNAN_S, FLAG_NV);
  check('fmul.d', RM_RNE, [INF_D, NEG0_D], CNAN_D, FLAG_NV);
  check('fdiv.d', RM_RNE, [d(0), d(0)], CNAN_D, FLAG_NV);
  check('fdiv.s', RM_RNE, [box(0xff800000), box(0x7f800000)], CNAN_S, FLAG_NV);
  check('fsqrt.d', RM_RNE, [d(-1)], CNAN_D, FLAG_NV);
  check('fsqrt.d', RM_RNE, [NINF_D], CNAN_D, FLAG_NV);
  check('fsqrt.s', RM_RNE, [box(0x80000001)], CNAN_S, FLAG_NV); // negative subnormal
  // Spec 20.6: inf * 0 + qNaN raises NV (IEEE leaves this optional).
  check('fmadd.d', RM_RNE, [INF_D, d(0), CNAN_D], CNAN_D, FLAG_NV);
  check('fnmsub.s', RM_RNE, [s(0), box(0xff800000), CNAN_S], CNAN_S, FLAG_NV);
  check('fmadd.d', RM_RNE, [INF_D, d(0), d(1)], CNAN_D, FLAG_NV);
  check('fmadd.d', RM_RNE, [INF_D, d(2), NINF_D], CNAN_D, FLAG_NV);
  check('fmsub.d', RM_RNE, [INF_D, d(2), INF_D], CNAN_D, FLAG_NV);
  check('fmadd.d', RM_RNE, [INF_D, d(2), INF_D], INF_D, 0);
  check('fnmadd.d', RM_RNE, [INF_D, d(2), NINF_D], CNAN_D, FLAG_NV); // -inf - (-inf)
});

test('division by zero raises DZ only for finite nonzero dividends', () => {
  check('fdiv.d', RM_RNE, [d(1), d(0)], INF_D, FLAG_DZ);
  check('fdiv.d', RM_RNE, [d(-1), d(0)], NINF_D, FLAG_DZ);
  check('fdiv.d', RM_RNE, [d(1), NEG0_D], NINF_D, FLAG_DZ);
  check('fdiv.s', RM_RNE, [box(1), s(0)], box(0x7f800000), FLAG_DZ); // subnormal / 0
  check('fdiv.d', RM_RNE, [INF_D, d(0)], INF_D, 0);
  check('fdiv.d', RM_RNE, [d(0), d(5)], d(0), 0);
  check('fdiv.d', RM_RNE, [d(5), NINF_D], NEG0_D, 0);
});

test('exact zero sums are +0, except -0 when rounding down', () => {
  for (const rm of ALL_RM) {
    const z = rm === RM_RDN ? NEG0_D : d(0);
    check('fadd.d', rm, [d(1), d(-1)], z, 0);
    check('fsub.d', rm, [d(1.5), d(1.5)], z, 0);
    check('fadd.d', rm, [d(0), NEG0_D], z, 0);
    check('fadd.d', rm, [NEG0_D, NEG0_D], NEG0_D, 0); // like signs keep their sign
    check('fadd.d', rm, [d(0), d(0)], d(0), 0);
    check('fsub.d', rm, [NEG0_D, d(0)], NEG0_D, 0);
    check('fadd.s', rm, [s(3), s(-3)], rm === RM_RDN ? NEG0_S : s(0), 0);
    // fma cancellation: 1*1 + (-1); fnmadd is (-(1*1)) - (-1), not -(1*1 + -1) (spec 20.6).
    check('fmadd.d', rm, [d(1), d(1), d(-1)], z, 0);
    check('fnmadd.d', rm, [d(1), d(1), d(-1)], z, 0);
    check('fmsub.s', rm, [s(2), s(3), s(6)], rm === RM_RDN ? NEG0_S : s(0), 0);
    // An exact zero product plus a zero addend.
    check('fmadd.d', rm, [NEG0_D, d(5), NEG0_D], NEG0_D, 0);
    check('fmadd.d', rm, [NEG0_D, d(5), d(0)], z, 0);
    check('fnmsub.d', rm, [d(0), d(5), d(0)], z, 0); // -(+0) + (+0)
    check('fmadd.d', rm, [d(0), d(5), d(-7)], d(-7), 0);
  }
  check('fmul.d', RM_RNE, [NEG0_D, d(5)], NEG0_D, 0);
  check('fmul.s', RM_RNE, [s(-2), s(0)], NEG0_S, 0);
  check('fsqrt.d', RM_RNE, [NEG0_D], NEG0_D, 0);
  check('fsqrt.s', RM_RNE, [NEG0_S], NEG0_S, 0);
  check('fdiv.d', RM_RNE, [NEG0_D, d(3)], NEG0_D, 0);
});

test('overflow gives infinity or the largest finite number by rounding mode', () => {
  // [rm, result for +overflow, result for -overflow]
  const table: [number, bigint, bigint][] = [
    [RM_RNE, INF_D, NINF_D],
    [RM_RTZ, MAX_D, MAX_D | (1n << 63n)],
    [RM_RDN, MAX_D, NINF_D],
    [RM_RUP, INF_D, MAX_D | (1n << 63n)],
    [RM_RMM, INF_D, NINF_D],
  ];
  for (const [rm, pos, neg] of table) {
    check('fmul.d', rm, [MAX_D, d(2)], pos, FLAG_OF | FLAG_NX);
    check('fmul.d', rm, [MAX_D, d(-2)], neg, FLAG_OF | FLAG_NX);
    check('fadd.d', rm, [MAX_D, MAX_D], pos, FLAG_OF | FLAG_NX);
    check('fdiv.d', rm, [d(2 ** 1000), d(2 ** -100)], pos, FLAG_OF | FLAG_NX);
    check('fmadd.d', rm, [d(2 ** 600), d(-(2 ** 600)), d(1)], neg, FLAG_OF | FLAG_NX);
    const sPos = pos === INF_D ? box(0x7f800000) : MAX_S;
    const sNeg = neg === NINF_D ? box(0xff800000) : box(0xff7fffff);
    check('fmul.s', rm, [MAX_S, s(4)], sPos, FLAG_OF | FLAG_NX);
    check('fsub.s', rm, [box(0xff7fffff), MAX_S], sNeg, FLAG_OF | FLAG_NX);
    check('fcvt.s.d', rm, [d(1e39)], sPos, FLAG_OF | FLAG_NX);
  }
  // Half an ulp above the largest double is a tie that RNE breaks to the even side: 2^1024.
  check('fadd.d', RM_RNE, [MAX_D, d(2 ** 970)], INF_D, FLAG_OF | FLAG_NX);
  check('fadd.d', RM_RNE, [MAX_D, d(2 ** 969)], MAX_D, FLAG_NX);
  check('fadd.d', RM_RUP, [MAX_D, d(2 ** 969)], INF_D, FLAG_OF | FLAG_NX);
  // Rounded toward zero with an unbounded exponent the sum is the largest double: no overflow.
  check('fadd.d', RM_RTZ, [MAX_D, d(2 ** 970)], MAX_D, FLAG_NX);
  // Infinite operands are exact: no overflow.
  check('fadd.d', RM_RTZ, [INF_D, d(1)], INF_D, 0);
});

test('underflow: tininess is detected after rounding', () => {
  // (1 - 2^-27)(1 + 2^-27) = 1 - 2^-54, scaled to just below 2^-1022. Rounded to 53 bits with
  // unbounded exponent it is a tie that RNE rounds up to 2^-1022, so it is not tiny: NX only.
  const a = d(1 - 2 ** -27);
  const b = d((1 + 2 ** -27) * 2 ** -1022);
  const minNormal = 0x0010000000000000n;
  const maxSub = 0x000fffffffffffffn;
  check('fmul.d', RM_RNE, [a, b], minNormal, FLAG_NX);
  check('fmul.d', RM_RMM, [a, b], minNormal, FLAG_NX);
  check('fmul.d', RM_RUP, [a, b], minNormal, FLAG_NX);
  // Rounding toward zero leaves it below 2^-1022: tiny and inexact.
  check('fmul.d', RM_RTZ, [a, b], maxSub, FLAG_UF | FLAG_NX);
  check('fmul.d', RM_RDN, [a, b], maxSub, FLAG_UF | FLAG_NX);
  // (1 - 2^-53) * 2^-1022 is tiny even after rounding (53 bits hold it exactly), and it is a tie
  // on the subnormal grid: rounds to even 2^-1022, still UF.
  check('fmul.d', RM_RNE, [d(1 - 2 ** -53), minNormal], minNormal, FLAG_UF | FLAG_NX);
  // Single precision: (1 - 2^-25) * 2^-126 is a 24-bit tie that rounds up to 2^-126 (not tiny).
  // (A product (1 - 2^-12)(1 + 2^-12) = 1 - 2^-24 would not do: that has only 24 bits.)
  const nearMin = d((1 - 2 ** -25) * 2 ** -126);
  check('fcvt.s.d', RM_RNE, [nearMin], box(0x00800000), FLAG_NX);
  check('fcvt.s.d', RM_RTZ, [nearMin], box(0x007fffff), FLAG_UF | FLAG_NX);
  check(
    'fmul.s',
    RM_RNE,
    [s(1 - 2 ** -12), s((1 + 2 ** -12) * 2 ** -126)],
    box(0x00800000),
    FLAG_UF | FLAG_NX,
  );
  // Exact subnormal results raise nothing; inexact ones raise UF and NX.
  check('fmul.d', RM_RNE, [d(2 ** -1000), d(2 ** -70)], d(2 ** -1070), 0);
  check('fsub.d', RM_RNE, [d(2 ** -1022 * 1.5), minNormal], d(2 ** -1023), 0);
  check('fmul.d', RM_RNE, [d(2 ** -1000 * (1 + 2 ** -52)), d(2 ** -70)], d(2 ** -1070), FLAG_UF | FLAG_NX);
  // Results that round to zero or to the smallest subnormal by mode.
  for (const rm of ALL_RM) {
    const up = rm === RM_RUP;
    check('fmul.d', rm, [d(2 ** -600), d(2 ** -600)], up ? 1n : 0n, FLAG_UF | FLAG_NX);
    const down = rm === RM_RDN;
    check(
      'fmul.d',
      rm,
      [d(-(2 ** -600)), d(2 ** -600)],
      down ? 0x8000000000000001n : NEG0_D,
      FLAG_UF | FLAG_NX,
    );
    check('fmul.s', rm, [s(2 ** -100), s(2 ** -100)], up ? box(1) : s(0), FLAG_UF | FLAG_NX);
  }
  // Half the smallest subnormal: a tie, to even (zero) in RNE, away in RMM.
  check('fmul.d', RM_RNE, [1n, d(0.5)], 0n, FLAG_UF | FLAG_NX);
  check('fmul.d', RM_RMM, [1n, d(0.5)], 1n, FLAG_UF | FLAG_NX);
  check('fcvt.s.d', RM_RNE, [d(1e-40)], box(0x000116c2), FLAG_UF | FLAG_NX);
});

test('subnormal operands', () => {
  check('fadd.d', RM_RNE, [1n, 1n], 2n, 0);
  check('fmul.d', RM_RNE, [1n, d(2 ** 1000)], d(2 ** -74), 0);
  check('fsqrt.d', RM_RNE, [1n], d(2 ** -537), 0);
  check('fdiv.s', RM_RNE, [box(1), box(0x00800000)], s(2 ** -23), 0);
  check('fmadd.s', RM_RNE, [box(3), s(2 ** 100), s(1)], s(1 + 3 * 2 ** -49), FLAG_NX);
  check('fcvt.d.s', RM_RNE, [box(1)], d(2 ** -149), 0);
  check('fsqrt.s', RM_RNE, [box(2)], s(2 ** -74), 0);
  check('fsqrt.s', RM_RNE, [box(3)], s(Math.fround(Math.sqrt(3 * 2 ** -149))), FLAG_NX);
});

test('fused multiply-add rounds once', () => {
  const a = d(1 + 2 ** -27); // a * a = 1 + 2^-26 + 2^-54
  // Rounding the product first would lose 2^-54; the sum with 2^-53 is then an exact tie that
  // rounds to even (down). The fused result is just above the tie: up.
  check('fmadd.d', RM_RNE, [a, a, d(2 ** -53)], d(1 + 2 ** -26 + 2 ** -52), FLAG_NX);
  check('fmsub.d', RM_RNE, [a, a, d(-(2 ** -53))], d(1 + 2 ** -26 + 2 ** -52), FLAG_NX);
  check('fnmadd.d', RM_RNE, [a, a, d(2 ** -53)], d(-(1 + 2 ** -26 + 2 ** -52)), FLAG_NX);
  // Exactly a tie: RNE to even, RMM away.
  check('fmadd.d', RM_RNE, [a, a, d(2 ** -54)], d(1 + 2 ** -26), FLAG_NX);
  check('fmadd.d', RM_RMM, [a, a, d(2 ** -54)], d(1 + 2 ** -26 + 2 ** -52), FLAG_NX);
  check('fnmsub.d', RM_RMM, [a, a, d(-(2 ** -54))], d(-(1 + 2 ** -26 + 2 ** -52)), FLAG_NX);
  // Directed modes see the product's low bits.
  check('fmadd.d', RM_RUP, [a, a, d(0)], d(1 + 2 ** -26 + 2 ** -52), FLAG_NX);
  check('fmadd.d', RM_RDN, [a, a, d(0)], d(1 + 2 ** -26), FLAG_NX);
  check('fmadd.d', RM_RTZ, [a, a, d(-1)], d(2 ** -26 + 2 ** -54), 0); // exact after cancellation
  // Single precision: the product is exact in a double, but adding a tiny addend in double and
  // then rounding to single would round twice (the double sum lands on the single tie).
  const b = s(1 + 2 ** -12); // b * b = 1 + 2^-11 + 2^-24, a single-precision tie
  check('fmadd.s', RM_RNE, [b, b, s(2 ** -80)], s(1 + 2 ** -11 + 2 ** -23), FLAG_NX);
  check('fmadd.s', RM_RNE, [b, b, s(-(2 ** -80))], s(1 + 2 ** -11), FLAG_NX);
  check('fmadd.s', RM_RNE, [b, b, s(0)], s(1 + 2 ** -11), FLAG_NX);
  check('fmadd.s', RM_RMM, [b, b, s(0)], s(1 + 2 ** -11 + 2 ** -23), FLAG_NX);
  check('fmadd.s', RM_RNE, [b, b, s(2 ** -40)], s(1 + 2 ** -11 + 2 ** -23), FLAG_NX);
  // A product that underflows alone but not with the addend is fine.
  check('fmadd.d', RM_RNE, [d(2 ** -600), d(2 ** -600), d(1)], d(1), FLAG_NX);
  check('fmadd.d', RM_RUP, [d(2 ** -600), d(2 ** -600), d(1)], d(1 + 2 ** -52), FLAG_NX);
  // A product that overflows alone but not with the addend.
  check('fmadd.d', RM_RNE, [d(2 ** 1000), d(2 ** 24), d(-(2 ** 1023))], d(2 ** 1023), 0);
});

test('square root is correctly rounded in every mode', () => {
  const lo = 0x3ff6a09e667f3bccn; // sqrt(2) = 1.41421356237309504880... lies between these
  const hi = 0x3ff6a09e667f3bcdn;
  check('fsqrt.d', RM_RNE, [d(2)], hi, FLAG_NX);
  check('fsqrt.d', RM_RTZ, [d(2)], lo, FLAG_NX);
  check('fsqrt.d', RM_RDN, [d(2)], lo, FLAG_NX);
  check('fsqrt.d', RM_RUP, [d(2)], hi, FLAG_NX);
  check('fsqrt.d', RM_RMM, [d(2)], hi, FLAG_NX);
  check('fsqrt.d', RM_RNE, [d(4)], d(2), 0);
  check('fsqrt.d', RM_RNE, [INF_D], INF_D, 0);
  check('fsqrt.s', RM_RNE, [s(2)], box(0x3fb504f3), FLAG_NX);
  check('fsqrt.s', RM_RUP, [s(2)], box(0x3fb504f4), FLAG_NX);
  check('fsqrt.s', RM_RNE, [s(0.25)], s(0.5), 0);
});

test('division rounds in every mode', () => {
  const third = 0x3fd5555555555555n; // below 1/3
  for (const [rm, want] of [
    [RM_RNE, third],
    [RM_RTZ, third],
    [RM_RDN, third],
    [RM_RUP, third + 1n],
    [RM_RMM, third],
  ] as const) {
    check('fdiv.d', rm, [d(1), d(3)], want, FLAG_NX);
    const negWant = rm === RM_RDN ? third + 1n : third;
    check('fdiv.d', rm, [d(-1), d(3)], negWant | (1n << 63n), FLAG_NX);
  }
  check('fdiv.s', RM_RNE, [s(1), s(3)], box(0x3eaaaaab), FLAG_NX);
  check('fdiv.s', RM_RTZ, [s(1), s(3)], box(0x3eaaaaaa), FLAG_NX);
  check('fdiv.d', RM_RNE, [d(6), d(3)], d(2), 0);
});

test('addition and multiplication in each rounding mode', () => {
  // 0.1 + 0.2: the exact sum lies between 0.3 - ulp/2.. and the nearest double above.
  const lo = d(0.3);
  const hiv = d(0.30000000000000004);
  const want = [hiv, lo, lo, hiv, hiv];
  for (const rm of ALL_RM) check('fadd.d', rm, [d(0.1), d(0.2)], want[rm], FLAG_NX);
  // Ties in addition: 1 + 2^-53 is halfway between 1 and 1 + 2^-52.
  check('fadd.d', RM_RNE, [d(1), d(2 ** -53)], d(1), FLAG_NX);
  check('fadd.d', RM_RMM, [d(1), d(2 ** -53)], d(1 + 2 ** -52), FLAG_NX);
  check('fadd.d', RM_RNE, [d(1 + 2 ** -52), d(2 ** -53)], d(1 + 2 ** -51), FLAG_NX);
  check('fsub.d', RM_RMM, [d(-1), d(2 ** -53)], d(-(1 + 2 ** -52)), FLAG_NX);
  check('fsub.d', RM_RTZ, [d(1), d(2 ** -60)], d(1 - 2 ** -53), FLAG_NX);
  check('fmul.d', RM_RUP, [d(1 + 2 ** -52), d(1 + 2 ** -52)], d(1 + 2 ** -51 + 2 ** -52), FLAG_NX);
  check('fmul.d', RM_RNE, [d(1 + 2 ** -52), d(1 + 2 ** -52)], d(1 + 2 ** -51), FLAG_NX);
  check('fmul.d', RM_RDN, [d(-(1 + 2 ** -52)), d(1 + 2 ** -52)], d(-(1 + 2 ** -51 + 2 ** -52)), FLAG_NX);
  check('fadd.s', RM_RNE, [s(1), s(2 ** -24)], s(1), FLAG_NX);
  check('fadd.s', RM_RMM, [s(1), s(2 ** -24)], s(1 + 2 ** -23), FLAG_NX);
  check('fadd.s', RM_RUP, [s(1), s(2 ** -100)], s(1 + 2 ** -23), FLAG_NX);
  check('fadd.s', RM_RDN, [s(1), s(-(2 ** -100))], s(1 - 2 ** -24), FLAG_NX);
});

test('flags accumulate', () => {
  const { unit } = h;
  h.run(opByName('fdiv.d'), RM_RNE, d(1), d(0));
  assert.equal(unit.fflags, FLAG_DZ);
  unit.execute(opByName('fadd.d'), 5, 1, 1, 0, RM_RNE, h.x); // inf + inf: exact, adds nothing
  assert.equal(unit.fflags, FLAG_DZ);
  h.f.f64[6] = 0.1;
  h.f.f64[7] = 0.2;
  unit.execute(opByName('fadd.d'), 5, 6, 7, 0, RM_RNE, h.x);
  assert.equal(unit.fflags, FLAG_DZ | FLAG_NX);
});
