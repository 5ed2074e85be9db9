// csrrc/csrrci/csrrs/csrrsi on sstatus with the SIE mask (Linux's local_irq_save/restore) run
// inline in translated code (translate.ts inlineSstatus). A hot S-mode loop sets SIE, clears it with each
// inline form (immediate, register, read-only) and once with a mask holding another bit (which
// must leave for the interpreter), storing what each read; the JIT must produce exactly the
// interpreter's bytes and final mstatus. The same loop in U-mode must trap on the first access.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RAM_BASE } from '../memmap.js';
import { encR } from '../cpu/encode.js';
import {
  CSR_MEPC,
  CSR_MIDELEG,
  CSR_MIE,
  CSR_MSTATUS,
  CSR_MTVEC,
  CSR_SEPC,
  CSR_SIP,
  CSR_SSTATUS,
  CSR_STVEC,
} from '../cpu/csr-numbers.js';
import { addi, auipc, beq, bne, csr, lui, sd, machineWith } from './test-asm.js';

const [T0, T1, T2, T3] = [5, 6, 7, 28];
const [A0, A1, A2, A3, A4, A5] = [10, 11, 12, 13, 14, 15];
const mret = () => encR(0x73, 0, 0x18, 0, 0, 2);

const ITERATIONS = 3000;

/** M-mode set-up, then the loop in S-mode (mpp 1) or U-mode (mpp 0). */
function program(mpp: number): Uint32Array {
  const w: number[] = [];
  // a5 = RAM_BASE + 0x10000 (results); mtvec = the spin at the end (traps stop there)
  w.push(auipc(A5, 0x10), addi(A5, A5, 0));
  const mtvecAt = w.length;
  w.push(0, 0, csr(1, 0, T0, CSR_MTVEC));
  const mepcAt = w.length;
  w.push(0, 0, csr(1, 0, T0, CSR_MEPC));
  w.push(lui(T1, 0x2), addi(T1, T1, -0x800)); // t1 = 0x1800: MPP
  w.push(csr(3, 0, T1, CSR_MSTATUS)); // clear MPP (U)
  if (mpp === 1) w.push(addi(T1, 0, 0x400), addi(T1, T1, 0x400), csr(2, 0, T1, CSR_MSTATUS)); // MPP = S
  w.push(mret());
  const loopStart = w.length;
  w.push(addi(A2, 0, ITERATIONS));
  const loop = w.length;
  w.push(csr(6, 0, 2, CSR_SSTATUS)); // csrsi sstatus, SIE
  w.push(csr(7, A0, 2, CSR_SSTATUS)); // csrrci a0, sstatus, SIE
  w.push(csr(3, A1, 0, CSR_SSTATUS)); // csrrc a1, sstatus, zero
  w.push(csr(6, 0, 2, CSR_SSTATUS), addi(T2, 0, 2));
  w.push(csr(3, A3, T2, CSR_SSTATUS)); // csrrc a3, sstatus, t2
  w.push(sd(A0, A5, 0), sd(A1, A5, 8), sd(A3, A5, 16));
  // Exits per iteration: enough other work keeps the page translated (jit.ts gives up pages
  // averaging only a few instructions per exit).
  for (let k = 0; k < 16; k++) w.push(addi(0, 0, 0));
  w.push(lui(T3, 0x40), addi(T3, T3, 2)); // SUM | SIE
  w.push(csr(3, A4, T3, CSR_SSTATUS)); // csrrc a4, sstatus, t3: leaves for the interpreter
  w.push(sd(A4, A5, 24), addi(A5, A5, 32));
  w.push(addi(A2, A2, -1));
  w.push(bne(A2, 0, 4 * (loop - w.length)));
  const spin = w.length;
  w.push(beq(0, 0, 0));
  // mtvec = spin, mepc = the loop (pc-relative from their auipc)
  w[mtvecAt] = auipc(T0, 0);
  w[mtvecAt + 1] = addi(T0, T0, 4 * (spin - mtvecAt));
  w[mepcAt] = auipc(T0, 0);
  w[mepcAt + 1] = addi(T0, T0, 4 * (loopStart - mepcAt));
  return Uint32Array.from(w);
}

function run(jit: boolean, mpp: number) {
  const machine = machineWith(program(mpp), { jit, jitOptions: { hotThreshold: 10 } });
  const hart = machine.harts[0];
  machine.run(ITERATIONS * 40 + 1000);
  return {
    out: machine.ram.u8.slice(0x10000, 0x10000 + 32 * ITERATIONS),
    mstatus: hart.mstatus,
    mcause: hart.mcause,
    priv: hart.priv,
    pc: hart.pc,
    jitInstructions: machine.jit?.stats.instructions ?? 0,
  };
}

test('csrrc/csrrci on sstatus run inline in S-mode exactly as the interpreter runs them', () => {
  const reference = run(false, 1);
  const fast = run(true, 1);
  assert.ok(fast.jitInstructions > ITERATIONS * 10, `translated code ran (${fast.jitInstructions})`);
  assert.deepEqual(fast.out, reference.out);
  assert.equal(fast.mstatus, reference.mstatus);
  // What the loop read: SIE set before the clear, clear after it, UXL = 2.
  const view = new BigUint64Array(reference.out.buffer, reference.out.byteOffset, 4);
  assert.equal(view[0] & 2n, 2n);
  assert.equal(view[1] & 2n, 0n);
  assert.equal(view[0] >> 32n, 2n, 'UXL = 2');
});

test('the inline forms leave for the interpreter in U-mode, which raises illegal instruction', () => {
  const reference = run(false, 0);
  const fast = run(true, 0);
  assert.equal(reference.mcause, 2n);
  assert.equal(fast.mcause, reference.mcause);
  assert.equal(fast.pc, reference.pc);
  assert.equal(fast.priv, reference.priv);
});

/** Rounds of the interrupt test (an addi immediate). */
const ROUNDS = 1000;

/**
 * S-mode with a supervisor software interrupt delegated and enabled: each round disables
 * interrupts, raises SSIP, then re-enables them with csrrs (register mask) or csrrsi: the
 * interrupt must be taken right after that instruction, in both tiers. The handler records sepc,
 * clears SSIP and returns. Rounds without SSIP re-enable inline.
 */
function interruptProgram(): { code: Uint32Array; afterEnable: number[] } {
  const sret = () => encR(0x73, 0, 0x08, 0, 0, 2);
  const w: number[] = [];
  w.push(auipc(A5, 0x10), addi(A5, A5, 0)); // a5 = RAM_BASE + 0x10000 (sepc records)
  const stvecAt = w.length;
  w.push(0, 0, csr(1, 0, T0, CSR_STVEC));
  w.push(addi(T0, 0, 2), csr(1, 0, T0, CSR_MIDELEG), csr(1, 0, T0, CSR_MIE)); // SSI delegated, enabled
  const mepcAt = w.length;
  w.push(0, 0, csr(1, 0, T0, CSR_MEPC));
  w.push(lui(T1, 0x2), addi(T1, T1, -0x800), csr(3, 0, T1, CSR_MSTATUS)); // MPP = U
  w.push(addi(T1, 0, 0x400), addi(T1, T1, 0x400), csr(2, 0, T1, CSR_MSTATUS)); // MPP = S
  w.push(mret());
  const loopStart = w.length;
  w.push(addi(A2, 0, ROUNDS), addi(A1, 0, 2));
  const loop = w.length;
  const afterEnable: number[] = [];
  w.push(csr(7, A0, 2, CSR_SSTATUS)); // csrrci a0, sstatus, SIE
  w.push(addi(T2, A2, 0), addi(T3, 0, 3), encR(0x33, 7, 0, T2, T2, T3)); // t2 = a2 & 3
  w.push(beq(T2, 0, 8), csr(6, 0, 2, CSR_SIP)); // raise SSIP unless a2 % 4 == 0
  // Enough other work per round that the page stays translated despite its exits.
  for (let k = 0; k < 64; k++) w.push(addi(T3, T3, k));
  w.push(csr(2, 0, A1, CSR_SSTATUS)); // csrrs zero, sstatus, a1: enable (register mask)
  afterEnable.push(w.length);
  w.push(csr(7, 0, 2, CSR_SSTATUS), csr(6, 0, 2, CSR_SIP)); // disable, raise SSIP again
  w.push(csr(6, A3, 2, CSR_SSTATUS)); // csrrsi a3, sstatus, SIE: enable (immediate)
  afterEnable.push(w.length);
  w.push(addi(A2, A2, -1));
  w.push(bne(A2, 0, 4 * (loop - w.length)));
  const spin = w.length;
  w.push(beq(0, 0, 0));
  const handler = w.length;
  w.push(csr(2, T0, 0, CSR_SEPC), sd(T0, A5, 0), addi(A5, A5, 8)); // record sepc
  w.push(csr(7, 0, 2, CSR_SIP)); // clear SSIP
  w.push(sret());
  w[stvecAt] = auipc(T0, 0);
  w[stvecAt + 1] = addi(T0, T0, 4 * (handler - stvecAt));
  w[mepcAt] = auipc(T0, 0);
  w[mepcAt + 1] = addi(T0, T0, 4 * (loopStart - mepcAt));
  assert.ok(spin > 0);
  return { code: Uint32Array.from(w), afterEnable: afterEnable.map((i) => RAM_BASE + 4 * i) };
}

function runInterrupts(jit: boolean) {
  const machine = machineWith(interruptProgram().code, { jit, jitOptions: { hotThreshold: 10 } });
  const hart = machine.harts[0];
  machine.run(ROUNDS * 120 + 1000);
  return {
    records: new BigUint64Array(machine.ram.u8.slice(0x10000, 0x10000 + 16 * ROUNDS).buffer),
    regs: [...hart.regs.x].slice(0, 32),
    mstatus: hart.mstatus,
    retired: hart.retired(),
    jitInstructions: machine.jit?.stats.instructions ?? 0,
  };
}

test('re-enabling SIE with a supervisor interrupt pending takes it right there, inline or not', () => {
  const { afterEnable } = interruptProgram();
  const reference = runInterrupts(false);
  const fast = runInterrupts(true);
  assert.ok(fast.jitInstructions > ROUNDS * 10, `translated code ran (${fast.jitInstructions})`);
  assert.deepEqual(fast, { ...reference, jitInstructions: fast.jitInstructions });
  // Every interrupt was taken right after an enabling instruction: 3 per 4 rounds after the first
  // enable, every round after the second.
  const taken = reference.records.filter((r) => r !== 0n);
  assert.equal(taken.length, ROUNDS + (ROUNDS * 3) / 4);
  for (const sepc of taken) assert.ok(afterEnable.includes(Number(sepc)), `sepc ${sepc.toString(16)}`);
});
