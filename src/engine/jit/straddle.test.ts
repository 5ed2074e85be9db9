// A 32-bit instruction at a page's last halfword (offset 0xffe) has its upper half in the next
// page. Translated code runs it only after checking that the next virtual page is in the fetch
// TLB and still holds the halfword it was translated with (translate.ts emitStraddleGuard);
// otherwise it leaves for the interpreter. Before, every run of such an instruction left
// translated code (a third of a Debian boot's exits).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encB, encJ, encS } from '../cpu/encode.js';
import { addi, auipc, bne, lui, machineWith } from './test-asm.js';
import type { JitOptions } from './jit.js';
import type { Machine } from '../machine.js';

const [T1, T2, S0, S1, A0, A1, A2] = [6, 7, 8, 9, 10, 11, 12];
const ITERATIONS = 2000; // an addi immediate
const beq = (rs1: number, rs2: number, imm: number): number => encB(0, rs1, rs2, imm);
const sh = (rs2: number, rs1: number, imm: number): number => encS(0x23, 1, rs1, rs2, imm);
const j = (offset: number): number => encJ(0, offset);
const C_NOP = 0x0001;
/** The straddling instruction, and what the program patches it into in its later rounds. */
const STRADDLER = addi(A2, A2, 5);
const PATCHED = addi(A2, A2, 7);

/**
 * `rounds` rounds of a loop of ITERATIONS turns whose body runs from 0xff0 in page 0 across the
 * page end: `addi a2, a2, 5` starts at 0xffe. After each round but the last, the program stores
 * PATCHED's upper halfword at 0x1000 (`sh`): from then on the instruction adds 7.
 */
function program(rounds: number): Uint32Array {
  const bytes = new Uint8Array(3 * 4096);
  const view = new DataView(bytes.buffer);
  const put = (at: number, word: number) => view.setUint32(at, word >>> 0, true);
  const half = PATCHED >>> 16;
  const upper = (half + 0x800) >> 12;
  put(0x000, addi(S1, 0, rounds));
  put(0x004, auipc(T2, 1));
  put(0x008, addi(T2, T2, -4)); // t2 = RAM_BASE + 0x1000
  put(0x00c, lui(T1, upper));
  put(0x010, addi(T1, T1, half - (upper << 12))); // t1 = PATCHED's upper halfword
  put(0x014, addi(S0, 0, ITERATIONS)); // each round starts here
  put(0x018, j(0xff0 - 0x018));
  put(0xff0, addi(A0, A0, 1));
  put(0xff4, addi(A1, A1, 3));
  put(0xff8, addi(S0, S0, -1));
  view.setUint16(0xffc, C_NOP, true);
  put(0xffe, STRADDLER);
  put(0x1002, bne(S0, 0, 0xff0 - 0x1002));
  put(0x1006, addi(S1, S1, -1));
  put(0x100a, beq(S1, 0, 0x1016 - 0x100a));
  put(0x100e, sh(T1, T2, 0));
  put(0x1012, j(0x014 - 0x1012));
  put(0x1016, j(0)); // done: spin
  return new Uint32Array(bytes.buffer);
}

/** Enough instructions for every round and some of the final spin. */
const budget = (rounds: number) => rounds * (ITERATIONS * 7 + 10) + 1000;

function registers(machine: Machine): bigint[] {
  const h = machine.harts[0];
  return [...h.regs.x.slice(0, 32), BigInt(h.pc)];
}

async function runInSteps(machine: Machine, instructions: number): Promise<void> {
  for (let left = instructions; left > 0; left -= 2000) {
    machine.run(Math.min(left, 2000));
    // Asynchronous translations install between runs: wait for them, so that the loop runs
    // translated however slowly V8 compiles (on a loaded machine the guest once finished first).
    const pause = () => new Promise((resolve) => setTimeout(resolve, 1));
    await pause();
    while (machine.jit!.pendingTranslations > 0) await pause();
  }
}

function reference(rounds: number): bigint[] {
  const machine = machineWith(program(rounds), { jit: false });
  machine.run(budget(rounds));
  return registers(machine);
}

test('the interpreter adds 5 per turn before the patch and 7 after', () => {
  const x = reference(2);
  assert.equal(x[A2], BigInt(12 * ITERATIONS));
  assert.equal(x[A0], BigInt(2 * ITERATIONS));
});

test('an instruction straddling two pages runs in translated code, not by exits', () => {
  const machine = machineWith(program(1), { jit: true, jitOptions: { hotThreshold: 200 } });
  machine.run(budget(1));
  assert.deepEqual(registers(machine), reference(1));
  const stats = machine.jit!.stats;
  assert.ok(stats.instructions > 5 * ITERATIONS, `${stats.instructions} instructions translated`);
  // Before the guard, every turn left at 0xffe: ~ITERATIONS exits.
  assert.ok(stats.exits < ITERATIONS / 20, `${stats.exits} exits in ${ITERATIONS} turns`);
});

const TIERS: [string, Partial<JitOptions>][] = [
  ['translated here', {}],
  ['translated from a copy of the page (as the worker does)', { asyncCompile: true }],
];
for (const [name, options] of TIERS) {
  test(`a new upper half in the next page is run as written, not as translated (${name})`, async () => {
    const machine = machineWith(program(3), { jit: true, jitOptions: { hotThreshold: 200, ...options } });
    await runInSteps(machine, budget(3));
    assert.ok(machine.jit!.stats.instructions > 5 * ITERATIONS, 'the loop ran translated');
    assert.deepEqual(registers(machine), reference(3));
  });
}
