// Decoding: raw instruction bits -> a decoded form (operation id + operands) kept in a cache of
// parallel typed arrays. The cache is keyed by the instruction bits alone (a decoded instruction
// depends on nothing else: PC-relative targets are computed at run time), so it never needs
// invalidating — self-modifying code simply fetches different bits and decodes them afresh.

import { Format, INSTRUCTIONS, type InstructionPattern } from './decode-table.js';
import { Op } from './opcodes.js';
import { expandCompressed } from './compressed.js';
import { SINK_REGISTER } from './registers.js';

/** Patterns grouped by major opcode (bits 6:0), in table order. */
const byOpcode: InstructionPattern[][] = Array.from({ length: 128 }, () => []);
for (const p of INSTRUCTIONS) byOpcode[p.match & 0x7f].push(p);

/** Find the table row matching a 32-bit instruction word, if any. */
export function lookupPattern(word: number): InstructionPattern | undefined {
  for (const p of byOpcode[word & 0x7f]) {
    if ((word & p.mask) === p.match) return p;
  }
  return undefined;
}

/** A single decoded instruction, for tests, the disassembler and tools (not the hot path). */
export interface DecodedInstruction {
  op: Op;
  name: string;
  rd: number;
  rs1: number;
  rs2: number;
  rs3: number;
  imm: number;
  /** Rounding mode for FP, or the FpOp for Op.FP in `aux` */
  rm: number;
  aux: number;
  length: 2 | 4;
}

/** Operands of a 32-bit word according to its format. Destination x0 goes to the sink register. */
function fields(word: number, p: InstructionPattern | undefined, out: DecodedInstruction): void {
  const rd = (word >>> 7) & 31;
  const rs1 = (word >>> 15) & 31;
  const rs2 = (word >>> 20) & 31;
  out.rd = 0;
  out.rs1 = 0;
  out.rs2 = 0;
  out.rs3 = 0;
  out.imm = 0;
  out.rm = 0;
  out.aux = 0;
  if (p === undefined) {
    out.op = Op.ILLEGAL;
    out.name = 'illegal';
    return;
  }
  out.op = p.op;
  out.name = p.name;
  const intRd = rd === 0 ? SINK_REGISTER : rd;
  switch (p.format) {
    case Format.R:
    case Format.AMO:
      out.rd = intRd;
      out.rs1 = rs1;
      out.rs2 = rs2;
      break;
    case Format.I:
      out.rd = intRd;
      out.rs1 = rs1;
      out.imm = word >> 20;
      break;
    case Format.FP_LOAD:
      out.rd = rd;
      out.rs1 = rs1;
      out.imm = word >> 20;
      break;
    case Format.S:
    case Format.FP_STORE:
      out.rs1 = rs1;
      out.rs2 = rs2;
      out.imm = ((word >> 25) << 5) | ((word >>> 7) & 31);
      break;
    case Format.B:
      out.rs1 = rs1;
      out.rs2 = rs2;
      out.imm =
        ((word >> 31) << 12) |
        (((word >>> 7) & 1) << 11) |
        (((word >>> 25) & 0x3f) << 5) |
        (((word >>> 8) & 0xf) << 1);
      break;
    case Format.U:
      out.rd = intRd;
      out.imm = word & 0xfffff000;
      break;
    case Format.J:
      out.rd = intRd;
      out.imm =
        ((word >> 31) << 20) |
        (((word >>> 12) & 0xff) << 12) |
        (((word >>> 20) & 1) << 11) |
        (((word >>> 21) & 0x3ff) << 1);
      break;
    case Format.SHIFT64:
      out.rd = intRd;
      out.rs1 = rs1;
      out.imm = (word >>> 20) & 63;
      break;
    case Format.SHIFT32:
      out.rd = intRd;
      out.rs1 = rs1;
      out.imm = (word >>> 20) & 31;
      break;
    case Format.CSR:
    case Format.CSRI:
      out.rd = intRd;
      out.rs1 = rs1;
      out.imm = (word >>> 20) & 0xfff;
      break;
    case Format.SFENCE:
    case Format.CBO:
      out.rs1 = rs1;
      out.rs2 = rs2;
      break;
    case Format.FP_R:
    case Format.FP_R4:
      // FP destinations are real registers (f0 is not zero); integer results are written by the
      // float unit, which skips x0 itself.
      out.rd = rd;
      out.rs1 = rs1;
      out.rs2 = rs2;
      out.rs3 = (word >>> 27) & 31;
      out.rm = (word >>> 12) & 7;
      out.aux = p.fpOp ?? 0;
      break;
    case Format.NONE:
    case Format.FENCE:
      break;
  }
}

/** Decode one instruction: `bits` holds at least the first 16 bits; 32-bit forms need all 32. */
export function decodeInstruction(bits: number): DecodedInstruction {
  const out: DecodedInstruction = {
    op: Op.ILLEGAL,
    name: 'illegal',
    rd: 0,
    rs1: 0,
    rs2: 0,
    rs3: 0,
    imm: 0,
    rm: 0,
    aux: 0,
    length: 4,
  };
  if ((bits & 3) !== 3) {
    const expanded = expandCompressed(bits & 0xffff);
    fields(expanded, expanded === 0 ? undefined : lookupPattern(expanded), out);
    out.length = 2;
  } else {
    fields(bits | 0, lookupPattern(bits | 0), out);
  }
  return out;
}

/** log2 of the number of decode-cache entries. */
const CACHE_BITS = 16;
export const DECODE_CACHE_SIZE = 1 << CACHE_BITS;

/**
 * Direct-mapped cache of decoded instructions, struct-of-arrays so the interpreter reads plain
 * typed-array elements. An entry is valid when `tag` equals the raw bits (16 bits for compressed
 * instructions, the whole word otherwise). Entries start as tag 0 / ILLEGAL, which is exactly the
 * decoding of the all-zero instruction, so no separate valid bit is needed.
 */
export class DecodeCache {
  readonly tag = new Int32Array(DECODE_CACHE_SIZE);
  readonly op = new Uint8Array(DECODE_CACHE_SIZE);
  readonly rd = new Uint8Array(DECODE_CACHE_SIZE);
  readonly rs1 = new Uint8Array(DECODE_CACHE_SIZE);
  readonly rs2 = new Uint8Array(DECODE_CACHE_SIZE);
  readonly rs3 = new Uint8Array(DECODE_CACHE_SIZE);
  readonly rm = new Uint8Array(DECODE_CACHE_SIZE);
  readonly aux = new Uint8Array(DECODE_CACHE_SIZE);
  readonly length = new Uint8Array(DECODE_CACHE_SIZE).fill(4);
  readonly imm = new Int32Array(DECODE_CACHE_SIZE);
  /** The immediate as a BigInt, so 64-bit arithmetic needs no conversion. */
  readonly immBig = new BigInt64Array(DECODE_CACHE_SIZE);
  private readonly scratch: DecodedInstruction = {
    op: Op.ILLEGAL,
    name: '',
    rd: 0,
    rs1: 0,
    rs2: 0,
    rs3: 0,
    imm: 0,
    rm: 0,
    aux: 0,
    length: 4,
  };

  /** Cache slot for these instruction bits. */
  static slot(bits: number): number {
    return Math.imul(bits, 0x9e3779b1) >>> (32 - CACHE_BITS);
  }

  /** Decode `bits` into `slot` (the caller has found the slot's tag different). */
  fill(slot: number, bits: number): void {
    const d = this.scratch;
    if ((bits & 3) !== 3) {
      const expanded = expandCompressed(bits & 0xffff);
      fields(expanded, expanded === 0 ? undefined : lookupPattern(expanded), d);
      d.length = 2;
    } else {
      fields(bits, lookupPattern(bits), d);
      d.length = 4;
    }
    this.tag[slot] = bits;
    this.op[slot] = d.op;
    this.rd[slot] = d.rd;
    this.rs1[slot] = d.rs1;
    this.rs2[slot] = d.rs2;
    this.rs3[slot] = d.rs3;
    this.rm[slot] = d.rm;
    this.aux[slot] = d.aux;
    this.length[slot] = d.length;
    this.imm[slot] = d.imm;
    this.immBig[slot] = BigInt(d.imm);
  }
}
