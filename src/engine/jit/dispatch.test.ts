// A page function's dispatch (translate.ts): entering at any halfword offset must start exactly
// the block beginning there, or report EXIT_MISS when none does; one-block loops branch back
// inside a wasm loop; and programs made of many blocks, jump tables and loops compute the same
// under both tiers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../machine.js';
import { RAM_BASE } from '../memmap.js';
import { encI, encJ, encR } from '../cpu/encode.js';
import { HART_STATE } from '../cpu/hart-state.js';
import { EXIT_BUDGET, EXIT_INTERPRET, EXIT_MISS, translatePageCopy, DEFAULT_LIMITS } from './translate.js';
import { addi, auipc, beq, bne, sd } from './test-asm.js';

const [T0, T1, T2] = [5, 6, 7];
const [A0, A1, A2, A5] = [10, 11, 12, 15];
const jal = (rd: number, imm: number): number => encJ(rd, imm);
const jalr = (rd: number, rs1: number, imm: number): number => encI(0x67, 0, rd, rs1, imm);
const slli = (rd: number, rs1: number, shamt: number): number => encI(0x13, 1, rd, rs1, shamt);
const andi = (rd: number, rs1: number, imm: number): number => encI(0x13, 7, rd, rs1, imm);
const add = (rd: number, rs1: number, rs2: number): number => encR(0x33, 0, 0, rd, rs1, rs2);

const CASES = 37;
const ROUNDS = 2000;

/**
 * A loop over ROUNDS dispatching through a jump table (jalr) to one of CASES small blocks, each
 * adding its own constant and jumping back; every 8th round also runs a one-block inner loop.
 * Results go to RAM_BASE + 0x10000.
 */
function program(): Uint32Array {
  const w: number[] = [];
  w.push(auipc(A5, 0x10), addi(A5, A5, 0)); // a5 = results
  w.push(addi(A0, 0, 0), addi(A1, 0, 0), addi(A2, 0, ROUNDS));
  const loop = w.length;
  // t0 = 8 * ((a2 & 31) + (a2 & 3)): a case in [0, 34], 8 bytes each
  w.push(andi(T0, A2, 31), andi(T1, A2, 3), add(T0, T0, T1), slli(T0, T0, 3));
  const tableAt = w.length;
  w.push(0, 0); // t1 = address of the case table (auipc + addi, patched below)
  w.push(add(T1, T1, T0), jalr(0, T1, 0));
  const back = w.length;
  // Every 8th round: a one-block loop adding 3 to a1 five times.
  w.push(andi(T0, A2, 7), bne(T0, 0, 4 * 5));
  w.push(addi(T2, 0, 5));
  const inner = w.length;
  w.push(addi(A1, A1, 3), addi(T2, T2, -1), bne(T2, 0, 4 * (inner - (inner + 2))));
  w.push(sd(A0, A5, 0), sd(A1, A5, 8), addi(A5, A5, 16));
  w.push(addi(A2, A2, -1));
  w.push(bne(A2, 0, 4 * (loop - w.length)));
  w.push(beq(0, 0, 0)); // done: spin
  const table = w.length;
  for (let k = 0; k < CASES; k++) {
    const at = w.length;
    w.push(addi(A0, A0, k * 11 + 1), jal(0, 4 * (back - (at + 1))));
  }
  w[tableAt] = auipc(T1, 0);
  w[tableAt + 1] = addi(T1, T1, 4 * (table - tableAt));
  return Uint32Array.from(w);
}

function run(jit: boolean) {
  const machine = new Machine({ memoryBytes: 1 << 22, jit, jitOptions: { hotThreshold: 50 } });
  const code = program();
  machine.ram.u8.set(new Uint8Array(code.buffer), 0);
  const hart = machine.harts[0];
  hart.reset(RAM_BASE);
  machine.run(ROUNDS * 40);
  return {
    out: machine.ram.u8.slice(0x10000, 0x10000 + 16 * ROUNDS),
    regs: [...hart.regs.x].slice(0, 32),
    pc: hart.pc,
    jitInstructions: machine.jit?.stats.instructions ?? 0,
    retired: hart.retired(),
  };
}

test('a jump table, one-block loops and many blocks run in translated code as interpreted', () => {
  const reference = run(false);
  const fast = run(true);
  assert.ok(fast.jitInstructions > ROUNDS * 8, `translated code ran (${fast.jitInstructions})`);
  assert.deepEqual(fast.out, reference.out);
  assert.deepEqual(fast.regs, reference.regs);
  assert.equal(fast.pc, reference.pc);
  assert.equal(fast.retired, reference.retired);
  // The last round's sums: the jump table was really used (each case adds a different amount).
  const view = new BigInt64Array(reference.out.buffer, reference.out.byteOffset, 2 * ROUNDS);
  assert.ok(view[2 * ROUNDS - 2] > BigInt(ROUNDS), 'cases ran');
});

test('entering a page function at each of the 2048 halfword offsets finds exactly the block starting there', () => {
  const code = new Uint8Array(program().buffer.slice(0));
  const page = new Uint8Array(4096);
  page.set(code);
  // Entries: the program start, the loop, every case of the table (jalr targets).
  const entries = [0];
  const translation = translatePageCopy(page, entries, DEFAULT_LIMITS, true);
  const starts = new Set(translation.starts);
  assert.ok(starts.size > CASES, `a block per case at least (${starts.size})`);
  const memory = new WebAssembly.Memory({ initial: Math.ceil(HART_STATE.SIZE / 65536) + 1 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(translation.bytes), {
    env: { memory, fp: () => 1 },
  });
  const runPage = instance.exports.run as (e: number, vb: bigint, n: number, s: number, d: number) => number;
  const exitPc = new Float64Array(memory.buffer, HART_STATE.EXIT_PC, 1);
  const exitKind = new Int32Array(memory.buffer, HART_STATE.EXIT_KIND, 1);
  const vbase = 0x80000000n;
  for (let half = 0; half < 2048; half++) {
    // Budget 0: a block's first act is its budget check, which leaves at the block's start (a
    // block of no instructions, at an instruction only the interpreter runs, leaves for it).
    const left = runPage(half, vbase, 0, 0, 0);
    assert.equal(left, 0);
    if (starts.has(half * 2)) {
      assert.ok(exitKind[0] === EXIT_BUDGET || exitKind[0] === EXIT_INTERPRET, `block at ${half * 2}`);
    } else {
      assert.equal(exitKind[0], EXIT_MISS, `no block at offset ${half * 2}`);
    }
    assert.equal(exitPc[0], Number(vbase) + half * 2, `exit pc at offset ${half * 2}`);
  }
});
