// The rounding helpers of the fast paths against exact BigInt rounding, on synthetic inputs
// aimed at their hardest cases: exact midpoints, midpoints pushed either way by a tiny second
// error term, values a whisker short of the neighbour, powers of two (where the gap below is
// half the gap above) and both signs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARGS, S_DECLINED, S_EXACT, roundNearD, roundS } from './fast-round.js';
import { CLS_FINITE, F32, F64, unpack } from './soft-format.js';
import { roundPack } from './soft-round.js';
import { Rng, dbits, fromDbits, hex64 } from './test-support.js';

/** The exact sum of doubles as (sign, sig, exp), or null if it is zero. */
function exactSum(values: number[]): { sign: number; sig: bigint; exp: number } | null {
  const terms = values.map((v) => unpack(F64, dbits(v))).filter((u) => u.cls === CLS_FINITE);
  const e = Math.min(...terms.map((t) => t.exp));
  let sum = 0n;
  for (const t of terms) sum += (t.sign ? -t.sig : t.sig) << BigInt(t.exp - e);
  if (sum === 0n) return null;
  return sum < 0n ? { sign: 1, sig: -sum, exp: e } : { sign: 0, sig: sum, exp: e };
}

/** ulp-sized gap from z toward dir (computed on the bits). */
function gap(z: number, dir: number): number {
  const b = dbits(z);
  const away = z > 0 === dir > 0;
  return fromDbits(away ? b + 1n : b - 1n) - z;
}

test('roundNearD matches exact rounding around midpoints', () => {
  const rng = new Rng(0xfeedn);
  const out = new Float64Array(1);
  let checked = 0;
  for (let i = 0; i < 60000; i++) {
    // z: random normal double, often a power of two.
    const exp = 1023 + rng.below(200) - 100;
    const mant = rng.below(4) === 0 ? 0n : rng.next64();
    const z = fromDbits((BigInt(rng.below(2)) << 63n) | (BigInt(exp) << 52n) | (mant & ((1n << 52n) - 1n)));
    const dir = rng.below(2) ? 1 : -1;
    const g = gap(z, dir);
    const h = g / 2;
    // f: the midpoint, a random fraction of the gap, or just short of the neighbour.
    const kind = rng.below(4);
    let f =
      kind === 0 ? h : kind === 1 ? g * (rng.below(1000) / 1000) : kind === 2 ? g - g * 2 ** -52 : h * 1.5;
    if (f === 0) f = h;
    // ferr: zero or tiny (at most half an ulp of f), of either sign.
    const ferr = rng.below(3) === 0 ? 0 : (rng.below(2) ? 1 : -1) * Math.abs(f) * 2 ** -(54 + rng.below(40));
    ARGS[0] = z;
    ARGS[1] = f;
    ARGS[2] = ferr;
    for (let rm = 0; rm < 5; rm++) {
      out[0] = 0;
      if (!roundNearD(out, 0, rm)) {
        // Declining is allowed only when the exact value is not strictly inside (z, z + g).
        assert.ok(Math.abs(f) >= Math.abs(g) - Math.abs(ferr), `declined inside: z=${z} f=${f} ferr=${ferr}`);
        continue;
      }
      const x = exactSum([z, f, ferr])!;
      const want = roundPack(F64, x.sign, x.sig, x.exp, false, rm, { fflags: 0 });
      assert.equal(hex64(dbits(out[0])), hex64(want), `rm=${rm} z=${z} f=${f} ferr=${ferr}`);
      checked++;
    }
  }
  assert.ok(checked > 250000);
});

test('roundS matches exact rounding, including double-rounding traps', () => {
  const rng = new Rng(0xbeefn);
  const out = new Float32Array(1);
  const s32 = new Float32Array(1);
  const u32 = new Uint32Array(s32.buffer);
  for (let i = 0; i < 60000; i++) {
    // r: a random normal single; hi: r, a single midpoint next to it, or a random double nearby.
    u32[0] =
      (rng.below(2) << 31) | ((127 + rng.below(120) - 60) << 23) | (rng.below(4) ? rng.below(1 << 23) : 0);
    const r = s32[0];
    u32[0] += rng.below(2) ? 1 : -1;
    const n = s32[0];
    const kind = rng.below(3);
    const hi = kind === 0 ? r : kind === 1 ? (r + n) / 2 : r + (n - r) * (rng.below(1000) / 1000);
    const lo = rng.below(3) === 0 ? 0 : (rng.below(2) ? 1 : -1) * Math.abs(hi) * 2 ** -(54 + rng.below(40));
    ARGS[0] = hi;
    ARGS[1] = lo;
    for (let rm = 0; rm < 5; rm++) {
      const res = roundS(out, 0, rm);
      assert.notEqual(res, S_DECLINED);
      const x = exactSum([hi, lo])!;
      const sink = { fflags: 0 };
      const want = roundPack(F32, x.sign, x.sig, x.exp, false, rm, sink);
      s32[0] = out[0];
      assert.equal(u32[0].toString(16), want.toString(16), `rm=${rm} hi=${hi} lo=${lo}`);
      assert.equal(res === S_EXACT, sink.fflags === 0, `exactness rm=${rm} hi=${hi} lo=${lo}`);
    }
  }
});
