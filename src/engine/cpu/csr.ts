// CSR access (privileged spec chapter 2 and the CSR descriptions of chapters 3 and 10). readCsr and
// writeCsr assume the caller has checked permission with csrAccessible.

import type { Hart } from './hart.js';
import { MISA } from './hart.js';
import * as C from './csr-numbers.js';

const MSTATUS_FS_DIRTY = 3 << C.MSTATUS_FS_SHIFT;
/** UXL = SXL = 2 (64-bit), bits 35:32 of mstatus. */
const MSTATUS_XLEN_FIELDS = 0xan << 32n;
const MIE_WRITABLE = C.ALL_INTERRUPTS;
const MIDELEG_WRITABLE = C.SUPERVISOR_INTERRUPTS;
const MIP_WRITABLE = C.SUPERVISOR_INTERRUPTS;
const SATP_MODE_BARE = 0;
const SATP_SUPPORTED_MODES = new Set([SATP_MODE_BARE, 8, 9, 10]);
const SATP_ASID_MASK = 0xffffn;
const SATP_PPN_MASK = (1n << 44n) - 1n;
const MENVCFG_WRITABLE = C.ENVCFG_FIOM | C.ENVCFG_CBIE | C.ENVCFG_CBCFE | C.ENVCFG_CBZE | C.MENVCFG_STCE;
const SENVCFG_WRITABLE = C.ENVCFG_FIOM | C.ENVCFG_CBIE | C.ENVCFG_CBCFE | C.ENVCFG_CBZE;
const U32 = 0xffffffffn;

function isCounter(csr: number): boolean {
  return csr >= C.CSR_CYCLE && csr <= C.CSR_HPMCOUNTER31;
}

/** Known CSR numbers (anything else is an illegal instruction). */
function exists(csr: number): boolean {
  if (isCounter(csr)) return true;
  if (csr >= C.CSR_MHPMCOUNTER3 && csr <= C.CSR_MHPMCOUNTER31) return true;
  if (csr >= C.CSR_MHPMEVENT3 && csr <= C.CSR_MHPMEVENT31) return true;
  if (csr >= C.CSR_PMPCFG0 && csr <= C.CSR_PMPCFG15) return (csr & 1) === 0 && csr <= C.CSR_PMPCFG0 + 2;
  if (csr >= C.CSR_PMPADDR0 && csr <= C.CSR_PMPADDR63) return csr < C.CSR_PMPADDR0 + 16;
  switch (csr) {
    case C.CSR_FFLAGS:
    case C.CSR_FRM:
    case C.CSR_FCSR:
    case C.CSR_SSTATUS:
    case C.CSR_SIE:
    case C.CSR_STVEC:
    case C.CSR_SCOUNTEREN:
    case C.CSR_SENVCFG:
    case C.CSR_SSCRATCH:
    case C.CSR_SEPC:
    case C.CSR_SCAUSE:
    case C.CSR_STVAL:
    case C.CSR_SIP:
    case C.CSR_STIMECMP:
    case C.CSR_SATP:
    case C.CSR_MVENDORID:
    case C.CSR_MARCHID:
    case C.CSR_MIMPID:
    case C.CSR_MHARTID:
    case C.CSR_MCONFIGPTR:
    case C.CSR_MSTATUS:
    case C.CSR_MISA:
    case C.CSR_MEDELEG:
    case C.CSR_MIDELEG:
    case C.CSR_MIE:
    case C.CSR_MTVEC:
    case C.CSR_MCOUNTEREN:
    case C.CSR_MENVCFG:
    case C.CSR_MCOUNTINHIBIT:
    case C.CSR_MSCRATCH:
    case C.CSR_MEPC:
    case C.CSR_MCAUSE:
    case C.CSR_MTVAL:
    case C.CSR_MIP:
    case C.CSR_MCYCLE:
    case C.CSR_MINSTRET:
      return true;
    default:
      return false;
  }
}

/**
 * May the hart access this CSR now? csr[9:8] is the lowest privilege allowed, csr[11:10] = 3
 * marks read-only CSRs (privileged spec 2.1); counters, stimecmp, satp and FP CSRs add their own
 * gates.
 */
export function csrAccessible(h: Hart, csr: number, write: boolean): boolean {
  if (!exists(csr)) return false;
  if (h.priv < ((csr >>> 8) & 3)) return false;
  if (write && csr >>> 10 === 3) return false;
  if (isCounter(csr)) {
    const bit = 1 << (csr - C.CSR_CYCLE);
    if (h.priv < C.PRIV_M && (h.mcounteren & bit) === 0) return false;
    if (h.priv < C.PRIV_S && (h.scounteren & bit) === 0) return false;
    return true;
  }
  switch (csr) {
    case C.CSR_FFLAGS:
    case C.CSR_FRM:
    case C.CSR_FCSR:
      return (h.mstatus & C.MSTATUS_FS) !== 0;
    case C.CSR_SATP:
      return !(h.priv === C.PRIV_S && (h.mstatus & C.MSTATUS_TVM) !== 0);
    case C.CSR_STIMECMP:
      // Sstc: S-mode access needs mcounteren.TM and menvcfg.STCE.
      if (h.priv === C.PRIV_S) {
        return (h.mcounteren & 2) !== 0 && (h.menvcfg & C.MENVCFG_STCE) !== 0n;
      }
      return true;
    default:
      return true;
  }
}

function readMstatus(h: Hart, mask: number): bigint {
  const low = h.mstatus & mask;
  const dirty = (low & C.MSTATUS_FS) === MSTATUS_FS_DIRTY;
  let v = BigInt(low >>> 0);
  if (mask === C.SSTATUS_MASK)
    v |= 2n << 32n; // sstatus shows UXL only
  else v |= MSTATUS_XLEN_FIELDS;
  if (dirty) v |= 1n << 63n;
  return v;
}

export function readCsr(h: Hart, csr: number): bigint {
  if (isCounter(csr) || (csr >= C.CSR_MHPMCOUNTER3 && csr <= C.CSR_MHPMCOUNTER31)) {
    switch (csr) {
      case C.CSR_CYCLE:
        return readCycle(h);
      case C.CSR_INSTRET:
        return readInstret(h);
      case C.CSR_TIME:
        return BigInt(h.readTime());
      default:
        return 0n; // Zihpm counters exist and read as zero
    }
  }
  if (csr >= C.CSR_MHPMEVENT3 && csr <= C.CSR_MHPMEVENT31) return 0n;
  if (csr >= C.CSR_PMPCFG0 && csr <= C.CSR_PMPCFG15) return h.pmp.readCfg(csr - C.CSR_PMPCFG0);
  if (csr >= C.CSR_PMPADDR0 && csr <= C.CSR_PMPADDR63) return h.pmp.readAddr(csr - C.CSR_PMPADDR0);
  switch (csr) {
    case C.CSR_FFLAGS:
      return BigInt(h.fpu.fflags);
    case C.CSR_FRM:
      return BigInt(h.fpu.frm);
    case C.CSR_FCSR:
      return BigInt((h.fpu.frm << 5) | h.fpu.fflags);
    case C.CSR_SSTATUS:
      return readMstatus(h, C.SSTATUS_MASK);
    case C.CSR_SIE:
      return BigInt(h.mie & h.mideleg);
    case C.CSR_STVEC:
      return h.stvec;
    case C.CSR_SCOUNTEREN:
      return BigInt(h.scounteren >>> 0);
    case C.CSR_SENVCFG:
      return h.senvcfg;
    case C.CSR_SSCRATCH:
      return h.sscratch;
    case C.CSR_SEPC:
      return h.sepc;
    case C.CSR_SCAUSE:
      return h.scause;
    case C.CSR_STVAL:
      return h.stval;
    case C.CSR_SIP:
      return BigInt(h.mip & h.mideleg);
    case C.CSR_STIMECMP:
      return h.stimecmp;
    case C.CSR_SATP:
      return h.satp;
    case C.CSR_MVENDORID:
    case C.CSR_MARCHID:
    case C.CSR_MIMPID:
    case C.CSR_MCONFIGPTR:
      return 0n;
    case C.CSR_MHARTID:
      return BigInt(h.id);
    case C.CSR_MSTATUS:
      return readMstatus(h, -1);
    case C.CSR_MISA:
      return BigInt.asIntN(64, MISA);
    case C.CSR_MEDELEG:
      return BigInt(h.medeleg);
    case C.CSR_MIDELEG:
      return BigInt(h.mideleg);
    case C.CSR_MIE:
      return BigInt(h.mie);
    case C.CSR_MTVEC:
      return h.mtvec;
    case C.CSR_MCOUNTEREN:
      return BigInt(h.mcounteren >>> 0);
    case C.CSR_MENVCFG:
      return BigInt.asIntN(64, h.menvcfg);
    case C.CSR_MCOUNTINHIBIT:
      return BigInt(h.mcountinhibit);
    case C.CSR_MSCRATCH:
      return h.mscratch;
    case C.CSR_MEPC:
      return h.mepc;
    case C.CSR_MCAUSE:
      return h.mcause;
    case C.CSR_MTVAL:
      return h.mtval;
    case C.CSR_MIP:
      return BigInt(h.mip);
    case C.CSR_MCYCLE:
      return readCycle(h);
    case C.CSR_MINSTRET:
      return readInstret(h);
    default:
      return 0n;
  }
}

/**
 * The value CSRRS/CSRRC modify. Privileged spec 3.1.9: for mip, a read-modify-write works on the
 * software-writable bits only (an SEIP raised by the PLIC, or an STIP driven by Sstc, must not be
 * latched into the software bits by an unrelated `csrs mip, ...`).
 */
export function readCsrForUpdate(h: Hart, csr: number): bigint {
  if (csr === C.CSR_MIP) return BigInt(h.mipSoftware);
  if (csr === C.CSR_SIP) return BigInt(h.mipSoftware & h.mideleg);
  return readCsr(h, csr);
}

function markFpDirty(h: Hart): void {
  h.mstatus |= MSTATUS_FS_DIRTY;
}

function writeMstatus(h: Hart, value: bigint, mask: number): void {
  const before = h.mstatus;
  let v = Number(value & U32) & mask;
  // MPP is WARL: 2 (reserved) leaves the field unchanged.
  if ((mask & C.MSTATUS_MPP) !== 0 && (v & C.MSTATUS_MPP) >> C.MSTATUS_MPP_SHIFT === 2) {
    v = (v & ~C.MSTATUS_MPP) | (before & C.MSTATUS_MPP);
  }
  h.mstatus = (before & ~mask) | v;
  h.mstatusChanged(before);
}

export function writeCsr(h: Hart, csr: number, value: bigint): void {
  writeCsrValue(h, csr, value);
  // mie, mip/sip, mideleg and menvcfg (Sstc's view of STIP) decide which interrupts are ready.
  h.updateInterruptSummary();
}

function writeCsrValue(h: Hart, csr: number, value: bigint): void {
  if (csr >= C.CSR_PMPCFG0 && csr <= C.CSR_PMPCFG15) {
    h.pmp.writeCfg(csr - C.CSR_PMPCFG0, value);
    return;
  }
  if (csr >= C.CSR_PMPADDR0 && csr <= C.CSR_PMPADDR63) {
    h.pmp.writeAddr(csr - C.CSR_PMPADDR0, value);
    return;
  }
  switch (csr) {
    case C.CSR_FFLAGS:
      h.fpu.fflags = Number(value & 0x1fn);
      markFpDirty(h);
      return;
    case C.CSR_FRM:
      h.fpu.frm = Number(value & 7n);
      markFpDirty(h);
      return;
    case C.CSR_FCSR:
      h.fpu.fflags = Number(value & 0x1fn);
      h.fpu.frm = Number((value >> 5n) & 7n);
      markFpDirty(h);
      return;
    case C.CSR_SSTATUS:
      writeMstatus(h, value, C.SSTATUS_MASK);
      return;
    case C.CSR_SIE:
      h.mie = (h.mie & ~h.mideleg) | (Number(value & 0xffffn) & h.mideleg & MIE_WRITABLE);
      h.endSlice = true;
      return;
    case C.CSR_STVEC:
      if ((value & 3n) < 2n) h.stvec = value;
      return;
    case C.CSR_SCOUNTEREN:
      h.scounteren = Number(value & U32) | 0;
      return;
    case C.CSR_SENVCFG:
      h.senvcfg = legalEnvcfg(value & SENVCFG_WRITABLE, h.senvcfg);
      h.updateTranslationContext();
      return;
    case C.CSR_SSCRATCH:
      h.sscratch = value;
      return;
    case C.CSR_SEPC:
      h.sepc = value & ~1n;
      return;
    case C.CSR_SCAUSE:
      h.scause = value;
      return;
    case C.CSR_STVAL:
      h.stval = value;
      return;
    case C.CSR_SIP: {
      // Only SSIP is writable through sip, and only when delegated (privileged spec 10.1.3).
      const mask = C.MIP_SSIP & h.mideleg;
      h.mipSoftware = (h.mipSoftware & ~mask) | (Number(value & 0xffffn) & mask);
      h.endSlice = true;
      return;
    }
    case C.CSR_STIMECMP:
      h.stimecmp = value;
      h.stimecmpNumber = Number(BigInt.asUintN(64, value));
      h.updateSupervisorTimer();
      return;
    case C.CSR_SATP: {
      const mode = Number(BigInt.asUintN(64, value) >> 60n);
      // Unsupported modes: the whole write has no effect (privileged spec 10.1.11).
      if (!SATP_SUPPORTED_MODES.has(mode)) return;
      const ppn = value & SATP_PPN_MASK;
      const asid = (value >> 44n) & SATP_ASID_MASK;
      h.satp = BigInt.asIntN(64, (BigInt(mode) << 60n) | (asid << 44n) | ppn);
      h.satpMode = mode;
      h.satpRoot = Number(ppn) * 4096;
      h.flushTranslations();
      return;
    }
    case C.CSR_MSTATUS:
      writeMstatus(h, value, C.MSTATUS_WRITABLE);
      return;
    case C.CSR_MISA:
      return; // read-only in rvisor (WARL)
    case C.CSR_MCOUNTINHIBIT: {
      // CY (bit 0) and IR (bit 2) freeze mcycle/minstret; bit 1 is read-only zero; the hpm bits
      // are writable but the hpm counters are always zero anyway.
      const next = Number(value & 0xfffffffdn) >>> 0;
      const cycle = readCycle(h);
      const instret = readInstret(h);
      h.mcountinhibit = next;
      setCycle(h, cycle, 0);
      setInstret(h, instret, 0);
      return;
    }
    case C.CSR_MEDELEG:
      h.medeleg = Number(value & 0xffffn) & C.MEDELEG_WRITABLE;
      return;
    case C.CSR_MIDELEG:
      h.mideleg = Number(value & 0xffffn) & MIDELEG_WRITABLE;
      h.endSlice = true;
      return;
    case C.CSR_MIE:
      h.mie = Number(value & 0xffffn) & MIE_WRITABLE;
      h.endSlice = true;
      return;
    case C.CSR_MTVEC:
      if ((value & 3n) < 2n) h.mtvec = value;
      return;
    case C.CSR_MCOUNTEREN:
      h.mcounteren = Number(value & U32) | 0;
      return;
    case C.CSR_MENVCFG:
      h.menvcfg = legalEnvcfg(BigInt.asUintN(64, value) & MENVCFG_WRITABLE, h.menvcfg);
      h.updateTranslationContext();
      h.updateSupervisorTimer();
      h.endSlice = true;
      return;
    case C.CSR_MSCRATCH:
      h.mscratch = value;
      return;
    case C.CSR_MEPC:
      h.mepc = value & ~1n;
      return;
    case C.CSR_MCAUSE:
      h.mcause = value;
      return;
    case C.CSR_MTVAL:
      h.mtval = value;
      return;
    case C.CSR_MIP:
      h.mipSoftware = (h.mipSoftware & ~MIP_WRITABLE) | (Number(value & 0xffffn) & MIP_WRITABLE);
      h.endSlice = true;
      return;
    case C.CSR_MCYCLE:
      // The write takes effect after this instruction: the next read sees exactly `value`.
      setCycle(h, value, 1);
      return;
    case C.CSR_MINSTRET:
      setInstret(h, value, 1);
      return;
    default:
      return; // hpm counters/events: read-only zero
  }
}

/** CBIE = 2 is reserved (WARL): keep the previous field. */
function legalEnvcfg(value: bigint, previous: bigint): bigint {
  if ((value & C.ENVCFG_CBIE) === 2n << 4n) value = (value & ~C.ENVCFG_CBIE) | (previous & C.ENVCFG_CBIE);
  return value;
}

const INHIBIT_CY = 1;
const INHIBIT_IR = 4;

function readCycle(h: Hart): bigint {
  if ((h.mcountinhibit & INHIBIT_CY) !== 0) return h.cycleFrozen;
  return BigInt.asIntN(64, BigInt(h.retired()) + h.cycleOffset);
}

function readInstret(h: Hart): bigint {
  if ((h.mcountinhibit & INHIBIT_IR) !== 0) return h.instretFrozen;
  return BigInt.asIntN(64, BigInt(h.retired()) + h.instretOffset);
}

/** Make mcycle read `value` from the instruction `skip` instructions ahead of the current one. */
function setCycle(h: Hart, value: bigint, skip: number): void {
  h.cycleFrozen = BigInt.asIntN(64, value);
  h.cycleOffset = value - BigInt(h.retired() + skip);
}

function setInstret(h: Hart, value: bigint, skip: number): void {
  h.instretFrozen = BigInt.asIntN(64, value);
  h.instretOffset = value - BigInt(h.retired() + skip);
}
