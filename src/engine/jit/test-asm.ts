// Mnemonic encoders for the hand-written RISC-V programs of the JIT's tests (on top of the
// base-format encoders in cpu/encode.ts), and a machine loaded with such a program. Test support
// only.

import { encB, encI, encS } from '../cpu/encode.js';
export { addi, auipc, csr, lui } from '../cpu/encode.js';
import { Machine, type MachineConfig } from '../machine.js';
import { RAM_BASE } from '../memmap.js';

export const ld = (rd: number, rs1: number, imm: number): number => encI(0x03, 3, rd, rs1, imm);
export const sd = (rs2: number, rs1: number, imm: number): number => encS(0x23, 3, rs1, rs2, imm);
export const beq = (rs1: number, rs2: number, imm: number): number => encB(0, rs1, rs2, imm);
export const bne = (rs1: number, rs2: number, imm: number): number => encB(1, rs1, rs2, imm);

/** A machine (4 MiB of RAM unless `config` says otherwise) with `code` at RAM_BASE, where hart 0 starts. */
export function machineWith(code: Uint32Array, config: Partial<MachineConfig>): Machine {
  const machine = new Machine({ memoryBytes: 1 << 22, ...config });
  machine.ram.u8.set(new Uint8Array(code.buffer, code.byteOffset, code.byteLength), 0);
  machine.harts[0].reset(RAM_BASE);
  return machine;
}
