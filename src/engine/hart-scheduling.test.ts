// How Machine.run shares one thread between harts: round-robin slices, where an IPI hands the
// turn to the other harts at once but a slice ended by the hart's own doing (a CSR write, clearing
// its msip) goes on. A hart waiting for another's answer to an IPI (a remote fence) spins only
// until the other has answered, not through a whole slice.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addi, auipc, csr, lui } from './cpu/encode.js';
import { encB, encI, encJ, encS } from './cpu/encode.js';
import { machineWith } from './jit/test-asm.js';
import { RAM_BASE } from './memmap.js';

const [T0, T1, T2, T3, T4, A0] = [5, 6, 7, 28, 29, 10];
const CSR_MHARTID = 0xf14;
const CSR_MTVEC = 0x305;
const CSR_MIE = 0x304;
const CSR_MSTATUS = 0x300;
const lw = (rd: number, rs1: number, imm: number): number => encI(0x03, 2, rd, rs1, imm);
const sw = (rs2: number, rs1: number, imm: number): number => encS(0x23, 2, rs1, rs2, imm);
const beqz = (rs: number, offset: number): number => encB(0, rs, 0, offset);
const bnez = (rs: number, offset: number): number => encB(1, rs, 0, offset);
const jump = (offset: number): number => encJ(0, offset);
const WFI = 0x10500073;
const MRET = 0x30200073;
/** Where the answer flag lives: RAM_BASE + FLAG. */
const FLAG = 0x1000;

/**
 * Hart 0 sends an IPI to hart 1 and counts, in a0, the loads of the flag it makes until hart 1's
 * interrupt handler (which first clears its msip) sets it; then it stops the machine through the
 * test finisher. Hart 1 enables its software interrupt and waits in wfi.
 */
function program(): Uint32Array {
  const w: number[] = [];
  const at = () => 4 * w.length;
  const fix: (() => void)[] = [];
  w.push(csr(2, T0, 0, CSR_MHARTID)); // csrr t0, mhartid
  const toHart1 = w.length;
  w.push(0); // bnez t0, hart1
  // hart 0
  w.push(lui(T1, 0x2000), addi(T1, T1, 4), addi(T2, 0, 1), sw(T2, T1, 0)); // msip[1] = 1
  w.push(auipc(T3, 1), addi(T3, T3, -at())); // t3 = RAM_BASE + FLAG
  w.push(addi(A0, 0, 0));
  const spin = w.length;
  w.push(lw(T4, T3, 0), addi(A0, A0, 1));
  w.push(beqz(T4, 4 * (spin - w.length)));
  w.push(lui(T1, 0x100), lui(T2, 0x5), addi(T2, T2, 0x555), sw(T2, T1, 0)); // finisher: pass
  w.push(jump(0));
  // hart 1
  const hart1 = w.length;
  fix.push(() => (w[toHart1] = bnez(T0, 4 * (hart1 - toHart1))));
  const setVector = w.length;
  w.push(auipc(T1, 0), 0); // t1 = handler
  w.push(csr(1, 0, T1, CSR_MTVEC), addi(T1, 0, 8), csr(1, 0, T1, CSR_MIE)); // mtvec, mie = MSIE
  w.push(csr(6, 0, 8, CSR_MSTATUS)); // csrsi mstatus, MIE
  const sleep = w.length;
  w.push(WFI, jump(4 * (sleep - w.length - 1)));
  const handler = w.length;
  fix.push(() => (w[setVector + 1] = addi(T1, T1, 4 * (handler - setVector))));
  w.push(lui(T1, 0x2000), addi(T1, T1, 4), sw(0, T1, 0)); // msip[1] = 0
  w.push(auipc(T3, 1), addi(T3, T3, -at()), addi(T4, 0, 1), sw(T4, T3, 0)); // flag = 1
  w.push(MRET);
  for (const f of fix) f();
  return Uint32Array.from(w);
}

for (const jit of [false, true]) {
  test(`a hart waiting for an IPI's answer spins until it comes, not a whole slice (${jit ? 'JIT' : 'interpreter'})`, () => {
    const machine = machineWith(program(), { harts: 2, jit });
    machine.harts[1].reset(RAM_BASE);
    for (let k = 0; k < 50 && machine.finishEvent === undefined; k++) machine.run(100_000);
    assert.equal(machine.finishEvent?.kind, 'pass');
    const spins = Number(machine.harts[0].regs.x[A0]);
    assert.ok(
      spins >= 1 && spins < 100,
      `hart 0 loaded the flag ${spins} times (a slice is ${machine.sliceSize} instructions)`,
    );
    assert.equal(machine.ram.i32[FLAG / 4], 1);
  });
}
