// Disassembler: instruction bits -> GNU-objdump-like text with ABI register names. It reads the
// same instruction table as the decoder (STYLE.md rule 5): the row's format gives the operand
// layout and decodeInstruction supplies the operand values; only what the decoded form does not
// carry (AMO ordering bits, fence sets) is read from the instruction word. Compressed instructions
// are printed as the 32-bit instruction they expand to.

import { Format, type InstructionPattern } from './decode-table.js';
import { decodeInstruction, lookupPattern } from './decoder.js';
import { expandCompressed } from './compressed.js';
import { Op } from './opcodes.js';
import { SINK_REGISTER } from './registers.js';
import * as csr from './csr-numbers.js';

export const INT_REGISTER_NAMES: readonly string[] = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2',
  's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7',
  's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
]; // prettier-ignore

export const FP_REGISTER_NAMES: readonly string[] = [
  'ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7',
  'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3', 'fa4', 'fa5',
  'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7',
  'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11',
]; // prettier-ignore

/** Rounding-mode operand names by rm field value; 5 and 6 are reserved. */
export const ROUNDING_MODE_NAMES: readonly string[] = [
  'rne',
  'rtz',
  'rdn',
  'rup',
  'rmm',
  'rm5',
  'rm6',
  'dyn',
];
const RM_DYNAMIC = 7;
const RM_NEAREST_EVEN = 0;

const CSR_NAMES = new Map<number, string>([
  [csr.CSR_FFLAGS, 'fflags'],
  [csr.CSR_FRM, 'frm'],
  [csr.CSR_FCSR, 'fcsr'],
  [csr.CSR_CYCLE, 'cycle'],
  [csr.CSR_TIME, 'time'],
  [csr.CSR_INSTRET, 'instret'],
  [csr.CSR_SSTATUS, 'sstatus'],
  [csr.CSR_SIE, 'sie'],
  [csr.CSR_STVEC, 'stvec'],
  [csr.CSR_SCOUNTEREN, 'scounteren'],
  [csr.CSR_SENVCFG, 'senvcfg'],
  [csr.CSR_SSCRATCH, 'sscratch'],
  [csr.CSR_SEPC, 'sepc'],
  [csr.CSR_SCAUSE, 'scause'],
  [csr.CSR_STVAL, 'stval'],
  [csr.CSR_SIP, 'sip'],
  [csr.CSR_STIMECMP, 'stimecmp'],
  [csr.CSR_SATP, 'satp'],
  [csr.CSR_MVENDORID, 'mvendorid'],
  [csr.CSR_MARCHID, 'marchid'],
  [csr.CSR_MIMPID, 'mimpid'],
  [csr.CSR_MHARTID, 'mhartid'],
  [csr.CSR_MCONFIGPTR, 'mconfigptr'],
  [csr.CSR_MSTATUS, 'mstatus'],
  [csr.CSR_MISA, 'misa'],
  [csr.CSR_MEDELEG, 'medeleg'],
  [csr.CSR_MIDELEG, 'mideleg'],
  [csr.CSR_MIE, 'mie'],
  [csr.CSR_MTVEC, 'mtvec'],
  [csr.CSR_MCOUNTEREN, 'mcounteren'],
  [csr.CSR_MENVCFG, 'menvcfg'],
  [csr.CSR_MCOUNTINHIBIT, 'mcountinhibit'],
  [csr.CSR_MSCRATCH, 'mscratch'],
  [csr.CSR_MEPC, 'mepc'],
  [csr.CSR_MCAUSE, 'mcause'],
  [csr.CSR_MTVAL, 'mtval'],
  [csr.CSR_MIP, 'mip'],
  [csr.CSR_MCYCLE, 'mcycle'],
  [csr.CSR_MINSTRET, 'minstret'],
]);
for (let i = 0; i <= csr.CSR_PMPCFG15 - csr.CSR_PMPCFG0; i++)
  CSR_NAMES.set(csr.CSR_PMPCFG0 + i, `pmpcfg${i}`);
for (let i = 0; i <= csr.CSR_PMPADDR63 - csr.CSR_PMPADDR0; i++) {
  CSR_NAMES.set(csr.CSR_PMPADDR0 + i, `pmpaddr${i}`);
}
for (let i = 3; i <= 31; i++) {
  CSR_NAMES.set(csr.CSR_HPMCOUNTER3 + i - 3, `hpmcounter${i}`);
  CSR_NAMES.set(csr.CSR_MHPMCOUNTER3 + i - 3, `mhpmcounter${i}`);
  CSR_NAMES.set(csr.CSR_MHPMEVENT3 + i - 3, `mhpmevent${i}`);
}

/** The name of a CSR, or its number in hex when it is not one of the common ones. */
export function csrName(number: number): string {
  return CSR_NAMES.get(number) ?? `0x${number.toString(16)}`;
}

const OPCODE_LOAD = 0x03;
const OPCODE_JALR = 0x67;
/** Bits of the rs2 field: a row whose mask covers them has no rs2 operand (clz, fsqrt, ...). */
const RS2_FIELD = 0x01f00000;
/** Bits of funct3: an FP row whose mask covers them has no rounding-mode operand. */
const FUNCT3_FIELD = 0x00007000;
const FENCE_TSO_FM = 0b1000;
const FENCE_RW = 0b0011;

function xreg(r: number): string {
  return INT_REGISTER_NAMES[r === SINK_REGISTER ? 0 : r];
}

function freg(r: number): string {
  return FP_REGISTER_NAMES[r];
}

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}

/** A PC-relative target: absolute when the instruction's address is known, else `.+offset`. */
function target(offset: number, pc: number | bigint | undefined): string {
  if (pc === undefined) return offset < 0 ? `.${offset}` : `.+${offset}`;
  const address = BigInt.asUintN(64, BigInt(pc) + BigInt(offset));
  return `0x${address.toString(16)}`;
}

/** Fence predecessor/successor set, in the i/o/r/w order of the assembler syntax. */
function fenceSet(bits4: number): string {
  if (bits4 === 0) return '0';
  return ['i', 'o', 'r', 'w'].filter((_, i) => (bits4 >> (3 - i)) & 1).join('');
}

/**
 * Register classes of an OP-FP row's destination and sources. The mnemonic says which side is an
 * integer register: `fcvt.<dest>.<src>` with w/wu/l/lu, `fmv.x.*`/`fmv.*.x`, and the comparisons
 * and fclass, which write an integer register.
 */
function fpOperandClasses(name: string): { destInt: boolean; srcInt: boolean } {
  const [operation, dest, src] = name.split('.');
  if (operation === 'fcvt') {
    const isIntType = (t: string): boolean => t === 'w' || t === 'wu' || t === 'l' || t === 'lu';
    return { destInt: isIntType(dest), srcInt: isIntType(src) };
  }
  // fmv.x.w / fmv.x.d move bits to an integer register, fmv.w.x / fmv.d.x from one.
  if (operation === 'fmv') return { destInt: dest === 'x', srcInt: src === 'x' };
  const writesInt =
    operation === 'feq' || operation === 'flt' || operation === 'fle' || operation === 'fclass';
  return { destInt: writesInt, srcInt: false };
}

/** fcvt to double from single or a 32-bit integer: every source value is representable. */
function isExactConversion(name: string): boolean {
  return name === 'fcvt.d.s' || name === 'fcvt.d.w' || name === 'fcvt.d.wu';
}

function operands(p: InstructionPattern, word: number, pc: number | bigint | undefined): string {
  const d = decodeInstruction(word);
  const opcode = word & 0x7f;
  switch (p.format) {
    case Format.R:
      return (p.mask & RS2_FIELD) === RS2_FIELD
        ? `${xreg(d.rd)}, ${xreg(d.rs1)}`
        : `${xreg(d.rd)}, ${xreg(d.rs1)}, ${xreg(d.rs2)}`;
    case Format.I:
      if (opcode === OPCODE_LOAD || opcode === OPCODE_JALR) return `${xreg(d.rd)}, ${d.imm}(${xreg(d.rs1)})`;
      return `${xreg(d.rd)}, ${xreg(d.rs1)}, ${d.imm}`;
    case Format.S:
      return `${xreg(d.rs2)}, ${d.imm}(${xreg(d.rs1)})`;
    case Format.B:
      return `${xreg(d.rs1)}, ${xreg(d.rs2)}, ${target(d.imm, pc)}`;
    case Format.U:
      return `${xreg(d.rd)}, ${hex(d.imm >>> 12)}`;
    case Format.J:
      return `${xreg(d.rd)}, ${target(d.imm, pc)}`;
    case Format.SHIFT64:
    case Format.SHIFT32:
      return `${xreg(d.rd)}, ${xreg(d.rs1)}, ${d.imm}`;
    case Format.CSR:
      return `${xreg(d.rd)}, ${csrName(d.imm)}, ${xreg(d.rs1)}`;
    case Format.CSRI:
      return `${xreg(d.rd)}, ${csrName(d.imm)}, ${d.rs1}`;
    case Format.SFENCE:
      return `${xreg(d.rs1)}, ${xreg(d.rs2)}`;
    case Format.CBO:
      return `(${xreg(d.rs1)})`;
    case Format.AMO:
      return (p.mask & RS2_FIELD) === RS2_FIELD
        ? `${xreg(d.rd)}, (${xreg(d.rs1)})`
        : `${xreg(d.rd)}, ${xreg(d.rs2)}, (${xreg(d.rs1)})`;
    case Format.FP_LOAD:
      return `${freg(d.rd)}, ${d.imm}(${xreg(d.rs1)})`;
    case Format.FP_STORE:
      return `${freg(d.rs2)}, ${d.imm}(${xreg(d.rs1)})`;
    case Format.FP_R4:
      return withRoundingMode(`${freg(d.rd)}, ${freg(d.rs1)}, ${freg(d.rs2)}, ${freg(d.rs3)}`, d.rm);
    case Format.FP_R: {
      const { destInt, srcInt } = fpOperandClasses(p.name);
      const dest = destInt ? xreg(d.rd) : freg(d.rd);
      const src = (r: number): string => (srcInt ? xreg(r) : freg(r));
      let text = `${dest}, ${src(d.rs1)}`;
      if ((p.mask & RS2_FIELD) !== RS2_FIELD) text += `, ${src(d.rs2)}`;
      if ((p.mask & FUNCT3_FIELD) === FUNCT3_FIELD) return text;
      // A conversion that is always exact (fcvt.d.s, fcvt.d.w, fcvt.d.wu) shows no rounding mode
      // when it is RNE, as the GNU assembler writes it (binutils 2.40 accepts no rm operand there).
      if (d.rm === RM_NEAREST_EVEN && isExactConversion(p.name)) return text;
      return withRoundingMode(text, d.rm);
    }
    case Format.FENCE: {
      if (p.op !== Op.FENCE) return '';
      const fm = (word >>> 28) & 15;
      const pred = (word >>> 24) & 15;
      const succ = (word >>> 20) & 15;
      if (fm === FENCE_TSO_FM && pred === FENCE_RW && succ === FENCE_RW) return '';
      return `${fenceSet(pred)}, ${fenceSet(succ)}`;
    }
    case Format.NONE:
      return '';
  }
}

/** The static rounding mode is printed; the dynamic one (use fcsr.frm) is left implicit. */
function withRoundingMode(text: string, rm: number): string {
  return rm === RM_DYNAMIC ? text : `${text}, ${ROUNDING_MODE_NAMES[rm]}`;
}

/** The mnemonic, with the .aq/.rl/.aqrl ordering suffix for LR/SC/AMO and fence.tso. */
function mnemonic(p: InstructionPattern, word: number): string {
  if (p.format === Format.AMO) {
    const aq = (word >>> 26) & 1;
    const rl = (word >>> 25) & 1;
    return p.name + (aq ? (rl ? '.aqrl' : '.aq') : rl ? '.rl' : '');
  }
  if (p.op === Op.FENCE && word >>> 20 === ((FENCE_TSO_FM << 8) | (FENCE_RW << 4) | FENCE_RW)) {
    return 'fence.tso';
  }
  return p.name;
}

/**
 * Disassemble one instruction. `bits` holds the instruction (only its low 16 bits matter for a
 * compressed one, which is printed as its 32-bit expansion); `pc`, when given, turns branch and
 * jump offsets into absolute targets. Encodings rvisor treats as illegal give `unknown 0x...`.
 */
export function disassemble(bits: number, pc?: number | bigint): string {
  const compressed = (bits & 3) !== 3;
  const word = compressed ? expandCompressed(bits & 0xffff) : bits | 0;
  const p = word === 0 ? undefined : lookupPattern(word);
  if (p === undefined) {
    const raw = compressed
      ? (bits & 0xffff).toString(16).padStart(4, '0')
      : (bits >>> 0).toString(16).padStart(8, '0');
    return `unknown 0x${raw}`;
  }
  const text = operands(p, word, pc);
  const name = mnemonic(p, word);
  return text === '' ? name : `${name} ${text}`;
}
