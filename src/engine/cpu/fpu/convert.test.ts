// Directed tests of conversions: float to integer at the integer limits and with NaN/inf, each
// rounding mode, integer to float rounding, and conversions between single and double.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FLAG_NV, FLAG_NX, FLAG_OF, FLAG_UF, RM_RDN, RM_RMM, RM_RNE, RM_RTZ, RM_RUP } from './fp-ops.js';
import { Harness, box, dbits, hex64, opByName, sbits } from './test-support.js';

const h = new Harness();
const RM_NAME = ['rne', 'rtz', 'rdn', 'rup', 'rmm'];

function check(name: string, rm: number, a: bigint, want: bigint, flags: number): void {
  const got = h.run(opByName(name), rm, a);
  assert.ok(got, `${name} rejected`);
  const what = `${name}.${RM_NAME[rm]}(${hex64(a)})`;
  assert.equal(hex64(got.r), hex64(want), what);
  assert.equal(got.flags, flags, `${what} flags`);
}

const d = dbits;
const s = sbits;
const u64 = (v: bigint) => BigInt.asUintN(64, v);
const NAN_D = 0x7ff8000000000000n;
const SNAN_D = 0x7ff0000000000001n;
const INF_D = 0x7ff0000000000000n;
const NINF_D = 0xfff0000000000000n;
const I32_MAX = 0x7fffffffn;
const I32_MIN = u64(-(2n ** 31n));
const ALL1 = 0xffffffffffffffffn;
const I64_MAX = 0x7fffffffffffffffn;
const I64_MIN = 0x8000000000000000n;

test('fcvt.w.d: limits of the signed 32-bit range', () => {
  check('fcvt.w.d', RM_RNE, d(2 ** 31 - 1), I32_MAX, 0);
  check('fcvt.w.d', RM_RNE, d(2 ** 31), I32_MAX, FLAG_NV);
  check('fcvt.w.d', RM_RNE, d(-(2 ** 31)), I32_MIN, 0);
  check('fcvt.w.d', RM_RNE, d(-(2 ** 31) - 1), I32_MIN, FLAG_NV);
  // The range check applies after rounding.
  check('fcvt.w.d', RM_RTZ, d(2147483647.5), I32_MAX, FLAG_NX);
  check('fcvt.w.d', RM_RNE, d(2147483647.5), I32_MAX, FLAG_NV); // rounds to 2^31
  check('fcvt.w.d', RM_RTZ, d(-2147483648.75), I32_MIN, FLAG_NX);
  check('fcvt.w.d', RM_RDN, d(-2147483648.25), I32_MIN, FLAG_NV); // rounds to -2^31 - 1
  check('fcvt.w.d', RM_RNE, NAN_D, I32_MAX, FLAG_NV);
  check('fcvt.w.d', RM_RNE, 0xfff8000000000000n, I32_MAX, FLAG_NV); // NaN sign is ignored
  check('fcvt.w.d', RM_RNE, SNAN_D, I32_MAX, FLAG_NV);
  check('fcvt.w.d', RM_RNE, INF_D, I32_MAX, FLAG_NV);
  check('fcvt.w.d', RM_RNE, NINF_D, I32_MIN, FLAG_NV);
  check('fcvt.w.d', RM_RNE, d(-1), ALL1, 0);
  check('fcvt.w.d', RM_RNE, d(1e300), I32_MAX, FLAG_NV);
  check('fcvt.w.d', RM_RNE, 1n, 0n, FLAG_NX); // subnormal
});

test('fcvt.wu.d: unsigned 32-bit, sign-extended into the register', () => {
  check('fcvt.wu.d', RM_RNE, d(4294967295), ALL1, 0); // 0xffffffff sign-extends to all ones
  check('fcvt.wu.d', RM_RNE, d(2147483648), 0xffffffff80000000n, 0);
  check('fcvt.wu.d', RM_RNE, d(2 ** 32), ALL1, FLAG_NV);
  check('fcvt.wu.d', RM_RNE, d(-1), 0n, FLAG_NV);
  check('fcvt.wu.d', RM_RNE, NINF_D, 0n, FLAG_NV);
  check('fcvt.wu.d', RM_RNE, NAN_D, ALL1, FLAG_NV);
  // Negative values that round to zero are in range: NX, not NV.
  check('fcvt.wu.d', RM_RTZ, d(-0.5), 0n, FLAG_NX);
  check('fcvt.wu.d', RM_RNE, d(-0.5), 0n, FLAG_NX);
  check('fcvt.wu.d', RM_RUP, d(-0.9), 0n, FLAG_NX);
  check('fcvt.wu.d', RM_RDN, d(-0.5), 0n, FLAG_NV);
  check('fcvt.wu.d', RM_RMM, d(-0.5), 0n, FLAG_NV); // ties away: -1
  check('fcvt.wu.d', RM_RNE, d(-0), 0n, 0);
});

test('fcvt.l.d and fcvt.lu.d: 64-bit limits', () => {
  check('fcvt.l.d', RM_RNE, d(2 ** 63), I64_MAX, FLAG_NV);
  check('fcvt.l.d', RM_RNE, d(2 ** 63 - 1024), 0x7ffffffffffffc00n, 0); // largest double below 2^63
  check('fcvt.l.d', RM_RNE, d(-(2 ** 63)), I64_MIN, 0);
  check('fcvt.l.d', RM_RNE, 0xc3e0000000000001n, I64_MIN, FLAG_NV); // just below -2^63
  check('fcvt.l.d', RM_RNE, NAN_D, I64_MAX, FLAG_NV);
  check('fcvt.l.d', RM_RNE, NINF_D, I64_MIN, FLAG_NV);
  check('fcvt.l.d', RM_RNE, d(-(2 ** 53) - 2), u64(-(2n ** 53n) - 2n), 0);
  check('fcvt.lu.d', RM_RNE, d(2 ** 64), ALL1, FLAG_NV);
  check('fcvt.lu.d', RM_RNE, d(2 ** 64 - 2048), 0xfffffffffffff800n, 0);
  check('fcvt.lu.d', RM_RNE, d(2 ** 63), I64_MIN, 0);
  check('fcvt.lu.d', RM_RNE, d(-1), 0n, FLAG_NV);
  check('fcvt.lu.d', RM_RTZ, d(-0.75), 0n, FLAG_NX);
  check('fcvt.lu.d', RM_RNE, NAN_D, ALL1, FLAG_NV);
  check('fcvt.lu.d', RM_RNE, INF_D, ALL1, FLAG_NV);
  check('fcvt.lu.d', RM_RNE, NINF_D, 0n, FLAG_NV);
});

test('single-precision sources convert the same way', () => {
  check('fcvt.w.s', RM_RNE, s(2 ** 31), I32_MAX, FLAG_NV);
  check('fcvt.w.s', RM_RNE, s(-(2 ** 31)), I32_MIN, 0);
  check('fcvt.wu.s', RM_RNE, s(2 ** 32), ALL1, FLAG_NV);
  check('fcvt.wu.s', RM_RNE, s(4294967040), 0xffffffffffffff00n, 0); // largest single below 2^32
  check('fcvt.l.s', RM_RNE, s(2 ** 63), I64_MAX, FLAG_NV);
  check('fcvt.l.s', RM_RNE, s(-(2 ** 63)), I64_MIN, 0);
  check('fcvt.lu.s', RM_RNE, s(2 ** 64), ALL1, FLAG_NV);
  check('fcvt.lu.s', RM_RNE, s(2 ** 64 - 2 ** 40), 0xffffff0000000000n, 0);
  check('fcvt.lu.s', RM_RNE, s(-1), 0n, FLAG_NV);
  check('fcvt.w.s', RM_RNE, box(0x7fc00000), I32_MAX, FLAG_NV);
  check('fcvt.l.s', RM_RNE, box(0xff800000), I64_MIN, FLAG_NV);
  // A single that is not NaN-boxed reads as NaN.
  check('fcvt.w.s', RM_RNE, 0x000000003f800000n, I32_MAX, FLAG_NV);
});

test('rounding to integer in each mode', () => {
  const cases: [number, number[]][] = [
    // value, results for rne, rtz, rdn, rup, rmm
    [2.5, [2, 2, 2, 3, 3]],
    [-2.5, [-2, -2, -3, -2, -3]],
    [3.5, [4, 3, 3, 4, 4]],
    [-0.5, [0, 0, -1, 0, -1]],
    [0.49999999999999994, [0, 0, 0, 1, 0]], // v + 0.5 would round up to 1
    [1.25, [1, 1, 1, 2, 1]],
    [-7.75, [-8, -7, -8, -7, -8]],
    [
      4503599627370495.5,
      [4503599627370496, 4503599627370495, 4503599627370495, 4503599627370496, 4503599627370496],
    ],
  ];
  for (const [v, outs] of cases) {
    for (let rm = 0; rm < 5; rm++) {
      check('fcvt.l.d', rm, d(v), u64(BigInt(outs[rm])), FLAG_NX);
    }
  }
  check('fcvt.w.s', RM_RMM, s(-1.5), u64(-2n), FLAG_NX);
  check('fcvt.w.s', RM_RNE, s(-1.5), u64(-2n), FLAG_NX);
  check('fcvt.w.s', RM_RNE, s(0.5), 0n, FLAG_NX);
  check('fcvt.w.d', RM_RNE, d(7), 7n, 0);
});

test('integer to float conversions round per rm', () => {
  h.x.x[1] = 0n;
  // 2^24 + 1 is a tie between 2^24 and 2^24 + 2.
  const t = 16777217n;
  check('fcvt.s.w', RM_RNE, t, s(16777216), FLAG_NX);
  check('fcvt.s.w', RM_RMM, t, s(16777218), FLAG_NX);
  check('fcvt.s.w', RM_RUP, t, s(16777218), FLAG_NX);
  check('fcvt.s.w', RM_RTZ, t, s(16777216), FLAG_NX);
  check('fcvt.s.w', RM_RDN, u64(-t), s(-16777218), FLAG_NX);
  check('fcvt.s.w', RM_RNE, 16777219n, s(16777220), FLAG_NX); // tie to even
  check('fcvt.s.w', RM_RNE, u64(-(2n ** 31n)), s(-(2 ** 31)), 0);
  check('fcvt.s.w', RM_RNE, 0n, s(0), 0); // +0, no flags
  // fcvt.s.w reads only the low 32 bits.
  check('fcvt.s.w', RM_RNE, 0x1234567800000003n, s(3), 0);
  check('fcvt.s.wu', RM_RNE, ALL1, s(4294967296), FLAG_NX);
  check('fcvt.s.wu', RM_RTZ, ALL1, s(4294967040), FLAG_NX);
  check('fcvt.s.l', RM_RNE, I64_MIN, s(-(2 ** 63)), 0);
  check('fcvt.s.l', RM_RUP, (1n << 62n) + 1n, s(2 ** 62 + 2 ** 39), FLAG_NX);
  check('fcvt.s.lu', RM_RNE, ALL1, s(2 ** 64), FLAG_NX);
  check('fcvt.s.lu', RM_RTZ, ALL1, s(2 ** 64 - 2 ** 40), FLAG_NX);
  check('fcvt.s.l', RM_RNE, ALL1, s(-1), 0);
  check('fcvt.d.w', RM_RNE, ALL1, d(-1), 0);
  check('fcvt.d.wu', RM_RNE, ALL1, d(4294967295), 0);
  check('fcvt.d.l', RM_RNE, (1n << 53n) + 1n, d(2 ** 53), FLAG_NX);
  check('fcvt.d.l', RM_RMM, (1n << 53n) + 1n, d(2 ** 53 + 2), FLAG_NX);
  check('fcvt.d.l', RM_RUP, (1n << 53n) + 1n, d(2 ** 53 + 2), FLAG_NX);
  check('fcvt.d.l', RM_RDN, u64(-(1n << 53n) - 1n), d(-(2 ** 53) - 2), FLAG_NX);
  check('fcvt.d.l', RM_RNE, I64_MAX, d(2 ** 63), FLAG_NX);
  check('fcvt.d.l', RM_RTZ, I64_MAX, d(2 ** 63 - 1024), FLAG_NX);
  check('fcvt.d.l', RM_RNE, I64_MIN, d(-(2 ** 63)), 0);
  check('fcvt.d.lu', RM_RNE, ALL1, d(2 ** 64), FLAG_NX);
  check('fcvt.d.lu', RM_RTZ, ALL1, d(2 ** 64 - 2048), FLAG_NX);
  check('fcvt.d.lu', RM_RNE, 0n, d(0), 0);
});

test('fcvt.s.d rounds, fcvt.d.s is exact, NaNs become canonical', () => {
  check('fcvt.s.d', RM_RNE, d(0.1), box(0x3dcccccd), FLAG_NX);
  check('fcvt.s.d', RM_RTZ, d(0.1), box(0x3dcccccc), FLAG_NX);
  check('fcvt.s.d', RM_RDN, d(-0.1), box(0xbdcccccd), FLAG_NX);
  check('fcvt.s.d', RM_RNE, d(1.5), s(1.5), 0);
  check('fcvt.s.d', RM_RNE, d(-0), box(0x80000000), 0);
  check('fcvt.s.d', RM_RNE, NINF_D, box(0xff800000), 0);
  check('fcvt.s.d', RM_RNE, SNAN_D, box(0x7fc00000), FLAG_NV);
  check('fcvt.s.d', RM_RNE, 0xfff8000000001234n, box(0x7fc00000), 0);
  check('fcvt.s.d', RM_RNE, d(1e-50), s(0), FLAG_UF | FLAG_NX);
  check('fcvt.s.d', RM_RUP, d(1e-50), box(1), FLAG_UF | FLAG_NX);
  check('fcvt.s.d', RM_RNE, d(3.4028235677973366e38), box(0x7f800000), FLAG_OF | FLAG_NX); // max + ulp/2: tie to even
  check('fcvt.s.d', RM_RTZ, d(1e300), box(0x7f7fffff), FLAG_OF | FLAG_NX);
  check('fcvt.d.s', RM_RNE, box(0x7f800001), NAN_D, FLAG_NV);
  check('fcvt.d.s', RM_RNE, box(0xffc00123), NAN_D, 0);
  check('fcvt.d.s', RM_RNE, box(0x00000001), d(2 ** -149), 0);
  check('fcvt.d.s', RM_RNE, box(0x80000000), 0x8000000000000000n, 0);
  check('fcvt.d.s', RM_RNE, box(0xff800000), NINF_D, 0);
  check('fcvt.d.s', RM_RNE, 0x000000003f800000n, NAN_D, 0); // not NaN-boxed: canonical NaN, quiet
  check('fcvt.d.s', RM_RTZ, s(0.1), d(Math.fround(0.1)), 0);
});
