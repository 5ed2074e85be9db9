// The decode cache starts as zeros (decoder.ts DecodeCache): a slot never filled reads as the
// all-zero instruction, illegal, with a length field of 0. Executing zeros from such slots must
// trap exactly as a decoded all-zero instruction does (mcause 2, mtval 0, mepc at it), in both
// tiers, and a handler that steps over the 2 bytes must land on the next instruction.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addi, auipc, csr, lui } from './encode.js';
import { encJ, encS } from './encode.js';
import { machineWith } from '../jit/test-asm.js';
import { RAM_BASE } from '../memmap.js';
import { DecodeCache } from './decoder.js';

const [T0, T1, A0, A1, A2, A3] = [5, 6, 10, 11, 12, 13];
const CSR_MTVEC = 0x305;
const CSR_MEPC = 0x341;
const CSR_MCAUSE = 0x342;
const CSR_MTVAL = 0x343;
const MRET = 0x30200073;
/** Where the zeros are: two halfwords, then a jump to the end. */
const ZEROS = 0x800;

function program(): Uint32Array {
  const w: number[] = [];
  const at = () => 4 * w.length;
  w.push(auipc(T0, 0), addi(T0, T0, 0x400), csr(1, 0, T0, CSR_MTVEC)); // mtvec = RAM_BASE + 0x400
  w.push(encJ(0, ZEROS - at())); // j ZEROS
  while (at() < 0x400) w.push(0x00000013); // nop
  // Handler: record mcause, mtval and mepc, count, step over 2 bytes.
  w.push(csr(2, A0, 0, CSR_MCAUSE), csr(2, A1, 0, CSR_MTVAL), csr(2, A2, 0, CSR_MEPC));
  w.push(addi(A3, A3, 1), addi(T1, A2, 2), csr(1, 0, T1, CSR_MEPC), MRET);
  while (at() < ZEROS) w.push(0x00000013);
  w.push(0); // two all-zero halfwords: each traps
  const done = 0xc00;
  w.push(encJ(0, done - at()));
  while (at() < done) w.push(0x00000013);
  // The test finisher: pass.
  w.push(lui(T0, 0x100), lui(T1, 0x5), addi(T1, T1, 0x555), encS(0x23, 2, T0, T1, 0));
  w.push(encJ(0, 0));
  return Uint32Array.from(w);
}

for (const jit of [false, true]) {
  test(`zeros in never-decoded cache slots trap as illegal instructions (${jit ? 'JIT' : 'interpreter'})`, () => {
    const machine = machineWith(program(), { jit });
    for (let k = 0; k < 20 && machine.finishEvent === undefined; k++) machine.run(10_000);
    assert.equal(machine.finishEvent?.kind, 'pass');
    const x = machine.harts[0].regs.x;
    assert.equal(x[A3], 2n, 'two traps');
    assert.equal(x[A0], 2n, 'mcause: illegal instruction');
    assert.equal(x[A1], 0n, 'mtval: the instruction bits');
    assert.equal(x[A2], BigInt(RAM_BASE + ZEROS + 2), 'mepc: the second halfword');
  });
}

test('a never-filled slot reports the all-zero instruction and its 2 bytes', () => {
  const cache = new DecodeCache();
  const slot = DecodeCache.slotFor(RAM_BASE + 0x1234);
  assert.deepEqual([cache.bits(slot), cache.op(slot), cache.length(slot)], [0, 0, 2]);
});
