// Instructions outside the interpreter's inline set: system instructions and CSRs, M-extension
// high multiplies and divisions, atomics, single-precision memory access, the FP unit,
// Zba/Zbb/Zbs/Zicond and cache-block operations.

import type { Hart } from './hart.js';
import { Op } from './opcodes.js';
import { csrAccessible, readCsr, readCsrForUpdate, writeCsr } from './csr.js';
import {
  ACCESS_LOAD,
  ACCESS_STORE,
  addressValue,
  pageNumber,
  loadSlow,
  readAt,
  storeSlow,
  translateData,
  probeRead,
  probeWrite,
  writeAt,
} from './mmu.js';
import { writeWord } from './int64.js';
import { executeBitmanip } from './execute-bitmanip.js';
import type { FpOp } from './fpu/fp-ops.js';
import {
  CAUSE_BREAKPOINT,
  CAUSE_ILLEGAL_INSTRUCTION,
  CAUSE_MISALIGNED_LOAD,
  CAUSE_MISALIGNED_STORE,
  CAUSE_STORE_ACCESS,
  CAUSE_USER_ECALL,
  ENVCFG_CBCFE,
  ENVCFG_CBIE,
  ENVCFG_CBZE,
  MSTATUS_FS,
  MSTATUS_TSR,
  MSTATUS_TVM,
  MSTATUS_TW,
  PRIV_M,
  PRIV_S,
  PRIV_U,
} from './csr-numbers.js';

/** executeOther results: advance to the next instruction, or the pc has been set (jump/trap). */
export const NEXT = 0;
export const PC_SET = 1;

const MIN64 = -(1n << 63n);

const CACHE_BLOCK = 64;

/** rs1 + imm as halves into h.addressLo / h.addressHi (see mmu.ts). */
export function effectiveAddress(h: Hart, rs1: number, imm: number): void {
  const w = h.regs.w;
  const sum = (w[2 * rs1] >>> 0) + imm;
  h.addressLo = sum >>> 0;
  h.addressHi = (w[2 * rs1 + 1] + Math.floor(sum / 4294967296)) | 0;
}

export function raiseIllegal(h: Hart, slot: number): number {
  // mtval = the instruction bits (16 for compressed ones), as QEMU reports them.
  h.raiseException(CAUSE_ILLEGAL_INSTRUCTION, h.decode.bits(slot) >>> 0);
  return PC_SET;
}

export function executeOther(h: Hart, slot: number): number {
  const dc = h.decode;
  const op = dc.op(slot);
  const rd = dc.rd(slot);
  const rs1 = dc.rs1(slot);
  const rs2 = dc.rs2(slot);
  const x = h.regs.x;
  const w = h.regs.w;
  switch (op) {
    case Op.FENCE:
    case Op.FENCE_I:
      // The decode cache is keyed by instruction bits, so fetched code is always current.
      return NEXT;
    case Op.ECALL:
      h.raiseException(CAUSE_USER_ECALL + h.priv, 0);
      return PC_SET;
    case Op.EBREAK:
      // mtval is zero for ebreak, as QEMU reports it (the spec allows the pc or zero).
      h.raiseException(CAUSE_BREAKPOINT, 0);
      return PC_SET;
    case Op.MRET:
      if (h.priv < PRIV_M) return raiseIllegal(h, slot);
      h.returnFromMachine();
      return PC_SET;
    case Op.SRET:
      if (h.priv < PRIV_S || (h.priv === PRIV_S && (h.mstatus & MSTATUS_TSR) !== 0))
        return raiseIllegal(h, slot);
      h.returnFromSupervisor();
      return PC_SET;
    case Op.WFI:
      // Privileged spec 3.1.6.5: illegal in U-mode, and below M when TW is set.
      if (h.priv === PRIV_U || (h.priv < PRIV_M && (h.mstatus & MSTATUS_TW) !== 0))
        return raiseIllegal(h, slot);
      if ((h.mip & h.mie) === 0) h.waiting = true;
      h.endSlice = true;
      return NEXT;
    case Op.SFENCE_VMA:
      if (h.priv === PRIV_U || (h.priv === PRIV_S && (h.mstatus & MSTATUS_TVM) !== 0))
        return raiseIllegal(h, slot);
      // With rs1 = x0 everything goes; with an address, that page in every address space (ignoring
      // the ASID over-flushes, which the spec permits). Hart.flushPage widens this to everything
      // when the address lies in a cached superpage (privileged spec 10.2.1).
      if (rs1 === 0) {
        h.flushTranslations();
      } else {
        effectiveAddress(h, rs1, 0);
        h.flushPage(pageNumber(h.addressLo, h.addressHi));
      }
      return NEXT;
    case Op.CSRRW:
    case Op.CSRRS:
    case Op.CSRRC:
    case Op.CSRRWI:
    case Op.CSRRSI:
    case Op.CSRRCI:
      return executeCsr(h, slot, op, rd, rs1);
    case Op.MULH:
      x[rd] = BigInt.asIntN(64, (x[rs1] * x[rs2]) >> 64n);
      return NEXT;
    case Op.MULHU:
      x[rd] = BigInt.asIntN(64, (BigInt.asUintN(64, x[rs1]) * BigInt.asUintN(64, x[rs2])) >> 64n);
      return NEXT;
    case Op.MULHSU:
      x[rd] = BigInt.asIntN(64, (x[rs1] * BigInt.asUintN(64, x[rs2])) >> 64n);
      return NEXT;
    case Op.DIV: {
      // Unprivileged spec 13.2: x/0 = -1, MIN/-1 = MIN (no trap).
      const a = x[rs1];
      const b = x[rs2];
      x[rd] = b === 0n ? -1n : a === MIN64 && b === -1n ? MIN64 : a / b;
      return NEXT;
    }
    case Op.DIVU: {
      const b = BigInt.asUintN(64, x[rs2]);
      x[rd] = b === 0n ? -1n : BigInt.asIntN(64, BigInt.asUintN(64, x[rs1]) / b);
      return NEXT;
    }
    case Op.REM: {
      const a = x[rs1];
      const b = x[rs2];
      x[rd] = b === 0n ? a : a === MIN64 && b === -1n ? 0n : a % b;
      return NEXT;
    }
    case Op.REMU: {
      const b = BigInt.asUintN(64, x[rs2]);
      x[rd] = b === 0n ? x[rs1] : BigInt.asIntN(64, BigInt.asUintN(64, x[rs1]) % b);
      return NEXT;
    }
    case Op.DIVW: {
      const a = w[2 * rs1];
      const b = w[2 * rs2];
      writeWord(w, rd, b === 0 ? -1 : a === -0x80000000 && b === -1 ? a : Math.trunc(a / b) | 0);
      return NEXT;
    }
    case Op.DIVUW: {
      const a = w[2 * rs1] >>> 0;
      const b = w[2 * rs2] >>> 0;
      writeWord(w, rd, b === 0 ? -1 : Math.trunc(a / b) | 0);
      return NEXT;
    }
    case Op.REMW: {
      const a = w[2 * rs1];
      const b = w[2 * rs2];
      writeWord(w, rd, b === 0 ? a : a === -0x80000000 && b === -1 ? 0 : (a % b) | 0);
      return NEXT;
    }
    case Op.REMUW: {
      const a = w[2 * rs1] >>> 0;
      const b = w[2 * rs2] >>> 0;
      writeWord(w, rd, b === 0 ? a | 0 : (a % b) | 0);
      return NEXT;
    }
    case Op.FLW: {
      if ((h.mstatus & MSTATUS_FS) === 0) return raiseIllegal(h, slot);
      effectiveAddress(h, rs1, dc.imm(slot));
      if (!loadSlow(h, h.addressLo, h.addressHi, 4)) return PC_SET;
      const u = h.fregs.u32;
      u[2 * rd] = h.scratch32[0];
      u[2 * rd + 1] = 0xffffffff; // NaN-boxing (unprivileged spec 21.2)
      h.mstatus |= MSTATUS_FS;
      return NEXT;
    }
    case Op.FSW: {
      if ((h.mstatus & MSTATUS_FS) === 0) return raiseIllegal(h, slot);
      h.scratch32[0] = h.fregs.u32[2 * rs2];
      effectiveAddress(h, rs1, dc.imm(slot));
      return storeSlow(h, h.addressLo, h.addressHi, 4) ? NEXT : PC_SET;
    }
    case Op.FP:
      if ((h.mstatus & MSTATUS_FS) === 0) return raiseIllegal(h, slot);
      if (!h.fpu.execute(dc.aux(slot) as FpOp, rd, rs1, rs2, dc.rs3(slot), dc.rm(slot), h.regs)) {
        return raiseIllegal(h, slot);
      }
      h.mstatus |= MSTATUS_FS;
      return NEXT;
    case Op.CBO_ZERO:
    case Op.CBO_CLEAN:
    case Op.CBO_FLUSH:
    case Op.CBO_INVAL:
      return executeCacheBlock(h, slot, op, rs1);
    case Op.ILLEGAL:
      return raiseIllegal(h, slot);
    default:
      if (op >= Op.LR_W && op <= Op.AMOMAXU_D) return executeAtomic(h, op, rd, rs1, rs2);
      if (executeBitmanip(h, op, rd, rs1, rs2, dc.imm(slot))) return NEXT;
      return raiseIllegal(h, slot);
  }
}

function executeCsr(h: Hart, slot: number, op: Op, rd: number, rs1: number): number {
  const csr = h.decode.imm(slot);
  const immediate = op >= Op.CSRRWI;
  const source = immediate ? BigInt(rs1) : h.regs.x[rs1];
  const isWrite = op === Op.CSRRW || op === Op.CSRRWI || rs1 !== 0;
  if (!csrAccessible(h, csr, isWrite)) return raiseIllegal(h, slot);
  const old = readCsr(h, csr);
  if (isWrite) {
    let value: bigint;
    switch (op) {
      case Op.CSRRW:
      case Op.CSRRWI:
        value = source;
        break;
      case Op.CSRRS:
      case Op.CSRRSI:
        value = readCsrForUpdate(h, csr) | source;
        break;
      default:
        value = readCsrForUpdate(h, csr) & ~source;
    }
    writeCsr(h, csr, value);
  }
  h.regs.x[rd] = old;
  return NEXT;
}

/**
 * The physical address of an aligned atomic access: from the TLB when it holds the page (a write
 * entry for AMOs and SC: the page is RAM, writable, hence readable, without translated code),
 * else by translateData (a walk, or the fault). Without the TLB, every interpreted atomic walked
 * the page tables: ~100K of a Debian boot's slow-path walks refilled entries that were there.
 */
function atomicAddress(h: Hart, lo: number, hi: number, size: number, access: number): number {
  const hit = access === ACCESS_STORE ? probeWrite(h, lo, hi) : probeRead(h, lo, hi);
  return hit >= 0 ? h.ram.base + hit : translateData(h, lo, hi, size, access);
}

/** LR/SC and AMOs (unprivileged spec chapter 14). Sequentially consistent: aq/rl need nothing. */
function executeAtomic(h: Hart, op: Op, rd: number, rs1: number, rs2: number): number {
  const x = h.regs.x;
  const isWord = op <= Op.AMOMAXU_W;
  const size = isWord ? 4 : 8;
  effectiveAddress(h, rs1, 0);
  const lo = h.addressLo;
  const hi = h.addressHi;
  const isLr = op === Op.LR_W || op === Op.LR_D;
  const isSc = op === Op.SC_W || op === Op.SC_D;
  if ((lo & (size - 1)) !== 0) {
    h.raiseException(isLr ? CAUSE_MISALIGNED_LOAD : CAUSE_MISALIGNED_STORE, addressValue(lo, hi));
    return PC_SET;
  }
  if (isSc) {
    // Like QEMU: the SC succeeds when it targets the reserved address and memory still holds the
    // value LR saw; any SC ends the reservation. Translation (and its faults) comes first.
    const reserved = h.reservationValid && h.reservationLo === lo && h.reservationHi === hi;
    h.reservationValid = false;
    const pa = atomicAddress(h, lo, hi, size, ACCESS_STORE);
    if (pa < 0) return PC_SET;
    if (!reserved) {
      x[rd] = 1n;
      return NEXT;
    }
    if (!readAt(h, pa, size)) return accessFault(h, lo, hi);
    const current = isWord ? BigInt(h.scratch32[0]) : h.scratch[0];
    if (current !== h.reservationValue) {
      x[rd] = 1n;
      return NEXT;
    }
    h.scratch[0] = x[rs2];
    if (!writeAt(h, pa, size)) return accessFault(h, lo, hi);
    x[rd] = 0n;
    return NEXT;
  }
  const pa = atomicAddress(h, lo, hi, size, isLr ? ACCESS_LOAD : ACCESS_STORE);
  if (pa < 0) return PC_SET;
  if (!readAt(h, pa, size)) return accessFault(h, lo, hi);
  const old = isWord ? BigInt(h.scratch32[0]) : h.scratch[0];
  if (isLr) {
    h.reservationValid = true;
    h.reservationLo = lo;
    h.reservationHi = hi;
    h.reservationValue = old;
    x[rd] = old;
    return NEXT;
  }
  const b = x[rs2];
  let result: bigint;
  switch (op) {
    case Op.AMOSWAP_W:
    case Op.AMOSWAP_D:
      result = b;
      break;
    case Op.AMOADD_W:
    case Op.AMOADD_D:
      result = old + b;
      break;
    case Op.AMOXOR_W:
    case Op.AMOXOR_D:
      result = old ^ b;
      break;
    case Op.AMOAND_W:
    case Op.AMOAND_D:
      result = old & b;
      break;
    case Op.AMOOR_W:
    case Op.AMOOR_D:
      result = old | b;
      break;
    case Op.AMOMIN_W:
      result = old < BigInt.asIntN(32, b) ? old : b;
      break;
    case Op.AMOMAX_W:
      result = old > BigInt.asIntN(32, b) ? old : b;
      break;
    case Op.AMOMINU_W:
      result = BigInt.asUintN(32, old) < BigInt.asUintN(32, b) ? old : b;
      break;
    case Op.AMOMAXU_W:
      result = BigInt.asUintN(32, old) > BigInt.asUintN(32, b) ? old : b;
      break;
    case Op.AMOMIN_D:
      result = old < b ? old : b;
      break;
    case Op.AMOMAX_D:
      result = old > b ? old : b;
      break;
    case Op.AMOMINU_D:
      result = BigInt.asUintN(64, old) < BigInt.asUintN(64, b) ? old : b;
      break;
    default:
      result = BigInt.asUintN(64, old) > BigInt.asUintN(64, b) ? old : b;
  }
  h.scratch[0] = BigInt.asIntN(64, result);
  if (!writeAt(h, pa, size)) return accessFault(h, lo, hi);
  x[rd] = old;
  return NEXT;
}

function accessFault(h: Hart, lo: number, hi: number): number {
  h.raiseException(CAUSE_STORE_ACCESS, addressValue(lo, hi));
  return PC_SET;
}

/**
 * Zicbom/Zicboz (CMO spec 2.5): enabled below M by menvcfg (and senvcfg for U-mode). There is no
 * cache, so clean/flush/inval only check access; cbo.zero writes 64 zero bytes.
 */
function executeCacheBlock(h: Hart, slot: number, op: Op, rs1: number): number {
  if (h.priv !== PRIV_M) {
    const mask = op === Op.CBO_ZERO ? ENVCFG_CBZE : op === Op.CBO_INVAL ? ENVCFG_CBIE : ENVCFG_CBCFE;
    const menv = h.menvcfg & mask;
    const senv = h.senvcfg & mask;
    if (menv === 0n || (h.priv === PRIV_U && senv === 0n)) return raiseIllegal(h, slot);
  }
  effectiveAddress(h, rs1, 0);
  const lo = h.addressLo - (h.addressLo % CACHE_BLOCK);
  const hi = h.addressHi;
  if (op === Op.CBO_ZERO) {
    // A write-TLB hit zeroes the block in place. Linux clears every page it allocates with
    // cbo.zero, and translated code leaves at the first one of each page (a TLB miss), so the
    // rest of that block runs here: a page-table walk for each, 163K per Debian boot.
    const o = probeWrite(h, lo, hi);
    if (o >= 0) {
      // Int32 stores: BigInt64Array.fill took ~1 us a call.
      const i32 = h.ram.i32;
      for (let k = o >>> 2, end = k + CACHE_BLOCK / 4; k < end; k++) i32[k] = 0;
      return NEXT;
    }
  }
  const pa = translateData(h, lo, hi, CACHE_BLOCK, ACCESS_STORE);
  if (pa < 0) return PC_SET;
  if (op === Op.CBO_ZERO) {
    h.scratch[0] = 0n;
    for (let i = 0; i < CACHE_BLOCK; i += 8) {
      if (!writeAt(h, pa + i, 8)) return accessFault(h, lo, hi);
    }
  }
  return NEXT;
}
