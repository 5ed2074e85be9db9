// A page function's dispatch (translate.ts): entering at any halfword offset must start exactly
// the block beginning there, or report EXIT_MISS when none does; one-block loops branch back
// inside a wasm loop; and programs made of many blocks, jump tables and loops compute the same
// under both tiers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encB, encI, encJ, encR } from '../cpu/encode.js';
import { HART_STATE, newWasmMemory, readExitPc } from '../cpu/hart-state.js';
import {
  inertPageImports,
  EXIT_BUDGET,
  EXIT_INTERPRET,
  EXIT_MISS,
  translatePageCopy,
  DEFAULT_LIMITS,
} from './translate.js';
import { addi, auipc, beq, bne, lui, sd, machineWith } from './test-asm.js';

const [T0, T1, T2] = [5, 6, 7];
const [A0, A1, A2, A5] = [10, 11, 12, 15];
const jal = (rd: number, imm: number): number => encJ(rd, imm);
const jalr = (rd: number, rs1: number, imm: number): number => encI(0x67, 0, rd, rs1, imm);
const slli = (rd: number, rs1: number, shamt: number): number => encI(0x13, 1, rd, rs1, shamt);
const bge = (rs1: number, rs2: number, imm: number): number => encB(5, rs1, rs2, imm);
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
  const machine = machineWith(program(), { jit, jitOptions: { hotThreshold: 50 } });
  const hart = machine.harts[0];
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
  const memory = newWasmMemory(Math.ceil(HART_STATE.SIZE / 65536) + 1);
  const instance = new WebAssembly.Instance(
    new WebAssembly.Module(translation.bytes),
    inertPageImports(memory),
  );
  const runPage = instance.exports.run as (e: number, vb: bigint, n: number, s: number, d: number) => number;
  const exitPc = new Int32Array(memory.buffer, HART_STATE.EXIT_PC, 2);
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
    assert.equal(readExitPc(exitPc), Number(vbase) + half * 2, `exit pc at offset ${half * 2}`);
  }
});

/** xorshift32: the random control-flow graphs below are reproducible from their seed. */
function rng(seed: number): (n: number) => number {
  let s = seed * 2654435761 || 1;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

const FUEL = 9; // s1: decremented by every block; backward transfers happen only while positive

/**
 * A random control-flow graph in one page: blocks of a few ALU instructions ending in a fall
 * through, a forward or backward branch, a forward or backward jump, or a computed jump (jalr)
 * to a random block. Every backward transfer is taken only while the fuel register is positive
 * and every block burns fuel, so the program always ends. The JIT makes loop regions of what
 * branches back (nested, crossing, entered in the middle, left by jalr); the interpreter is the
 * reference.
 */
function randomGraph(seed: number): Uint32Array {
  const next = rng(seed);
  const count = 20 + next(50);
  const data = [10, 11, 12, 13, 14, 15];
  const w: number[] = [];
  const starts: number[] = [];
  const fixups: {
    at: number;
    target: number;
    kind: 'branch' | 'jump' | 'auipc';
    funct3?: number;
    rs1?: number;
    rs2?: number;
  }[] = [];
  w.push(auipc(A5 + 1, 0x10), addi(FUEL, 0, 0)); // a6 = results
  w.push(lui(FUEL, 1), addi(FUEL, FUEL, next(2000))); // fuel 4096..6095
  for (let r = 0; r < data.length; r++) w.push(addi(data[r], 0, next(4000) - 2000));
  const ops = [
    [0, 0],
    [0, 0x20],
    [4, 0],
    [6, 0],
    [7, 0],
    [1, 0],
  ]; // add sub xor or and sll
  for (let b = 0; b < count; b++) {
    starts.push(w.length);
    for (let i = 1 + next(3); i > 0; i--) {
      const rd = data[next(data.length)];
      const rs1 = data[next(data.length)];
      const rs2 = data[next(data.length)];
      if (next(3) === 0) w.push(addi(rd, rs1, next(200) - 100));
      else {
        const [funct3, funct7] = ops[next(ops.length)];
        w.push(encR(0x33, funct3, funct7, rd, rs1, rs2));
      }
    }
    w.push(addi(FUEL, FUEL, -1));
    const target = next(count);
    switch (next(6)) {
      case 0: // fall through
        break;
      case 1: // conditional on data, either direction (backward ones also need fuel)
        if (target <= b) w.push(bge(0, FUEL, 8));
        fixups.push({
          at: w.length,
          target,
          kind: 'branch',
          funct3: 4 + next(4),
          rs1: data[next(6)],
          rs2: data[next(6)],
        });
        w.push(0);
        break;
      case 2: // a loop back edge or forward branch on the fuel
        fixups.push({ at: w.length, target, kind: 'branch', funct3: 4, rs1: 0, rs2: FUEL }); // blt zero, s1
        w.push(0);
        break;
      case 3: // an unconditional jump (backward only with fuel)
        if (target <= b) w.push(bge(0, FUEL, 8));
        fixups.push({ at: w.length, target, kind: 'jump' });
        w.push(0);
        break;
      default: // a computed jump to a block (with fuel)
        w.push(bge(0, FUEL, 16));
        fixups.push({ at: w.length, target, kind: 'auipc' });
        w.push(0, 0, jalr(0, T0, 0));
        break;
    }
  }
  const end = w.length;
  for (let r = 0; r < data.length; r++) w.push(sd(data[r], A5 + 1, 8 * r));
  w.push(beq(0, 0, 0));
  for (const fix of fixups) {
    const to = fix.target < 0 ? end : starts[fix.target];
    const delta = 4 * (to - fix.at);
    if (fix.kind === 'branch') w[fix.at] = encB(fix.funct3!, fix.rs1!, fix.rs2!, delta);
    else if (fix.kind === 'jump') w[fix.at] = jal(0, delta);
    else {
      w[fix.at] = auipc(T0, 0);
      w[fix.at + 1] = addi(T0, T0, delta);
    }
  }
  assert.ok(w.length * 4 <= 4096, `program fits in a page (${w.length} instructions)`);
  return Uint32Array.from(w);
}

function runGraph(code: Uint32Array, jit: boolean) {
  const machine = machineWith(code, { jit, jitOptions: { hotThreshold: 50 } });
  const hart = machine.harts[0];
  machine.run(400_000);
  return {
    out: machine.ram.u8.slice(0x10000, 0x10000 + 48),
    regs: [...hart.regs.x].slice(0, 32),
    pc: hart.pc,
    retired: hart.retired(),
    jitInstructions: machine.jit?.stats.instructions ?? 0,
  };
}

test('random control-flow graphs (nested, crossing and entered-in-the-middle loops) run as interpreted', () => {
  let translated = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const code = randomGraph(seed);
    const reference = runGraph(code, false);
    const fast = runGraph(code, true);
    assert.deepEqual(fast, { ...reference, jitInstructions: fast.jitInstructions }, `seed ${seed}`);
    translated += fast.jitInstructions;
  }
  assert.ok(translated > 60 * 1000, `translated code ran (${translated} instructions)`);
});

test('blocks stay within what an exit can give back, whatever the configured limit', () => {
  // 300 straight-line instructions in a loop, with a block limit above 127: budget ends fall
  // inside the run, and each exit gives back the unused rest of its block exactly.
  const w: number[] = [addi(A2, 0, 200)];
  const loop = w.length;
  for (let k = 0; k < 300; k++) w.push(addi(A0 + (k % 4), A0 + (k % 4), k + 1));
  w.push(addi(A2, A2, -1));
  w.push(bne(A2, 0, 4 * (loop - w.length)));
  w.push(beq(0, 0, 0));
  const code = Uint32Array.from(w);
  const runWith = (jit: boolean) => {
    const machine = machineWith(code, {
      jit,
      jitOptions: { hotThreshold: 50, limits: { maxBlockInstructions: 1000 } },
    });
    const hart = machine.harts[0];
    for (let i = 0; i < 40; i++) machine.run(1009);
    return { regs: [...hart.regs.x].slice(0, 32), pc: hart.pc, retired: hart.retired() };
  };
  assert.deepEqual(runWith(true), runWith(false));
});
