// The interpreter's hot loop: fetch through a one-page cache, look up the decode cache, and
// execute the common RV64I/M instructions inline; everything else goes to executeOther.
//
// Invariants the loop relies on:
// - The local `pc` is the address of the instruction being executed until it completes. Before
//   any call that may trap or jump it is stored to h.pc (a trap records h.pc as mepc/sepc and
//   sets h.pc to the handler), and read back afterwards.
// - Loads and stores hit the software TLB or fall back to mmu.ts, which handles MMIO,
//   misaligned/page-crossing accesses, PMP and faults. The hit test compares the address's page
//   as two int32 halves with the TLB's JIT view (tlbReadJit/tlbWriteJit: page address low word,
//   high word; -1/-1 when empty, which no page address matches), the same test as the Float64
//   tags (page number hi * 2^20 + (lo >>> 12)) but in int32 arithmetic: that product leaves the
//   int32 range for upper-half addresses, which deoptimized every load/store case in turn.
// - No allocation and no BigInt shifts here (see int64.ts).

import type { Hart } from './hart.js';
import { TLB_ENTRIES } from './hart.js';
import { DECODE_CACHE_MASK } from './decoder.js';
import { Op } from './opcodes.js';
import { loadSlow, storeSlow, translateFetch } from './mmu.js';
import { executeOther, NEXT } from './execute-other.js';
import {
  lessThanSigned,
  lessThanUnsigned,
  shiftLeft,
  shiftRightArithmetic,
  shiftRightLogical,
  TWO_POW_32,
  writeNumber,
  writeWord,
} from './int64.js';
import { MSTATUS_FS } from './csr-numbers.js';
import { raiseIllegal } from './execute-other.js';

const TLB_MASK = TLB_ENTRIES - 1;
/** x ^ SIGN < y ^ SIGN is the unsigned comparison of int32 values x and y. */
const SIGN = -2147483648;
const FS_DIRTY = MSTATUS_FS;

/**
 * Run up to `budget` instructions (traps count against the budget). Returns early when something
 * needs the machine's attention: interrupts may have become pending, wfi, or a device request.
 * Returns the number of instructions attempted. With `stopAtPageChange` the slice also ends
 * before the first instruction fetched from another page than the one before it (the JIT looks
 * for translated code there). `continuing` runs a piece of a longer slice (the JIT's): a pending
 * end request (h.endSlice) is kept, exactly as if the slice had never been interrupted.
 */
export function runSlice(h: Hart, budget: number, stopAtPageChange = false, continuing = false): number {
  h.sliceBudget = budget;
  h.sliceTraps = 0;
  if (!continuing) h.endSlice = false;
  const x = h.regs.x;
  const w = h.regs.w;
  const f = h.fregs.bits;
  const dc = h.decode;
  const words = dc.words;
  const immBigs = dc.immBig;
  const ram = h.ram;
  const ram8 = ram.u8;
  const ram16 = ram.u16;
  const ram32 = ram.i32;
  const ram64 = ram.i64;
  const readJit = h.tlbReadJit;
  const readOffset = h.tlbReadOffset;
  const writeJit = h.tlbWriteJit;
  const writeOffset = h.tlbWriteOffset;
  const scratch = h.scratch;
  const scratch32 = h.scratch32;
  // An imported binding is loaded and checked for initialisation at every use: a local is not.
  const decodeMask = DECODE_CACHE_MASK;

  // pc lives in a local; h.pc is synchronised around every call that may trap or jump.
  let pc = h.pc;
  // Translation state, cached in locals; refreshed after every call that may change it.
  let fetchPage = h.fetchPage;
  let fetchOffset = h.fetchOffset;
  let dataSet = h.dataSet;
  // The RAM offset of pc when the previous instruction ran in sequence on the same page (its end
  // not past the page's), else -1 (a jump, a trap, a slow path, a new page): the next fetch then
  // needs no pc arithmetic. With the offset recomputed from pc (a double) each time, every fetch
  // waited for the previous instruction's length from the decode cache, a subtraction, a
  // conversion and a compare of doubles: a dependency chain that made even a run of `addi` take
  // ~13 ns an instruction. It and the offsets it comes from are kept int32 (`| 0`): V8 made them
  // doubles (translateFetch returns a Number), and every fetch converted and compared a double
  // (a Debian boot with the JIT: the guest thread's CPU -0.14 s, median of 4 interleaved pairs).
  let sequential = -1;
  let n = budget;
  while (n > 0) {
    // A request to end the slice (an interrupt may be pending, a device needs attention) takes
    // effect right after the instruction that made it, whatever kind of instruction that was:
    // a load from a device, a trap, a CSR write. So the JIT, which runs such instructions here one
    // at a time, ends its slices at exactly the same instruction (--icount runs match).
    if (h.endSlice) break;
    n--;
    // ---- fetch ----
    // In sequence on the fetch page, the offset is in hand (see `sequential`); else the distance
    // into the cached fetch page, in double arithmetic: no integer truncation of pc.
    let offset = sequential;
    sequential = -1;
    if (offset < 0) {
      const inPage = pc - fetchPage;
      if (inPage >= 0 && inPage < 4096) {
        offset = (fetchOffset + inPage) | 0; // an int32: measured faster than leaving it a double
      } else {
        if (stopAtPageChange && n + 1 < budget) {
          n++;
          break;
        }
        h.sliceRemaining = n;
        h.pc = pc;
        offset = translateFetch(h, pc) | 0; // RAM offsets are < 2^31 (RAM is at most 2 GiB)
        fetchPage = h.fetchPage;
        fetchOffset = h.fetchOffset;
        if (offset < 0) {
          pc = h.pc;
          dataSet = h.dataSet;
          continue;
        }
      }
    }
    let bits = ram16[offset >>> 1];
    if ((bits & 3) === 3) {
      if ((offset & 0xfff) !== 0xffe) {
        bits |= ram16[(offset >>> 1) + 1] << 16;
      } else {
        // A 32-bit instruction straddling two pages: translate the second page separately.
        h.sliceRemaining = n;
        h.pc = pc;
        const second = translateFetch(h, pc + 2);
        fetchPage = h.fetchPage;
        fetchOffset = h.fetchOffset;
        if (second < 0) {
          pc = h.pc;
          dataSet = h.dataSet;
          continue;
        }
        bits |= ram16[second >>> 1] << 16;
      }
    }
    // ---- decode ----
    // Indexed by the physical (RAM) address: code shared between address spaces shares entries.
    const slot = (offset >>> 1) & decodeMask;
    const e = slot << 2;
    if (words[e] !== bits) dc.fill(slot, bits);
    const info = words[e + 1];
    const rd = (info >>> 8) & 0xff;
    const rs1 = (info >>> 16) & 0xff;
    const rs2 = info >>> 24;
    // ---- execute ----
    switch (info & 0xff) {
      case Op.LUI:
        x[rd] = immBigs[slot];
        break;
      case Op.AUIPC:
        writeNumber(w, rd, pc + words[e + 2]);
        break;
      case Op.JAL:
        writeNumber(w, rd, pc + (words[e + 3] >>> 24));
        pc = pc + words[e + 2];
        continue;
      case Op.JALR: {
        const r1 = rs1;
        const t = w[2 * r1 + 1] * TWO_POW_32 + (w[2 * r1] >>> 0) + words[e + 2];
        writeNumber(w, rd, pc + (words[e + 3] >>> 24));
        pc = t - (t & 1);
        continue;
      }
      case Op.BEQ: {
        const a = rs1;
        const b = rs2;
        if (w[2 * a] === w[2 * b] && w[2 * a + 1] === w[2 * b + 1]) {
          pc = pc + words[e + 2];
          continue;
        }
        break;
      }
      case Op.BNE: {
        const a = rs1;
        const b = rs2;
        if (w[2 * a] !== w[2 * b] || w[2 * a + 1] !== w[2 * b + 1]) {
          pc = pc + words[e + 2];
          continue;
        }
        break;
      }
      case Op.BLT: {
        const a = rs1;
        const b = rs2;
        if (lessThanSigned(w[2 * a], w[2 * a + 1], w[2 * b], w[2 * b + 1])) {
          pc = pc + words[e + 2];
          continue;
        }
        break;
      }
      case Op.BGE: {
        const a = rs1;
        const b = rs2;
        if (!lessThanSigned(w[2 * a], w[2 * a + 1], w[2 * b], w[2 * b + 1])) {
          pc = pc + words[e + 2];
          continue;
        }
        break;
      }
      case Op.BLTU: {
        const a = rs1;
        const b = rs2;
        if (lessThanUnsigned(w[2 * a], w[2 * a + 1], w[2 * b], w[2 * b + 1])) {
          pc = pc + words[e + 2];
          continue;
        }
        break;
      }
      case Op.BGEU: {
        const a = rs1;
        const b = rs2;
        if (!lessThanUnsigned(w[2 * a], w[2 * a + 1], w[2 * b], w[2 * b + 1])) {
          pc = pc + words[e + 2];
          continue;
        }
        break;
      }
      // ---- loads and stores: a TLB hit with natural alignment takes the fast path ----
      // The address is computed in int32 halves: lo = low word (as a signed int32; mmu.ts takes
      // either form), hi = high word plus the carry or borrow of adding the immediate (an
      // unsigned comparison of lo with the base). Double arithmetic on `>>> 0` values would
      // deoptimize the first time a case met an address with bit 31 set.
      case Op.LD: {
        const r1 = rs1;
        const base = w[2 * r1];
        const imm = words[e + 2];
        const lo = (base + imm) | 0;
        const carry = imm < 0 ? ((lo ^ SIGN) > (base ^ SIGN) ? -1 : 0) : (lo ^ SIGN) < (base ^ SIGN) ? 1 : 0;
        const hi = (w[2 * r1 + 1] + carry) | 0;
        const i = dataSet + ((lo >>> 12) & TLB_MASK);
        if (readJit[4 * i] === (lo & -4096) && readJit[4 * i + 1] === hi && (lo & 7) === 0) {
          const o = readOffset[i] + (lo & 0xfff);
          x[rd] = ram64[o >>> 3];
          break;
        }
        h.sliceRemaining = n;
        h.pc = pc;
        if (!loadSlow(h, lo, hi, 8)) {
          pc = h.pc;
          fetchPage = h.fetchPage;
          fetchOffset = h.fetchOffset;
          dataSet = h.dataSet;
          continue;
        }
        x[rd] = scratch[0];
        break;
      }
      case Op.LW: {
        const r1 = rs1;
        const base = w[2 * r1];
        const imm = words[e + 2];
        const lo = (base + imm) | 0;
        const carry = imm < 0 ? ((lo ^ SIGN) > (base ^ SIGN) ? -1 : 0) : (lo ^ SIGN) < (base ^ SIGN) ? 1 : 0;
        const hi = (w[2 * r1 + 1] + carry) | 0;
        const i = dataSet + ((lo >>> 12) & TLB_MASK);
        if (readJit[4 * i] === (lo & -4096) && readJit[4 * i + 1] === hi && (lo & 3) === 0) {
          const o = readOffset[i] + (lo & 0xfff);
          const v = ram32[o >>> 2];
          w[2 * rd] = v;
          w[2 * rd + 1] = v >> 31;
          break;
        }
        h.sliceRemaining = n;
        h.pc = pc;
        if (!loadSlow(h, lo, hi, 4)) {
          pc = h.pc;
          fetchPage = h.fetchPage;
          fetchOffset = h.fetchOffset;
          dataSet = h.dataSet;
          continue;
        }
        writeWord(w, rd, scratch32[0]);
        break;
      }
      case Op.LWU: {
        const r1 = rs1;
        const base = w[2 * r1];
        const imm = words[e + 2];
        const lo = (base + imm) | 0;
        const carry = imm < 0 ? ((lo ^ SIGN) > (base ^ SIGN) ? -1 : 0) : (lo ^ SIGN) < (base ^ SIGN) ? 1 : 0;
        const hi = (w[2 * r1 + 1] + carry) | 0;
        const i = dataSet + ((lo >>> 12) & TLB_MASK);
        if (readJit[4 * i] === (lo & -4096) && readJit[4 * i + 1] === hi && (lo & 3) === 0) {
          const o = readOffset[i] + (lo & 0xfff);
          w[2 * rd] = ram32[o >>> 2];
          w[2 * rd + 1] = 0;
          break;
        }
        h.sliceRemaining = n;
        h.pc = pc;
        if (!loadSlow(h, lo, hi, 4)) {
          pc = h.pc;
          fetchPage = h.fetchPage;
          fetchOffset = h.fetchOffset;
          dataSet = h.dataSet;
          continue;
        }
        w[2 * rd] = scratch32[0];
        w[2 * rd + 1] = 0;
        break;
      }
      case Op.LH: {
        const r1 = rs1;
        const base = w[2 * r1];
        const imm = words[e + 2];
        const lo = (base + imm) | 0;
        const carry = imm < 0 ? ((lo ^ SIGN) > (base ^ SIGN) ? -1 : 0) : (lo ^ SIGN) < (base ^ SIGN) ? 1 : 0;
        const hi = (w[2 * r1 + 1] + carry) | 0;
        const i = dataSet + ((lo >>> 12) & TLB_MASK);
        if (readJit[4 * i] === (lo & -4096) && readJit[4 * i + 1] === hi && (lo & 1) === 0) {
          const o = readOffset[i] + (lo & 0xfff);
          writeWord(w, rd, (ram16[o >>> 1] << 16) >> 16);
          break;
        }
        h.sliceRemaining = n;
        h.pc = pc;
        if (!loadSlow(h, lo, hi, 2)) {
          pc = h.pc;
          fetchPage = h.fetchPage;
          fetchOffset = h.fetchOffset;
          dataSet = h.dataSet;
          continue;
        }
        writeWord(w, rd, (scratch32[0] << 16) >> 16);
        break;
      }
      case Op.LHU: {
        const r1 = rs1;
        const base = w[2 * r1];
        const imm = words[e + 2];
        const lo = (base + imm) | 0;
        const carry = imm < 0 ? ((lo ^ SIGN) > (base ^ SIGN) ? -1 : 0) : (lo ^ SIGN) < (base ^ SIGN) ? 1 : 0;
        const hi = (w[2 * r1 + 1] + carry) | 0;
        const i = dataSet + ((lo >>> 12) & TLB_MASK);
        if (readJit[4 * i] === (lo & -4096) && readJit[4 * i + 1] === hi && (lo & 1) === 0) {
          const o = readOffset[i] + (lo & 0xfff);
          w[2 * rd] = ram16[o >>> 1];
          w[2 * rd + 1] = 0;
          break;
        }
        h.sliceRemaining = n;
        h.pc = pc;
        if (!loadSlow(h, lo, hi, 2)) {
          pc = h.pc;
          fetchPage = h.fetchPage;
          fetchOffset = h.fetchOffset;
          dataSet = h.dataSet;
          continue;
        }
        w[2 * rd] = scratch32[0];
        w[2 * rd + 1] = 0;
        break;
      }
      case Op.LB: {
        const r1 = rs1;
        const base = w[2 * r1];
        const imm = words[e + 2];
        const lo = (base + imm) | 0;
        const carry = imm < 0 ? ((lo ^ SIGN) > (base ^ SIGN) ? -1 : 0) : (lo ^ SIGN) < (base ^ SIGN) ? 1 : 0;
        const hi = (w[2 * r1 + 1] + carry) | 0;
        const i = dataSet + ((lo >>> 12) & TLB_MASK);
        if (readJit[4 * i] === (lo & -4096) && readJit[4 * i + 1] === hi) {
          const o = readOffset[i] + (lo & 0xfff);
          writeWord(w, rd, (ram8[o] << 24) >> 24);
          break;
        }
        h.sliceRemaining = n;
        h.pc = pc;
        if (!loadSlow(h, lo, hi, 1)) {
          pc = h.pc;
          fetchPage = h.fetchPage;
          fetchOffset = h.fetchOffset;
          dataSet = h.dataSet;
          continue;
        }
        writeWord(w, rd, (scratch32[0] << 24) >> 24);
        break;
      }
      case Op.LBU: {
        const r1 = rs1;
        const base = w[2 * r1];
        const imm = words[e + 2];
        const lo = (base + imm) | 0;
        const carry = imm < 0 ? ((lo ^ SIGN) > (base ^ SIGN) ? -1 : 0) : (lo ^ SIGN) < (base ^ SIGN) ? 1 : 0;
        const hi = (w[2 * r1 + 1] + carry) | 0;
        const i = dataSet + ((lo >>> 12) & TLB_MASK);
        if (readJit[4 * i] === (lo & -4096) && readJit[4 * i + 1] === hi) {
          const o = readOffset[i] + (lo & 0xfff);
          w[2 * rd] = ram8[o];
          w[2 * rd + 1] = 0;
          break;
        }
        h.sliceRemaining = n;
        h.pc = pc;
        if (!loadSlow(h, lo, hi, 1)) {
          pc = h.pc;
          fetchPage = h.fetchPage;
          fetchOffset = h.fetchOffset;
          dataSet = h.dataSet;
          continue;
        }
        w[2 * rd] = scratch32[0];
        w[2 * rd + 1] = 0;
        break;
      }
      case Op.FLD: {
        if ((h.mstatus & MSTATUS_FS) === 0) {
          h.pc = pc;
          raiseIllegal(h, slot);
          pc = h.pc;
          fetchPage = h.fetchPage;
          fetchOffset = h.fetchOffset;
          dataSet = h.dataSet;
          continue;
        }
        const r1 = rs1;
        const base = w[2 * r1];
        const imm = words[e + 2];
        const lo = (base + imm) | 0;
        const carry = imm < 0 ? ((lo ^ SIGN) > (base ^ SIGN) ? -1 : 0) : (lo ^ SIGN) < (base ^ SIGN) ? 1 : 0;
        const hi = (w[2 * r1 + 1] + carry) | 0;
        const i = dataSet + ((lo >>> 12) & TLB_MASK);
        if (readJit[4 * i] === (lo & -4096) && readJit[4 * i + 1] === hi && (lo & 7) === 0) {
          const o = readOffset[i] + (lo & 0xfff);
          f[rd] = ram64[o >>> 3];
          h.mstatus |= FS_DIRTY;
          break;
        }
        h.sliceRemaining = n;
        h.pc = pc;
        if (!loadSlow(h, lo, hi, 8)) {
          pc = h.pc;
          fetchPage = h.fetchPage;
          fetchOffset = h.fetchOffset;
          dataSet = h.dataSet;
          continue;
        }
        f[rd] = scratch[0];
        h.mstatus |= FS_DIRTY;
        break;
      }
      case Op.SD: {
        const r1 = rs1;
        const r2 = rs2;
        const base = w[2 * r1];
        const imm = words[e + 2];
        const lo = (base + imm) | 0;
        const carry = imm < 0 ? ((lo ^ SIGN) > (base ^ SIGN) ? -1 : 0) : (lo ^ SIGN) < (base ^ SIGN) ? 1 : 0;
        const hi = (w[2 * r1 + 1] + carry) | 0;
        const i = dataSet + ((lo >>> 12) & TLB_MASK);
        if (writeJit[4 * i] === (lo & -4096) && writeJit[4 * i + 1] === hi && (lo & 7) === 0) {
          const o = writeOffset[i] + (lo & 0xfff);
          ram64[o >>> 3] = x[r2];
          break;
        }
        scratch[0] = x[r2];
        h.sliceRemaining = n;
        h.pc = pc;
        if (!storeSlow(h, lo, hi, 8)) {
          pc = h.pc;
          fetchPage = h.fetchPage;
          fetchOffset = h.fetchOffset;
          dataSet = h.dataSet;
          continue;
        }
        break;
      }
      case Op.SW: {
        const r1 = rs1;
        const r2 = rs2;
        const base = w[2 * r1];
        const imm = words[e + 2];
        const lo = (base + imm) | 0;
        const carry = imm < 0 ? ((lo ^ SIGN) > (base ^ SIGN) ? -1 : 0) : (lo ^ SIGN) < (base ^ SIGN) ? 1 : 0;
        const hi = (w[2 * r1 + 1] + carry) | 0;
        const i = dataSet + ((lo >>> 12) & TLB_MASK);
        if (writeJit[4 * i] === (lo & -4096) && writeJit[4 * i + 1] === hi && (lo & 3) === 0) {
          const o = writeOffset[i] + (lo & 0xfff);
          ram32[o >>> 2] = w[2 * r2];
          break;
        }
        scratch[0] = x[r2];
        h.sliceRemaining = n;
        h.pc = pc;
        if (!storeSlow(h, lo, hi, 4)) {
          pc = h.pc;
          fetchPage = h.fetchPage;
          fetchOffset = h.fetchOffset;
          dataSet = h.dataSet;
          continue;
        }
        break;
      }
      case Op.SH: {
        const r1 = rs1;
        const r2 = rs2;
        const base = w[2 * r1];
        const imm = words[e + 2];
        const lo = (base + imm) | 0;
        const carry = imm < 0 ? ((lo ^ SIGN) > (base ^ SIGN) ? -1 : 0) : (lo ^ SIGN) < (base ^ SIGN) ? 1 : 0;
        const hi = (w[2 * r1 + 1] + carry) | 0;
        const i = dataSet + ((lo >>> 12) & TLB_MASK);
        if (writeJit[4 * i] === (lo & -4096) && writeJit[4 * i + 1] === hi && (lo & 1) === 0) {
          const o = writeOffset[i] + (lo & 0xfff);
          ram16[o >>> 1] = w[2 * r2];
          break;
        }
        scratch[0] = x[r2];
        h.sliceRemaining = n;
        h.pc = pc;
        if (!storeSlow(h, lo, hi, 2)) {
          pc = h.pc;
          fetchPage = h.fetchPage;
          fetchOffset = h.fetchOffset;
          dataSet = h.dataSet;
          continue;
        }
        break;
      }
      case Op.SB: {
        const r1 = rs1;
        const r2 = rs2;
        const base = w[2 * r1];
        const imm = words[e + 2];
        const lo = (base + imm) | 0;
        const carry = imm < 0 ? ((lo ^ SIGN) > (base ^ SIGN) ? -1 : 0) : (lo ^ SIGN) < (base ^ SIGN) ? 1 : 0;
        const hi = (w[2 * r1 + 1] + carry) | 0;
        const i = dataSet + ((lo >>> 12) & TLB_MASK);
        if (writeJit[4 * i] === (lo & -4096) && writeJit[4 * i + 1] === hi) {
          const o = writeOffset[i] + (lo & 0xfff);
          ram8[o] = w[2 * r2];
          break;
        }
        scratch[0] = x[r2];
        h.sliceRemaining = n;
        h.pc = pc;
        if (!storeSlow(h, lo, hi, 1)) {
          pc = h.pc;
          fetchPage = h.fetchPage;
          fetchOffset = h.fetchOffset;
          dataSet = h.dataSet;
          continue;
        }
        break;
      }
      case Op.FSD: {
        if ((h.mstatus & MSTATUS_FS) === 0) {
          h.pc = pc;
          raiseIllegal(h, slot);
          pc = h.pc;
          fetchPage = h.fetchPage;
          fetchOffset = h.fetchOffset;
          dataSet = h.dataSet;
          continue;
        }
        const r1 = rs1;
        const r2 = rs2;
        const base = w[2 * r1];
        const imm = words[e + 2];
        const lo = (base + imm) | 0;
        const carry = imm < 0 ? ((lo ^ SIGN) > (base ^ SIGN) ? -1 : 0) : (lo ^ SIGN) < (base ^ SIGN) ? 1 : 0;
        const hi = (w[2 * r1 + 1] + carry) | 0;
        const i = dataSet + ((lo >>> 12) & TLB_MASK);
        if (writeJit[4 * i] === (lo & -4096) && writeJit[4 * i + 1] === hi && (lo & 7) === 0) {
          const o = writeOffset[i] + (lo & 0xfff);
          ram64[o >>> 3] = f[r2];
          break;
        }
        scratch[0] = f[r2];
        h.sliceRemaining = n;
        h.pc = pc;
        if (!storeSlow(h, lo, hi, 8)) {
          pc = h.pc;
          fetchPage = h.fetchPage;
          fetchOffset = h.fetchOffset;
          dataSet = h.dataSet;
          continue;
        }
        break;
      }
      // ---- integer computation ----
      case Op.ADDI:
        x[rd] = BigInt.asIntN(64, x[rs1] + immBigs[slot]);
        break;
      case Op.SLTI:
        x[rd] = x[rs1] < immBigs[slot] ? 1n : 0n;
        break;
      case Op.SLTIU: {
        const a = rs1;
        const imm = words[e + 2];
        writeWord(w, rd, lessThanUnsigned(w[2 * a], w[2 * a + 1], imm, imm >> 31) ? 1 : 0);
        break;
      }
      case Op.XORI:
        x[rd] = x[rs1] ^ immBigs[slot];
        break;
      case Op.ORI:
        x[rd] = x[rs1] | immBigs[slot];
        break;
      case Op.ANDI:
        x[rd] = x[rs1] & immBigs[slot];
        break;
      case Op.SLLI:
        shiftLeft(w, rd, rs1, words[e + 2]);
        break;
      case Op.SRLI:
        shiftRightLogical(w, rd, rs1, words[e + 2]);
        break;
      case Op.SRAI:
        shiftRightArithmetic(w, rd, rs1, words[e + 2]);
        break;
      case Op.ADD:
        x[rd] = BigInt.asIntN(64, x[rs1] + x[rs2]);
        break;
      case Op.SUB:
        x[rd] = BigInt.asIntN(64, x[rs1] - x[rs2]);
        break;
      case Op.SLL:
        shiftLeft(w, rd, rs1, w[2 * rs2] & 63);
        break;
      case Op.SLT:
        x[rd] = x[rs1] < x[rs2] ? 1n : 0n;
        break;
      case Op.SLTU: {
        const a = rs1;
        const b = rs2;
        writeWord(w, rd, lessThanUnsigned(w[2 * a], w[2 * a + 1], w[2 * b], w[2 * b + 1]) ? 1 : 0);
        break;
      }
      case Op.XOR:
        x[rd] = x[rs1] ^ x[rs2];
        break;
      case Op.SRL:
        shiftRightLogical(w, rd, rs1, w[2 * rs2] & 63);
        break;
      case Op.SRA:
        shiftRightArithmetic(w, rd, rs1, w[2 * rs2] & 63);
        break;
      case Op.OR:
        x[rd] = x[rs1] | x[rs2];
        break;
      case Op.AND:
        x[rd] = x[rs1] & x[rs2];
        break;
      case Op.ADDIW:
        writeWord(w, rd, (w[2 * rs1] + words[e + 2]) | 0);
        break;
      case Op.SLLIW:
        writeWord(w, rd, w[2 * rs1] << words[e + 2]);
        break;
      case Op.SRLIW:
        writeWord(w, rd, (w[2 * rs1] >>> words[e + 2]) | 0);
        break;
      case Op.SRAIW:
        writeWord(w, rd, w[2 * rs1] >> words[e + 2]);
        break;
      case Op.ADDW:
        writeWord(w, rd, (w[2 * rs1] + w[2 * rs2]) | 0);
        break;
      case Op.SUBW:
        writeWord(w, rd, (w[2 * rs1] - w[2 * rs2]) | 0);
        break;
      case Op.SLLW:
        writeWord(w, rd, w[2 * rs1] << (w[2 * rs2] & 31));
        break;
      case Op.SRLW:
        writeWord(w, rd, (w[2 * rs1] >>> (w[2 * rs2] & 31)) | 0);
        break;
      case Op.SRAW:
        writeWord(w, rd, w[2 * rs1] >> (w[2 * rs2] & 31));
        break;
      case Op.MUL:
        x[rd] = BigInt.asIntN(64, x[rs1] * x[rs2]);
        break;
      case Op.MULW:
        writeWord(w, rd, Math.imul(w[2 * rs1], w[2 * rs2]));
        break;
      default: {
        h.sliceRemaining = n;
        h.pc = pc;
        pc = executeOther(h, slot) === NEXT ? pc + (words[e + 3] >>> 24) : h.pc;
        fetchPage = h.fetchPage;
        fetchOffset = h.fetchOffset;
        dataSet = h.dataSet;
        continue;
      }
    }
    // In sequence: the length from the instruction's own bits, so that the next fetch depends on
    // nothing loaded from the decode cache.
    const length = (bits & 3) === 3 ? 4 : 2;
    pc += length;
    // (fetchPage is NaN when PMP splits the page: every fetch is checked then.)
    if ((offset & 0xfff) + length < 4096 && fetchPage === fetchPage) sequential = (offset + length) | 0;
  }
  h.pc = pc;
  return endSlice(h, budget - n);
}

/** Commit the slice's retired count; returns the instructions attempted (traps included). */
function endSlice(h: Hart, attempted: number): number {
  h.instret += attempted - h.sliceTraps;
  h.sliceBudget = h.sliceRemaining = h.sliceTraps = 0;
  return attempted;
}
