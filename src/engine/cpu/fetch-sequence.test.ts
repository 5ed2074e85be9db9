// The interpreter fetches an instruction that follows the previous one in sequence on the same
// page from the RAM offset it already has (interpreter.ts, `sequential`), without translating pc
// again. That must not skip a check a fresh fetch makes: where PMP gives execute permission to
// only part of a page, the fetch TLB does not cache the page and every fetch is checked, so
// running off the executable part in sequence faults at the first instruction outside it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encI, addi, auipc, csr, lui } from './encode.js';
import { Machine } from '../machine.js';
import { RAM_BASE } from '../memmap.js';

const [T0, T1, T2, T3, T4, A0, A1, A2, A3] = [5, 6, 7, 28, 29, 10, 11, 12, 13];
const CSRW = 1;
const CSRRS = 2;
const [MSTATUS, MTVEC, MEPC, MCAUSE, PMPCFG0, PMPADDR0, PMPADDR1] = [
  0x300, 0x305, 0x341, 0x342, 0x3a0, 0x3b0, 0x3b1,
];
const MRET = 0x30200073;
const srli = (rd: number, rs1: number, shamt: number): number => encI(0x13, 5, rd, rs1, shamt);
const spin = (): number => 0x0000006f; // jal x0, 0
/** U-mode instructions from 0x1000 up to the end of execute permission at 0x1100. */
const U_RUN = 64;

/**
 * M-mode: PMP entry 0 (TOR) gives R and X below RAM_BASE + 0x1100, entry 1 (TOR) R and W above;
 * a trap handler at 0x80 records mcause and mepc; then mret to U-mode at 0x1000, which runs 64
 * addi into the page's non-executable part (0x1100: `li a3, 99`).
 */
function program(): Uint32Array {
  const w = new Uint32Array(2 * 1024);
  const at = (offset: number, word: number) => (w[offset >>> 2] = word >>> 0);
  at(0x00, auipc(T0, 1)); // t0 = RAM_BASE + 0x1000
  at(0x04, addi(T1, T0, 0x100));
  at(0x08, srli(T1, T1, 2));
  at(0x0c, csr(CSRW, 0, T1, PMPADDR0));
  at(0x10, addi(T2, 0, -1));
  at(0x14, srli(T2, T2, 10));
  at(0x18, csr(CSRW, 0, T2, PMPADDR1));
  at(0x1c, lui(T3, 1));
  at(0x20, addi(T3, T3, 0x0b0d - 0x1000)); // entry 0 TOR|X|R, entry 1 TOR|W|R
  at(0x24, csr(CSRW, 0, T3, PMPCFG0));
  at(0x28, auipc(T4, 0));
  at(0x2c, addi(T4, T4, 0x80 - 0x28));
  at(0x30, csr(CSRW, 0, T4, MTVEC));
  at(0x34, csr(CSRW, 0, T0, MEPC));
  at(0x38, csr(CSRW, 0, 0, MSTATUS)); // MPP = U
  at(0x3c, MRET);
  at(0x80, csr(CSRRS, A0, 0, MCAUSE));
  at(0x84, csr(CSRRS, A1, 0, MEPC));
  at(0x88, spin());
  for (let k = 0; k < U_RUN; k++) at(0x1000 + 4 * k, addi(A2, A2, 1));
  at(0x1100, addi(A3, 0, 99));
  at(0x1104, spin());
  return w;
}

for (const jit of [false, true]) {
  test(`running in sequence off a page's executable part faults there (${jit ? 'JIT' : 'interpreter'})`, () => {
    const machine = new Machine({ memoryBytes: 1 << 22, jit });
    const code = program();
    machine.ram.u8.set(new Uint8Array(code.buffer), 0);
    machine.harts[0].reset(RAM_BASE);
    machine.run(2000);
    const x = machine.harts[0].regs.x;
    assert.equal(x[A2], BigInt(U_RUN), 'the executable part ran');
    assert.equal(x[A3], 0n, 'the instruction past it did not');
    assert.equal(x[A0], 1n, 'instruction access fault');
    assert.equal(x[A1], BigInt(RAM_BASE + 0x1100), 'at the first address without execute permission');
  });
}
