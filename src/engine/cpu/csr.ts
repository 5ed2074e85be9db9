// CSR access (privileged spec chapter 2 and the CSR descriptions of chapters 3 and 10). readCsr and
// writeCsr assume the caller has checked permission with csrAccessible.

import type { Hart } from './hart.js';
import { MISA } from './hart.js';
import {
  ALL_INTERRUPTS,
  CSR_CYCLE,
  CSR_FCSR,
  CSR_FFLAGS,
  CSR_FRM,
  CSR_HPMCOUNTER31,
  CSR_INSTRET,
  CSR_MARCHID,
  CSR_MCAUSE,
  CSR_MCONFIGPTR,
  CSR_MCOUNTEREN,
  CSR_MCOUNTINHIBIT,
  CSR_MCYCLE,
  CSR_MEDELEG,
  CSR_MENVCFG,
  CSR_MEPC,
  CSR_MHARTID,
  CSR_MHPMCOUNTER3,
  CSR_MHPMCOUNTER31,
  CSR_MHPMEVENT3,
  CSR_MHPMEVENT31,
  CSR_MIDELEG,
  CSR_MIE,
  CSR_MIMPID,
  CSR_MINSTRET,
  CSR_MIP,
  CSR_MISA,
  CSR_MSCRATCH,
  CSR_MSTATUS,
  CSR_MTVAL,
  CSR_MTVEC,
  CSR_MVENDORID,
  CSR_PMPADDR0,
  CSR_PMPADDR63,
  CSR_PMPCFG0,
  CSR_PMPCFG15,
  CSR_SATP,
  CSR_SCAUSE,
  CSR_SCOUNTEREN,
  CSR_SENVCFG,
  CSR_SEPC,
  CSR_SIE,
  CSR_SIP,
  CSR_SSCRATCH,
  CSR_SSTATUS,
  CSR_STIMECMP,
  CSR_STVAL,
  CSR_STVEC,
  CSR_TIME,
  ENVCFG_CBCFE,
  ENVCFG_CBIE,
  ENVCFG_CBZE,
  ENVCFG_FIOM,
  MEDELEG_WRITABLE,
  MENVCFG_STCE,
  MIP_SSIP,
  MSTATUS_FS,
  MSTATUS_FS_SHIFT,
  MSTATUS_MPP,
  MSTATUS_MPP_SHIFT,
  MSTATUS_TVM,
  MSTATUS_WRITABLE,
  PRIV_M,
  PRIV_S,
  SSTATUS_MASK,
  SUPERVISOR_INTERRUPTS,
} from './csr-numbers.js';

const MSTATUS_FS_DIRTY = 3 << MSTATUS_FS_SHIFT;
/** UXL = SXL = 2 (64-bit), bits 35:32 of mstatus. */
const MSTATUS_XLEN_FIELDS = 0xan << 32n;
const MIE_WRITABLE = ALL_INTERRUPTS;
const MIDELEG_WRITABLE = SUPERVISOR_INTERRUPTS;
const MIP_WRITABLE = SUPERVISOR_INTERRUPTS;
const SATP_MODE_BARE = 0;
const SATP_SUPPORTED_MODES = new Set([SATP_MODE_BARE, 8, 9, 10]);
const SATP_ASID_MASK = 0xffffn;
const SATP_PPN_MASK = (1n << 44n) - 1n;
const MENVCFG_WRITABLE = ENVCFG_FIOM | ENVCFG_CBIE | ENVCFG_CBCFE | ENVCFG_CBZE | MENVCFG_STCE;
const SENVCFG_WRITABLE = ENVCFG_FIOM | ENVCFG_CBIE | ENVCFG_CBCFE | ENVCFG_CBZE;
const U32 = 0xffffffffn;

function isCounter(csr: number): boolean {
  return csr >= CSR_CYCLE && csr <= CSR_HPMCOUNTER31;
}

/** Known CSR numbers (anything else is an illegal instruction). */
function exists(csr: number): boolean {
  if (isCounter(csr)) return true;
  if (csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31) return true;
  if (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31) return true;
  if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) return (csr & 1) === 0 && csr <= CSR_PMPCFG0 + 2;
  if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) return csr < CSR_PMPADDR0 + 16;
  switch (csr) {
    case CSR_FFLAGS:
    case CSR_FRM:
    case CSR_FCSR:
    case CSR_SSTATUS:
    case CSR_SIE:
    case CSR_STVEC:
    case CSR_SCOUNTEREN:
    case CSR_SENVCFG:
    case CSR_SSCRATCH:
    case CSR_SEPC:
    case CSR_SCAUSE:
    case CSR_STVAL:
    case CSR_SIP:
    case CSR_STIMECMP:
    case CSR_SATP:
    case CSR_MVENDORID:
    case CSR_MARCHID:
    case CSR_MIMPID:
    case CSR_MHARTID:
    case CSR_MCONFIGPTR:
    case CSR_MSTATUS:
    case CSR_MISA:
    case CSR_MEDELEG:
    case CSR_MIDELEG:
    case CSR_MIE:
    case CSR_MTVEC:
    case CSR_MCOUNTEREN:
    case CSR_MENVCFG:
    case CSR_MCOUNTINHIBIT:
    case CSR_MSCRATCH:
    case CSR_MEPC:
    case CSR_MCAUSE:
    case CSR_MTVAL:
    case CSR_MIP:
    case CSR_MCYCLE:
    case CSR_MINSTRET:
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
    const bit = 1 << (csr - CSR_CYCLE);
    if (h.priv < PRIV_M && (h.mcounteren & bit) === 0) return false;
    if (h.priv < PRIV_S && (h.scounteren & bit) === 0) return false;
    return true;
  }
  switch (csr) {
    case CSR_FFLAGS:
    case CSR_FRM:
    case CSR_FCSR:
      return (h.mstatus & MSTATUS_FS) !== 0;
    case CSR_SATP:
      return !(h.priv === PRIV_S && (h.mstatus & MSTATUS_TVM) !== 0);
    case CSR_STIMECMP:
      // Sstc: S-mode access needs mcounteren.TM and menvcfg.STCE.
      if (h.priv === PRIV_S) {
        return (h.mcounteren & 2) !== 0 && (h.menvcfg & MENVCFG_STCE) !== 0n;
      }
      return true;
    default:
      return true;
  }
}

function readMstatus(h: Hart, mask: number): bigint {
  const low = h.mstatus & mask;
  const dirty = (low & MSTATUS_FS) === MSTATUS_FS_DIRTY;
  let v = BigInt(low >>> 0);
  if (mask === SSTATUS_MASK)
    v |= 2n << 32n; // sstatus shows UXL only
  else v |= MSTATUS_XLEN_FIELDS;
  if (dirty) v |= 1n << 63n;
  return v;
}

export function readCsr(h: Hart, csr: number): bigint {
  if (isCounter(csr) || (csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31)) {
    switch (csr) {
      case CSR_CYCLE:
        return readCycle(h);
      case CSR_INSTRET:
        return readInstret(h);
      case CSR_TIME:
        return BigInt(h.readTime());
      default:
        return 0n; // Zihpm counters exist and read as zero
    }
  }
  if (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31) return 0n;
  if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) return h.pmp.readCfg(csr - CSR_PMPCFG0);
  if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) return h.pmp.readAddr(csr - CSR_PMPADDR0);
  switch (csr) {
    case CSR_FFLAGS:
      return BigInt(h.fpu.fflags);
    case CSR_FRM:
      return BigInt(h.fpu.frm);
    case CSR_FCSR:
      return BigInt((h.fpu.frm << 5) | h.fpu.fflags);
    case CSR_SSTATUS:
      return readMstatus(h, SSTATUS_MASK);
    case CSR_SIE:
      return BigInt(h.mie & h.mideleg);
    case CSR_STVEC:
      return h.stvec;
    case CSR_SCOUNTEREN:
      return BigInt(h.scounteren >>> 0);
    case CSR_SENVCFG:
      return h.senvcfg;
    case CSR_SSCRATCH:
      return h.sscratch;
    case CSR_SEPC:
      return h.sepc;
    case CSR_SCAUSE:
      return h.scause;
    case CSR_STVAL:
      return h.stval;
    case CSR_SIP:
      return BigInt(h.mip & h.mideleg);
    case CSR_STIMECMP:
      return h.stimecmp;
    case CSR_SATP:
      return h.satp;
    case CSR_MVENDORID:
    case CSR_MARCHID:
    case CSR_MIMPID:
    case CSR_MCONFIGPTR:
      return 0n;
    case CSR_MHARTID:
      return BigInt(h.id);
    case CSR_MSTATUS:
      return readMstatus(h, -1);
    case CSR_MISA:
      return BigInt.asIntN(64, MISA);
    case CSR_MEDELEG:
      return BigInt(h.medeleg);
    case CSR_MIDELEG:
      return BigInt(h.mideleg);
    case CSR_MIE:
      return BigInt(h.mie);
    case CSR_MTVEC:
      return h.mtvec;
    case CSR_MCOUNTEREN:
      return BigInt(h.mcounteren >>> 0);
    case CSR_MENVCFG:
      return BigInt.asIntN(64, h.menvcfg);
    case CSR_MCOUNTINHIBIT:
      return BigInt(h.mcountinhibit);
    case CSR_MSCRATCH:
      return h.mscratch;
    case CSR_MEPC:
      return h.mepc;
    case CSR_MCAUSE:
      return h.mcause;
    case CSR_MTVAL:
      return h.mtval;
    case CSR_MIP:
      return BigInt(h.mip);
    case CSR_MCYCLE:
      return readCycle(h);
    case CSR_MINSTRET:
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
  if (csr === CSR_MIP) return BigInt(h.mipSoftware);
  if (csr === CSR_SIP) return BigInt(h.mipSoftware & h.mideleg);
  return readCsr(h, csr);
}

function markFpDirty(h: Hart): void {
  h.mstatus |= MSTATUS_FS_DIRTY;
}

function writeMstatus(h: Hart, value: bigint, mask: number): void {
  const before = h.mstatus;
  let v = Number(value & U32) & mask;
  // MPP is WARL: 2 (reserved) leaves the field unchanged.
  if ((mask & MSTATUS_MPP) !== 0 && (v & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT === 2) {
    v = (v & ~MSTATUS_MPP) | (before & MSTATUS_MPP);
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
  if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
    h.pmp.writeCfg(csr - CSR_PMPCFG0, value);
    return;
  }
  if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
    h.pmp.writeAddr(csr - CSR_PMPADDR0, value);
    return;
  }
  switch (csr) {
    case CSR_FFLAGS:
      h.fpu.fflags = Number(value & 0x1fn);
      markFpDirty(h);
      return;
    case CSR_FRM:
      h.fpu.frm = Number(value & 7n);
      markFpDirty(h);
      return;
    case CSR_FCSR:
      h.fpu.fflags = Number(value & 0x1fn);
      h.fpu.frm = Number((value >> 5n) & 7n);
      markFpDirty(h);
      return;
    case CSR_SSTATUS:
      writeMstatus(h, value, SSTATUS_MASK);
      return;
    case CSR_SIE:
      h.mie = (h.mie & ~h.mideleg) | (Number(value & 0xffffn) & h.mideleg & MIE_WRITABLE);
      h.endSlice = true;
      return;
    case CSR_STVEC:
      if ((value & 3n) < 2n) h.stvec = value;
      return;
    case CSR_SCOUNTEREN:
      h.scounteren = Number(value & U32) | 0;
      return;
    case CSR_SENVCFG:
      h.senvcfg = legalEnvcfg(value & SENVCFG_WRITABLE, h.senvcfg);
      h.updateTranslationContext();
      return;
    case CSR_SSCRATCH:
      h.sscratch = value;
      return;
    case CSR_SEPC:
      h.sepc = value & ~1n;
      return;
    case CSR_SCAUSE:
      h.scause = value;
      return;
    case CSR_STVAL:
      h.stval = value;
      return;
    case CSR_SIP: {
      // Only SSIP is writable through sip, and only when delegated (privileged spec 10.1.3).
      const mask = MIP_SSIP & h.mideleg;
      h.mipSoftware = (h.mipSoftware & ~mask) | (Number(value & 0xffffn) & mask);
      h.endSlice = true;
      return;
    }
    case CSR_STIMECMP:
      h.stimecmp = value;
      h.stimecmpNumber = Number(BigInt.asUintN(64, value));
      h.updateSupervisorTimer();
      return;
    case CSR_SATP: {
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
    case CSR_MSTATUS:
      writeMstatus(h, value, MSTATUS_WRITABLE);
      return;
    case CSR_MISA:
      return; // read-only in rvisor (WARL)
    case CSR_MCOUNTINHIBIT: {
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
    case CSR_MEDELEG:
      h.medeleg = Number(value & 0xffffn) & MEDELEG_WRITABLE;
      return;
    case CSR_MIDELEG:
      h.mideleg = Number(value & 0xffffn) & MIDELEG_WRITABLE;
      h.endSlice = true;
      return;
    case CSR_MIE:
      h.mie = Number(value & 0xffffn) & MIE_WRITABLE;
      h.endSlice = true;
      return;
    case CSR_MTVEC:
      if ((value & 3n) < 2n) h.mtvec = value;
      return;
    case CSR_MCOUNTEREN:
      h.mcounteren = Number(value & U32) | 0;
      return;
    case CSR_MENVCFG:
      h.menvcfg = legalEnvcfg(BigInt.asUintN(64, value) & MENVCFG_WRITABLE, h.menvcfg);
      h.updateTranslationContext();
      h.updateSupervisorTimer();
      h.endSlice = true;
      return;
    case CSR_MSCRATCH:
      h.mscratch = value;
      return;
    case CSR_MEPC:
      h.mepc = value & ~1n;
      return;
    case CSR_MCAUSE:
      h.mcause = value;
      return;
    case CSR_MTVAL:
      h.mtval = value;
      return;
    case CSR_MIP:
      h.mipSoftware = (h.mipSoftware & ~MIP_WRITABLE) | (Number(value & 0xffffn) & MIP_WRITABLE);
      h.endSlice = true;
      return;
    case CSR_MCYCLE:
      // The write takes effect after this instruction: the next read sees exactly `value`.
      setCycle(h, value, 1);
      return;
    case CSR_MINSTRET:
      setInstret(h, value, 1);
      return;
    default:
      return; // hpm counters/events: read-only zero
  }
}

/** CBIE = 2 is reserved (WARL): keep the previous field. */
function legalEnvcfg(value: bigint, previous: bigint): bigint {
  if ((value & ENVCFG_CBIE) === 2n << 4n) value = (value & ~ENVCFG_CBIE) | (previous & ENVCFG_CBIE);
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
