// The JIT's exit record keeps the pc as an i64 (hart-state.ts); JavaScript reads and writes it
// through two i32 words. Every pc a hart can hold must survive the round trip and read in wasm as
// the same 64-bit address.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readExitPc, writeExitPc } from './hart-state.js';

const PCS = [
  0,
  2,
  0x80000000, // RAM_BASE
  0xfffffffe,
  0x100000000,
  0x3ffffffffe, // top of Sv39's lower half
  -0x7fe00000, // 0xffffffff80200000: the Linux kernel's text, as the hart keeps it (signed)
  -0x4000000000, // bottom of Sv39's upper half
  -2,
  Number.MAX_SAFE_INTEGER - 1,
  Number.MIN_SAFE_INTEGER + 1,
];

test('exit pcs round-trip through the record and read as the same i64', () => {
  const words = new Int32Array(2);
  const asI64 = new BigInt64Array(words.buffer);
  for (const pc of PCS) {
    writeExitPc(words, pc);
    assert.equal(readExitPc(words), pc, `pc ${pc}`);
    assert.equal(asI64[0], BigInt(pc), `i64 of pc ${pc}`);
  }
  // And an i64 written by translated code reads back as the number.
  for (const pc of PCS) {
    asI64[0] = BigInt(pc);
    assert.equal(readExitPc(words), pc, `read of i64 ${pc}`);
  }
});
