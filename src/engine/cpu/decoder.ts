// Decoding: raw instruction bits -> a decoded form (operation id + operands) kept in a cache of
// parallel typed arrays. The cache is keyed by the instruction bits alone (a decoded instruction
// depends on nothing else: PC-relative targets are computed at run time), so it never needs
// invalidating — self-modifying code simply fetches different bits and decodes them afresh.

import { Format, INSTRUCTIONS, type InstructionPattern } from './decode-table.js';
import { Op } from './opcodes.js';
import { expandCompressed } from './compressed.js';
import { SINK_REGISTER } from './registers.js';

/**
 * The table's rows grouped by major opcode (bits 6:0), in table order within a group: those of
 * opcode k are byOpcode[firstOf[k]] up to byOpcode[firstOf[k + 1]]. One flat array rather than
 * an array per opcode: an empty group's array would be of another kind than the others (no
 * elements yet), and V8's optimized decoder deoptimized when the first instruction of an unused
 * opcode came along ("wrong map").
 */
const byOpcode: readonly InstructionPattern[] = [...INSTRUCTIONS].sort(
  (a, b) => (a.match & 0x7f) - (b.match & 0x7f),
);
const firstOf = new Int16Array(129);
for (const p of byOpcode) firstOf[(p.match & 0x7f) + 1]++;
for (let k = 0; k < 128; k++) firstOf[k + 1] += firstOf[k];

/** Find the table row matching a 32-bit instruction word, if any. */
export function lookupPattern(word: number): InstructionPattern | undefined {
  const opcode = word & 0x7f;
  for (let i = firstOf[opcode]; i < firstOf[opcode + 1]; i++) {
    const p = byOpcode[i];
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
  decodeInto(bits, out);
  return out;
}

/**
 * Decode `words` (instruction bits, as decodeInstruction takes them) `rounds` times, for V8's sake
 * (engine/warm-up.ts, the translation worker's training). V8 records type feedback for a function
 * only once it has given the function a feedback vector, after its first few calls: the forms a
 * training decodes once each, first, left none, and the decoder's optimized code deoptimized when
 * the guest first used them (expandCompressed four times in a Debian boot, on c.fld, c.ld, c.fsd
 * and c.fldsp, the first compressed forms of the training's sweep; lookupPattern on the first
 * word of 2^30 or more in the translation worker). Decoding everything again once V8 is watching
 * covers them.
 */
export function trainDecoder(words: readonly number[], rounds: number): void {
  const out = decodeInstruction(0);
  // Both forms the callers pass: unsigned (the translator's fetch) and int32 (the decode cache's).
  for (let round = 0; round < rounds; round++) {
    for (const word of words) {
      decodeInto(word, out);
      decodeInto(word | 0, out);
    }
  }
}

/** Decode into `out`: compressed forms (low bits not 11) through their 32-bit expansion. */
function decodeInto(bits: number, out: DecodedInstruction): void {
  if ((bits & 3) !== 3) {
    const expanded = expandCompressed(bits & 0xffff) | 0; // int32, as the 32-bit forms below
    fields(expanded, expanded === 0 ? undefined : lookupPattern(expanded), out);
    out.length = 2;
  } else {
    fields(bits | 0, lookupPattern(bits | 0), out);
    out.length = 4;
  }
}

/**
 * log2 of the number of decode-cache entries: 2^18 cover 512 KiB of code (the cache is indexed by
 * address). A Debian boot runs through megabytes of kernel code once or a few times each; with
 * 2^16 entries it decoded 2.8M instructions afresh (2 harts), with 2^18 1.1M (2^20: 0.6M), at
 * ~40 ns a decode. 6 MiB per machine (shared by its harts).
 */
const CACHE_BITS = 18;
export const DECODE_CACHE_SIZE = 1 << CACHE_BITS;
export const DECODE_CACHE_MASK = DECODE_CACHE_SIZE - 1;
/** Int32 words per entry. */
export const ENTRY_WORDS = 4;

/**
 * Direct-mapped cache of decoded instructions, indexed by the instruction's address (pc / 2) so
 * that straight-line code sits in consecutive entries, and validated by the raw bits (16 for
 * compressed instructions, 32 otherwise): a decoded instruction depends on nothing but its bits,
 * so self-modifying code simply misses and is decoded afresh. One entry is four Int32 words:
 *   [0] raw bits (the tag)
 *   [1] op | rd << 8 | rs1 << 16 | rs2 << 24
 *   [2] immediate
 *   [3] rs3 | rm << 8 | aux << 16 | length << 24
 * Entries start as all zeros: tag 0 and op ILLEGAL, the decoding of the all-zero instruction, so
 * no valid bit is needed and the arrays are never written up front (the host maps their pages as
 * they are first used). The length field of such an entry reads 0; nothing executes an illegal
 * instruction's length (it traps), and length() reports the 2 bytes it has.
 */
export class DecodeCache {
  readonly words = new Int32Array(DECODE_CACHE_SIZE * ENTRY_WORDS);
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

  /** Cache slot for the instruction at `pc`. */
  static slotFor(pc: number): number {
    return (pc >>> 1) & DECODE_CACHE_MASK;
  }

  /** Decode `bits` into `slot` (the caller has found the slot's tag different). */
  fill(slot: number, bits: number): void {
    const d = this.scratch;
    decodeInto(bits, d);
    const e = slot * ENTRY_WORDS;
    const w = this.words;
    w[e] = bits;
    w[e + 1] = d.op | (d.rd << 8) | (d.rs1 << 16) | (d.rs2 << 24);
    w[e + 2] = d.imm;
    w[e + 3] = d.rs3 | (d.rm << 8) | (d.aux << 16) | (d.length << 24);
    this.immBig[slot] = BigInt(d.imm);
  }

  // Field accessors for the cold paths (the interpreter unpacks the words itself).
  bits(slot: number): number {
    return this.words[slot * ENTRY_WORDS];
  }
  op(slot: number): Op {
    return this.words[slot * ENTRY_WORDS + 1] & 0xff;
  }
  rd(slot: number): number {
    return (this.words[slot * ENTRY_WORDS + 1] >>> 8) & 0xff;
  }
  rs1(slot: number): number {
    return (this.words[slot * ENTRY_WORDS + 1] >>> 16) & 0xff;
  }
  rs2(slot: number): number {
    return this.words[slot * ENTRY_WORDS + 1] >>> 24;
  }
  imm(slot: number): number {
    return this.words[slot * ENTRY_WORDS + 2];
  }
  rs3(slot: number): number {
    return this.words[slot * ENTRY_WORDS + 3] & 0xff;
  }
  rm(slot: number): number {
    return (this.words[slot * ENTRY_WORDS + 3] >>> 8) & 0xff;
  }
  aux(slot: number): number {
    return (this.words[slot * ENTRY_WORDS + 3] >>> 16) & 0xff;
  }
  length(slot: number): number {
    // 0 only in an entry never filled: the all-zero instruction, 2 bytes.
    return this.words[slot * ENTRY_WORDS + 3] >>> 24 || 2;
  }
}
