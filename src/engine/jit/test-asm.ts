// Mnemonic encoders for the hand-written RISC-V programs of the JIT's tests (on top of the
// base-format encoders in cpu/encode.ts), and a machine loaded with such a program. Test support
// only.

import { encB, encI, encS, encU } from '../cpu/encode.js';
import { Machine, type MachineConfig } from '../machine.js';
import { RAM_BASE } from '../memmap.js';

export const addi = (rd: number, rs1: number, imm: number): number => encI(0x13, 0, rd, rs1, imm);
export const lui = (rd: number, upper: number): number => encU(0x37, rd, upper);
export const auipc = (rd: number, upper: number): number => encU(0x17, rd, upper);
export const ld = (rd: number, rs1: number, imm: number): number => encI(0x03, 3, rd, rs1, imm);
export const sd = (rs2: number, rs1: number, imm: number): number => encS(0x23, 3, rs1, rs2, imm);
export const beq = (rs1: number, rs2: number, imm: number): number => encB(0, rs1, rs2, imm);
export const bne = (rs1: number, rs2: number, imm: number): number => encB(1, rs1, rs2, imm);
/** A Zicsr instruction: funct3 1-3 csrrw/csrrs/csrrc, 5-7 their immediate forms (rs1 = uimm). */
export const csr = (funct3: number, rd: number, rs1: number, number: number): number =>
  encI(0x73, funct3, rd, rs1, number);

/** A machine (4 MiB of RAM unless `config` says otherwise) with `code` at RAM_BASE, where hart 0 starts. */
export function machineWith(code: Uint32Array, config: Partial<MachineConfig>): Machine {
  const machine = new Machine({ memoryBytes: 1 << 22, ...config });
  machine.ram.u8.set(new Uint8Array(code.buffer, code.byteOffset, code.byteLength), 0);
  machine.harts[0].reset(RAM_BASE);
  return machine;
}
