// Access groups (translate.ts planAccessGroups): loads or stores through one unchanged base
// register share one TLB check. A loop walks its base across a page boundary, so the group's
// bytes sometimes span two pages (the check fails and the interpreter takes over at the first
// member) and sometimes not; a linked-list step reloads its base register in the middle of a
// run of loads (the group must end there); a group's last store reaches into a page of translated
// code, rewriting an instruction there, which must invalidate it. The JIT must compute exactly
// what the interpreter does.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../machine.js';
import { RAM_BASE } from '../memmap.js';
import { encI, encJ, encR, encS } from '../cpu/encode.js';
import { addi, auipc, bne, ld, lui, sd } from './test-asm.js';

const [T0, T1, T2, T3] = [5, 6, 7, 28];
const [A0, A1, A2, A3, A4, A5] = [10, 11, 12, 13, 14, 15];
const [S2, S3, S4, T4] = [18, 19, 20, 29];
const add = (rd: number, rs1: number, rs2: number): number => encR(0x33, 0, 0, rd, rs1, rs2);
const andi = (rd: number, rs1: number, imm: number): number => encI(0x13, 7, rd, rs1, imm);
const slli = (rd: number, rs1: number, shamt: number): number => encI(0x13, 1, rd, rs1, shamt);
const lw = (rd: number, rs1: number, imm: number): number => encI(0x03, 2, rd, rs1, imm);
const sw = (rs2: number, rs1: number, imm: number): number => encS(0x23, 2, rs1, rs2, imm);

const ITERATIONS = 1500;
/** Data: a page-aligned area at RAM + 0x20000; the list nodes at RAM + 0x30000. */
const DATA = 0x20000;
const LIST = 0x30000;
/** A function in the page after the data's first page, called by the loop. */
const FUNCTION = DATA + 0x1000 + 64;

function program(): Uint32Array {
  const w: number[] = [];
  w.push(auipc(A5, 0x20), addi(A5, A5, 0)); // a5 = RAM + 0x20000 (the program starts at RAM)
  w.push(auipc(A2, 0x30), addi(A2, A2, -8)); // a2 = the first list node (RAM + 0x30000)
  // s3 = addi s4, s4, 1 (the called function's first instruction)
  const count1 = addi(S4, S4, 1);
  const upper = (count1 + 0x800) >>> 12;
  w.push(addi(S2, 0, ITERATIONS), lui(S3, upper), addi(S3, S3, count1 - (upper << 12)));
  const loop = w.length;
  // First (before a group below leaves for the interpreter), a linked-list step in the middle of
  // loads through a2: the load after `ld a2, 0(a2)` must use the new a2 (the group ends at the
  // instruction writing its base).
  w.push(ld(A3, A2, 8), ld(A2, A2, 0), ld(A4, A2, 8));
  w.push(add(A3, A3, A4), sd(A3, A2, 16), sd(T1, A2, 24));
  // a0 = a5 + 4032 + 8 * (s2 & 7): the load group [a0, a0 + 48) spans two pages for s2 & 7 >= 3,
  // the store group [a0, a0 + 108) always
  w.push(andi(T0, S2, 7), slli(T0, T0, 3), add(A0, A5, T0), addi(A0, A0, 2047), addi(A0, A0, 1985));
  w.push(ld(T1, A0, 0), ld(T2, A0, 8), lw(T3, A0, 16), ld(A1, A0, 40)); // a load group
  w.push(add(T1, T1, T2), add(T1, T1, T3), add(T1, T1, A1), addi(T1, T1, 1));
  // A store group; its last member rewrites the called function's first instruction when
  // a0 = a5 + 4056, as addi s4, s4, 1 or addi s4, s4, 3 (t4).
  w.push(andi(T4, S2, 8), slli(T4, T4, 18), add(T4, T4, S3)); // imm 1, or 3 when s2 & 8
  w.push(sd(T1, A0, 0), sw(T1, A0, 12), sd(T2, A0, 24), sd(T1, A0, 32), sw(T4, A0, 104));
  // A call to a function in the page the groups spill into: that page holds translated code,
  // so the stores reaching it must go through the interpreter, which invalidates it.
  w.push(encJ(1, FUNCTION - 4 * w.length));
  w.push(addi(S2, S2, -1), bne(S2, 0, 0));
  w[w.length - 1] = bne(S2, 0, 4 * (loop - (w.length - 1)));
  w.push(encI(0x63, 0, 0, 0, 0)); // beq zero, zero, 0: spin
  return Uint32Array.from(w);
}

function run(jit: boolean) {
  const machine = new Machine({ memoryBytes: 1 << 22, jit, jitOptions: { hotThreshold: 50 } });
  const ram = machine.ram.u8;
  ram.set(new Uint8Array(program().buffer), 0);
  const view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  for (let i = 0; i < 1024; i++) view.setBigUint64(DATA + 8 * i, BigInt(i) * 0x9e3779b97f4a7c15n, true);
  // A circular list of 64 nodes spread over two pages: next at 0, a value at 8.
  for (let i = 0; i < 64; i++) {
    const at = LIST + ((i * 72) % 8192);
    const next = LIST + ((((i + 1) % 64) * 72) % 8192);
    view.setBigUint64(at, BigInt(RAM_BASE + next), true);
    view.setBigUint64(at + 8, BigInt(i * 1000 + 7), true);
  }
  view.setUint32(FUNCTION, addi(S4, S4, 1), true);
  view.setUint32(FUNCTION + 4, encI(0x67, 0, 0, 1, 0), true); // ret
  const hart = machine.harts[0];
  hart.reset(RAM_BASE);
  machine.run(ITERATIONS * 40);
  return {
    data: ram.slice(DATA, DATA + 8192),
    list: ram.slice(LIST, LIST + 8192),
    regs: [...hart.regs.x].slice(0, 32),
    pc: hart.pc,
    retired: hart.retired(),
    jit: machine.jit?.stats,
  };
}

test('grouped loads and stores compute as interpreted, across page boundaries and base reloads', () => {
  const reference = run(false);
  const fast = run(true);
  assert.ok(
    (fast.jit?.instructions ?? 0) > ITERATIONS * 10,
    `translated code ran (${fast.jit?.instructions})`,
  );
  assert.ok((fast.jit?.exits ?? 0) > 0, 'groups spanning two pages left for the interpreter');
  assert.ok((fast.jit?.invalidations ?? 0) > 0, 'stores reaching the function invalidated it');
  assert.deepEqual(fast.data, reference.data);
  assert.deepEqual(fast.list, reference.list);
  assert.deepEqual(fast.regs, reference.regs);
  assert.equal(fast.pc, reference.pc);
  assert.equal(fast.retired, reference.retired);
});
