// mstatus.FS in translated FP loads and stores, as in the interpreter (privileged spec 3.1.6.6):
// with FS Clean, stores (FSD) run without leaving translated code and leave FS Clean, as code
// that only saves F registers does (glibc's setjmp, in every busybox ash command); a load (FLD)
// writes F state and makes FS Dirty; with FS Off both are illegal-instruction traps.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encI, encS } from '../cpu/encode.js';
import { CSR_MSTATUS, CSR_MTVEC, MSTATUS_FS } from '../cpu/csr-numbers.js';
import { readCsr, writeCsr } from '../cpu/csr.js';
import { RAM_BASE } from '../memmap.js';
import type { Machine } from '../machine.js';
import { addi, bne, machineWith } from './test-asm.js';

const T0 = 5;
const A0 = 10;
const A1 = 11;
const fld = (rd: number, rs1: number, imm: number) => encI(0x07, 3, rd, rs1, imm);
const fsd = (rs2: number, rs1: number, imm: number) => encS(0x27, 3, rs1, rs2, imm);
const FS_CLEAN = 2 << 13;

/**
 * li t0, 2000; 1: fsd f1..f3 at 0(a0), 8(a0), 16(a0) (a0 = RAM_BASE + 0x8000); addi a1, a1, 1;
 * addi t0, t0, -1; bne t0, zero, 1b; then (when `load`) fld f4, 8(a0); then a self-loop.
 */
function program(load: boolean): Uint32Array {
  const body = [
    addi(T0, 0, 2000),
    fsd(1, A0, 0),
    fsd(2, A0, 8),
    fsd(3, A0, 16),
    addi(A1, A1, 1),
    addi(T0, T0, -1),
    bne(T0, 0, -20),
  ];
  if (load) body.push(fld(4, A0, 8));
  body.push(0x0000006f); // j .
  return Uint32Array.from(body);
}

function run(load: boolean, fs: number, jit: boolean): Machine {
  const machine = machineWith(program(load), {
    clock: 'icount',
    jit,
    jitOptions: { hotThreshold: 10 },
  });
  const h = machine.harts[0];
  writeCsr(h, CSR_MSTATUS, BigInt(fs));
  // A trap lands on a self-loop.
  h.ram.i32[0x4000 / 4] = 0x0000006f;
  writeCsr(h, CSR_MTVEC, BigInt(RAM_BASE + 0x4000));
  h.regs.x[A0] = BigInt(RAM_BASE + 0x8000);
  h.fregs.bits[1] = 0x3ff0000000000000n;
  h.fregs.bits[2] = -2n;
  h.fregs.bits[3] = 0x7ff8000000000001n;
  for (let k = 0; k < 10; k++) machine.run(10_000);
  return machine;
}

const fsOf = (m: Machine) => Number(readCsr(m.harts[0], CSR_MSTATUS)) & MSTATUS_FS;

test('with FS Clean, translated FP stores stay in translated code and leave FS Clean', () => {
  const reference = run(false, FS_CLEAN, false);
  const machine = run(false, FS_CLEAN, true);
  const h = machine.harts[0];
  assert.equal(h.regs.x[A1], 2000n);
  assert.deepEqual(
    [0, 8, 16].map((o) => h.ram.i64[(0x8000 + o) / 8]),
    [0x3ff0000000000000n, -2n, 0x7ff8000000000001n],
  );
  assert.equal(fsOf(machine), FS_CLEAN);
  assert.equal(fsOf(reference), FS_CLEAN);
  const stats = machine.jit!.stats;
  assert.ok(stats.instructions > 10_000, `translated: ${stats.instructions}`);
  assert.ok(stats.exits < 20, `exits: ${stats.exits}`);
});

test('a translated FP load makes FS Dirty, as the interpreter does', () => {
  const reference = run(true, FS_CLEAN, false);
  const machine = run(true, FS_CLEAN, true);
  assert.equal(fsOf(reference), MSTATUS_FS);
  assert.equal(fsOf(machine), MSTATUS_FS);
  assert.equal(machine.harts[0].fregs.bits[4], -2n);
  assert.equal(readCsr(machine.harts[0], CSR_MSTATUS), readCsr(reference.harts[0], CSR_MSTATUS));
});

test('with FS Off, FP stores trap in both tiers', () => {
  for (const jit of [false, true]) {
    const h = run(false, 0, jit).harts[0];
    assert.equal(h.regs.x[A1], 0n, 'the first store trapped');
    assert.equal(h.mcause, 2n, 'illegal instruction');
    assert.equal(h.mepc, BigInt(RAM_BASE + 4));
  }
});
