// rdtime in translated code goes through the time import (translate.ts readsTime, jit.ts time):
// a hot M-mode loop reads the clock without leaving for the interpreter, and the values are the
// machine's time, never decreasing; in U-mode without mcounteren.TM the same instruction raises
// illegal instruction exactly as in the interpreter, also once it runs hot (translated); with an instruction-count clock the
// interpreter reads it (the JIT's result must equal the interpreter's bit for bit).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encR } from '../cpu/encode.js';
import { CSR_MEPC, CSR_MSTATUS, CSR_MTVEC, CSR_TIME } from '../cpu/csr-numbers.js';
import { addi, auipc, beq, bne, csr, lui, sd, machineWith } from './test-asm.js';

const [T0, T1] = [5, 6];
const [A0, A5] = [10, 15];
const [S2, S3] = [18, 19];
/** Times the U-mode rdtime traps before the handler stops returning to it. */
const TRAPS = 60;
const mret = () => encR(0x73, 0, 0x18, 0, 0, 2);
const ROUNDS = 1000;

function program(): Uint32Array {
  const w: number[] = [];
  w.push(auipc(A5, 0x10), addi(A5, A5, 0)); // a5 = RAM_BASE + 0x10000: the values read
  const mtvecAt = w.length;
  w.push(0, 0, csr(1, 0, T0, CSR_MTVEC));
  w.push(addi(S2, 0, ROUNDS));
  const loop = w.length;
  w.push(csr(2, A0, 0, CSR_TIME)); // rdtime a0
  w.push(sd(A0, A5, 0), addi(A5, A5, 8));
  for (let k = 0; k < 12; k++) w.push(addi(T1, T1, k));
  w.push(addi(S2, S2, -1));
  w.push(bne(S2, 0, 4 * (loop - w.length)));
  // Then U-mode (mcounteren = 0 after reset): rdtime must trap.
  const mepcAt = w.length;
  w.push(0, 0, csr(1, 0, T0, CSR_MEPC));
  w.push(lui(T1, 0x2), addi(T1, T1, -0x800), csr(3, 0, T1, CSR_MSTATUS)); // MPP = U
  w.push(mret());
  const user = w.length;
  w.push(csr(2, A0, 0, CSR_TIME));
  w.push(beq(0, 0, 0)); // reached only if rdtime did not trap
  // The trap handler returns to the rdtime TRAPS times (so it runs hot, translated), then spins.
  const handler = w.length;
  w.push(addi(S3, S3, 1), addi(T1, 0, TRAPS), beq(S3, T1, 8), mret());
  w.push(beq(0, 0, 0));
  w[mtvecAt] = auipc(T0, 0);
  w[mtvecAt + 1] = addi(T0, T0, 4 * (handler - mtvecAt));
  w[mepcAt] = auipc(T0, 0);
  w[mepcAt + 1] = addi(T0, T0, 4 * (user - mepcAt));
  return Uint32Array.from(w);
}

function run(jit: boolean, clock: 'host' | 'icount') {
  const machine = machineWith(program(), { jit, clock, jitOptions: { hotThreshold: 10 } });
  const hart = machine.harts[0];
  const before = machine.ticks();
  machine.run(ROUNDS * 20 + 1000);
  return {
    values: new BigInt64Array(machine.ram.u8.slice(0x10000, 0x10000 + 8 * ROUNDS).buffer),
    before,
    after: machine.ticks(),
    mcause: hart.mcause,
    mepc: hart.mepc,
    traps: hart.regs.x[S3],
    pc: hart.pc,
    exits: machine.jit?.stats.exits ?? 0,
    jitInstructions: machine.jit?.stats.instructions ?? 0,
  };
}

test('rdtime in translated code reads the machine clock without leaving for the interpreter', () => {
  const fast = run(true, 'host');
  assert.ok(fast.jitInstructions > ROUNDS * 10, `translated code ran (${fast.jitInstructions})`);
  assert.ok(fast.exits < ROUNDS / 4, `rdtime did not exit each round (${fast.exits} exits)`);
  let previous = BigInt(fast.before);
  for (const value of fast.values) {
    assert.ok(value >= previous, `time went backwards: ${value} after ${previous}`);
    previous = value;
  }
  assert.ok(previous <= BigInt(fast.after), 'no value beyond the clock after the run');
});

test('rdtime in U-mode without mcounteren.TM traps as in the interpreter', () => {
  const reference = run(false, 'host');
  const fast = run(true, 'host');
  assert.equal(reference.mcause, 2n);
  assert.equal(reference.traps, BigInt(TRAPS));
  assert.equal(fast.traps, reference.traps);
  assert.equal(fast.mcause, reference.mcause);
  assert.equal(fast.mepc, reference.mepc);
  assert.equal(fast.pc, reference.pc);
});

test('with an instruction-count clock, translated code reads exactly the interpreter’s values', () => {
  const reference = run(false, 'icount');
  const fast = run(true, 'icount');
  assert.ok(fast.jitInstructions > 0, 'translated code ran');
  assert.deepEqual(fast.values, reference.values);
  assert.ok(reference.values[ROUNDS - 1] > reference.values[0], 'time advanced with the count');
});
