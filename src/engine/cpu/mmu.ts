// Address translation (privileged spec 10.3-10.6: Sv39, Sv48, Sv57), PMP enforcement and the slow
// paths of memory access: TLB misses, MMIO, misaligned and page-crossing accesses.
//
// Virtual addresses travel as two numbers: `lo`, the low 32 bits (unsigned), and `hi`, the high
// 32 bits (signed). Their page number hi * 2^20 + (lo >>> 12) fits a double exactly, so TLB tags
// are exact for every 64-bit address, including Sv57's upper half (0xff00_0000_0000_0000...).

import type { Hart } from './hart.js';
import { TLB_ENTRIES } from './hart.js';
import { PMP_R, PMP_W, PMP_X } from './pmp.js';
import {
  CAUSE_FETCH_ACCESS,
  CAUSE_FETCH_PAGE_FAULT,
  CAUSE_LOAD_ACCESS,
  CAUSE_LOAD_PAGE_FAULT,
  CAUSE_STORE_ACCESS,
  CAUSE_STORE_PAGE_FAULT,
  MSTATUS_MXR,
  MSTATUS_SUM,
  PRIV_M,
  PRIV_S,
  PRIV_U,
} from './csr-numbers.js';

export const ACCESS_FETCH = 0;
export const ACCESS_LOAD = 1;
export const ACCESS_STORE = 2;

const PAGE_FAULT = [CAUSE_FETCH_PAGE_FAULT, CAUSE_LOAD_PAGE_FAULT, CAUSE_STORE_PAGE_FAULT];
const ACCESS_FAULT = [CAUSE_FETCH_ACCESS, CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS];
const PMP_PERMISSION = [PMP_X, PMP_R, PMP_W];

const PTE_V = 1;
const PTE_R = 2;
const PTE_W = 4;
const PTE_X = 8;
const PTE_U = 16;
const PTE_A = 64;
const PTE_D = 128;

const TWO_POW_32 = 4294967296;
/** 2^(9*k): the pages one level-k PTE spans (a table, not `2 **`: Math.pow is slow in walks). */
const LEVEL_SPAN = [1, 512, 262144, 134217728, 68719476736];
/** 2^(9*levels - 21), by levels (3 for Sv39 .. 5 for Sv57): the bound on a valid address's high word. */
const HIGH_WORD_LIMIT = [0, 0, 0, 64, 32768, 16777216];
/** Physical addresses are 56 bits wide: the high word of a physical address is below 2^24. */
const PHYSICAL_HIGH_LIMIT = 1 << 24;

/** The exact 64-bit address for *tval. */
export function addressValue(lo: number, hi: number): bigint {
  return BigInt.asIntN(64, (BigInt(hi | 0) << 32n) + BigInt(lo >>> 0));
}

/** Virtual page number (address >> 12, signed) of an address given as halves. */
export function pageNumber(lo: number, hi: number): number {
  return (hi | 0) * 1048576 + (lo >>> 12);
}

/**
 * Translate an address for an access by privilege `priv`. Returns the physical address, or -1
 * after raising the page or access fault. PMP is checked on the page-table walk; the caller checks
 * PMP for the final access.
 */
export function translate(h: Hart, lo: number, hi: number, access: number, priv: number): number {
  lo >>>= 0;
  hi |= 0;
  if (priv === PRIV_M || h.satpMode === 0) {
    if (hi < 0 || hi >= PHYSICAL_HIGH_LIMIT) {
      h.raiseException(ACCESS_FAULT[access], addressValue(lo, hi));
      return -1;
    }
    h.walkWritable = true;
    return hi * TWO_POW_32 + lo;
  }
  const levels = h.satpMode - 5; // Sv39 = 8 -> 3 levels, Sv48 -> 4, Sv57 -> 5
  // The address must be sign-extended from bit 12 + 9*levels - 1 (privileged spec 10.3.1): the
  // high word lies in [-2^(9*levels-21), 2^(9*levels-21)).
  const limit = HIGH_WORD_LIMIT[levels];
  if (hi >= limit || hi < -limit) {
    h.raiseException(PAGE_FAULT[access], addressValue(lo, hi));
    return -1;
  }
  const vpnFull = hi * 1048576 + (lo >>> 12);
  const ram = h.ram;
  let table = h.satpRoot;
  for (let level = levels - 1; level >= 0; level--) {
    const span = LEVEL_SPAN[level];
    const vpn = Math.floor(vpnFull / span) & 511;
    const pteAddress = table + vpn * 8;
    // Implicit page-table accesses are checked by PMP as S-mode reads (privileged spec 3.7.1).
    if (!ram.contains(pteAddress, 8) || !h.pmp.check(pteAddress, 8, PMP_R, PRIV_S)) {
      h.raiseException(ACCESS_FAULT[access], addressValue(lo, hi));
      return -1;
    }
    const index = (pteAddress - ram.base) >> 2;
    const pteLo = ram.i32[index];
    const pteHi = ram.i32[index + 1];
    // Reserved bits 63:54 (N and PBMT are not implemented) must be zero.
    if ((pteLo & PTE_V) === 0 || (pteLo & (PTE_R | PTE_W)) === PTE_W || pteHi >>> 22 !== 0) break;
    const ppn = (pteHi & 0x3fffff) * 4194304 + (pteLo >>> 10);
    if ((pteLo & (PTE_R | PTE_X)) === 0) {
      table = ppn * 4096;
      continue;
    }
    // Leaf: permission checks (10.3.2 step 5).
    if (priv === PRIV_U) {
      if ((pteLo & PTE_U) === 0) break;
    } else if ((pteLo & PTE_U) !== 0) {
      // S-mode never executes user pages and reads/writes them only with SUM (10.1.1).
      if (access === ACCESS_FETCH || (h.mstatus & MSTATUS_SUM) === 0) break;
    }
    if (access === ACCESS_FETCH) {
      if ((pteLo & PTE_X) === 0) break;
    } else if (access === ACCESS_LOAD) {
      if ((pteLo & PTE_R) === 0 && !((h.mstatus & MSTATUS_MXR) !== 0 && (pteLo & PTE_X) !== 0)) break;
    } else if ((pteLo & PTE_W) === 0) break;
    // A superpage's low PPN fields must be zero (step 6).
    if (ppn % span !== 0) break;
    // Hardware A/D update (step 7), as QEMU does.
    const want = access === ACCESS_STORE ? PTE_A | PTE_D : PTE_A;
    if ((pteLo & want) !== want) {
      if (!h.pmp.check(pteAddress, 8, PMP_W, PRIV_S)) {
        h.raiseException(ACCESS_FAULT[access], addressValue(lo, hi));
        return -1;
      }
      ram.i32[index] = pteLo | want;
      if (ram.codePages[index >>> 10] !== 0) ram.noteWrite(index * 4, 4);
    }
    h.walkWritable = (pteLo & (PTE_W | PTE_D)) === (PTE_W | PTE_D);
    const pagesIntoSuperpage = vpnFull - Math.floor(vpnFull / span) * span;
    if (level > 0) h.noteSuperpage(vpnFull - pagesIntoSuperpage, vpnFull - pagesIntoSuperpage + span);
    return (ppn + pagesIntoSuperpage) * 4096 + (lo & 0xfff);
  }
  h.raiseException(PAGE_FAULT[access], addressValue(lo, hi));
  return -1;
}

/** Cache a translation of page `vpn` to RAM page `pa` when PMP treats the page uniformly. */
function fillTlb(h: Hart, access: number, vpn: number, pa: number, priv: number): void {
  const ram = h.ram;
  const page = pa - (pa % 4096);
  if (!ram.contains(page, 4096) || !h.pmp.pageIsUniform(page)) return;
  if (!h.pmp.check(page, 4096, PMP_PERMISSION[access], priv)) return;
  const offset = page - ram.base;
  if (access === ACCESS_FETCH) {
    const i = h.fetchSet + (vpn & (TLB_ENTRIES - 1));
    h.tlbExecTag[i] = vpn;
    h.tlbExecOffset[i] = offset;
    h.noteFilled(i);
  } else {
    const i = h.dataSet + (vpn & (TLB_ENTRIES - 1));
    h.noteFilled(i);
    if (access === ACCESS_LOAD) {
      h.setDataTag(h.tlbReadTag, h.tlbReadJit, i, vpn, offset);
      h.tlbReadOffset[i] = offset;
    } else if (ram.codePages[offset >>> 12] === 0) {
      // Pages holding translated code get no write entries: every store to them takes the slow
      // path, which reports it (writePhysical) so the translation is dropped.
      h.setDataTag(h.tlbWriteTag, h.tlbWriteJit, i, vpn, offset);
      h.tlbWriteOffset[i] = offset;
      h.writeMapped[offset >>> 12] = 1;
    }
  }
}

/**
 * Translate the page holding `pc` for instruction fetch. Returns the RAM offset of `pc` and
 * remembers the page for the interpreter's fetch fast path, or -1 after raising a fault. The pc
 * is a number (exact within ±2^53, which holds every address Linux executes code at).
 */
export function translateFetch(h: Hart, pc: number): number {
  const vpn = Math.floor(pc / 4096);
  const i = h.fetchSet + (vpn & (TLB_ENTRIES - 1));
  const pageStart = vpn * 4096;
  if (h.tlbExecTag[i] === vpn) {
    h.fetchPage = pageStart;
    h.fetchOffset = h.tlbExecOffset[i];
    return h.fetchOffset + (pc - pageStart);
  }
  const priv = h.priv;
  const lo = pc >>> 0;
  const hi = Math.floor(pc / TWO_POW_32);
  const pa = translate(h, lo, hi, ACCESS_FETCH, priv);
  if (pa < 0) return -1;
  if (!h.ram.contains(pa, 2) || !h.pmp.check(pa, 2, PMP_X, priv)) {
    h.raiseException(CAUSE_FETCH_ACCESS, addressValue(lo, hi));
    return -1;
  }
  fillTlb(h, ACCESS_FETCH, vpn, pa, priv);
  if (h.tlbExecTag[i] === vpn) {
    h.fetchPage = pageStart;
    h.fetchOffset = h.tlbExecOffset[i];
  } else {
    h.fetchPage = NaN; // not cacheable (PMP splits the page): translate every time
  }
  return pa - h.ram.base;
}

/**
 * Look the page of `pc` up in the fetch TLB only (no walk, no fault); on a hit make it the
 * current fetch page. The JIT uses this to find translated code without side effects.
 */
export function probeFetch(h: Hart, pc: number): boolean {
  const vpn = Math.floor(pc / 4096);
  const i = h.fetchSet + (vpn & (TLB_ENTRIES - 1));
  if (h.tlbExecTag[i] !== vpn) return false;
  h.fetchPage = vpn * 4096;
  h.fetchOffset = h.tlbExecOffset[i];
  return true;
}

/**
 * Look the page of the address (halves; `lo` signed or not) up in the write TLB only (no walk,
 * no fault): the RAM offset of the address on a hit (a RAM page with one PMP permission for all
 * of it, and no translated code), else -1. The interpreter's stores make the same test inline.
 */
export function probeWrite(h: Hart, lo: number, hi: number): number {
  return probeData(h, h.tlbWriteJit, h.tlbWriteOffset, lo, hi);
}

/** probeWrite for the read TLB: the RAM offset of the address on a hit, else -1. */
export function probeRead(h: Hart, lo: number, hi: number): number {
  return probeData(h, h.tlbReadJit, h.tlbReadOffset, lo, hi);
}

function probeData(h: Hart, tags: Int32Array, offsets: Int32Array, lo: number, hi: number): number {
  const i = h.dataSet + ((lo >>> 12) & (TLB_ENTRIES - 1));
  if (tags[4 * i] !== (lo & -4096) || tags[4 * i + 1] !== hi) return -1;
  return offsets[i] + (lo & 0xfff);
}

/** Physical read of 1, 2, 4 or 8 bytes into h.scratch (zero-extended); false if nothing answers. */
function readPhysical(h: Hart, pa: number, size: number): boolean {
  const ram = h.ram;
  const s = h.scratch32;
  if (ram.contains(pa, size)) {
    const o = pa - ram.base;
    const v = ram.view;
    switch (size) {
      case 1:
        s[0] = v.getUint8(o);
        s[1] = 0;
        return true;
      case 2:
        s[0] = v.getUint16(o, true);
        s[1] = 0;
        return true;
      case 4:
        s[0] = v.getInt32(o, true);
        s[1] = 0;
        return true;
      default:
        s[0] = v.getInt32(o, true);
        s[1] = v.getInt32(o + 4, true);
        return true;
    }
  }
  if ((pa & (size - 1)) !== 0) return false; // misaligned device access
  if (size === 8) {
    const value = h.bus.read64(pa);
    if (value === undefined) return false;
    h.scratch[0] = BigInt.asIntN(64, value);
    return true;
  }
  const value = h.bus.read(pa, size as 1 | 2 | 4);
  if (value === undefined) return false;
  s[0] = value;
  s[1] = 0;
  return true;
}

/** Physical write of the low `size` bytes of h.scratch; false if nothing answers. */
function writePhysical(h: Hart, pa: number, size: number): boolean {
  const ram = h.ram;
  const s = h.scratch32;
  if (ram.contains(pa, size)) {
    const o = pa - ram.base;
    const v = ram.view;
    switch (size) {
      case 1:
        v.setUint8(o, s[0] & 0xff);
        break;
      case 2:
        v.setUint16(o, s[0] & 0xffff, true);
        break;
      case 4:
        v.setInt32(o, s[0], true);
        break;
      default:
        v.setInt32(o, s[0], true);
        v.setInt32(o + 4, s[1], true);
        break;
    }
    if (ram.codePages[o >>> 12] !== 0 || ram.codePages[(o + size - 1) >>> 12] !== 0) ram.noteWrite(o, size);
    return true;
  }
  if ((pa & (size - 1)) !== 0) return false;
  if (size === 8) return h.bus.write64(pa, h.scratch[0]);
  return h.bus.write(pa, size === 4 ? s[0] >>> 0 : s[0] & (size === 2 ? 0xffff : 0xff), size as 1 | 2 | 4);
}

/**
 * Translate a data access and check PMP and the physical target. Returns the physical address or
 * -1 after raising the fault.
 */
export function translateData(h: Hart, lo: number, hi: number, size: number, access: number): number {
  const priv = h.dataPrivilege;
  const pa = translate(h, lo, hi, access, priv);
  if (pa < 0) return -1;
  const perm = PMP_PERMISSION[access];
  if (!h.pmp.check(pa, size, perm, priv) || !(h.ram.contains(pa, size) || h.bus.claims(pa, size))) {
    h.raiseException(ACCESS_FAULT[access], addressValue(lo, hi));
    return -1;
  }
  fillTlb(h, access, pageNumber(lo, hi), pa, priv);
  // A load through a writable, dirty PTE fills the write TLB as well (as QEMU's TLB does): the
  // store that often follows (a read-modify-write, a first store after reads) then needs no walk,
  // nor, in translated code, an exit. The load passed the same U/SUM checks a store makes; W
  // implies R. A clean page still walks on its first store, which sets D.
  if (access === ACCESS_LOAD && h.walkWritable) fillTlb(h, ACCESS_STORE, pageNumber(lo, hi), pa, priv);
  return pa;
}

/**
 * Load `size` bytes from a virtual address into h.scratch (zero-extended). Here and in storeSlow
 * `lo` may also be given as a signed int32 (the interpreter does): only its low 32 bits count. Misaligned accesses
 * work, also across pages (rvisor's choice; privileged spec 3.6.3.3 permits it). False after a
 * trap.
 */
export function loadSlow(h: Hart, lo: number, hi: number, size: number): boolean {
  if ((lo & 0xfff) + size > 4096) return loadCrossing(h, lo, hi, size);
  const pa = translateData(h, lo, hi, size, ACCESS_LOAD);
  if (pa < 0) return false;
  if (!readPhysical(h, pa, size)) {
    h.raiseException(CAUSE_LOAD_ACCESS, addressValue(lo, hi));
    return false;
  }
  return true;
}

/** Store the low `size` bytes of h.scratch at a virtual address. False after a trap. */
export function storeSlow(h: Hart, lo: number, hi: number, size: number): boolean {
  if ((lo & 0xfff) + size > 4096) return storeCrossing(h, lo, hi, size);
  const pa = translateData(h, lo, hi, size, ACCESS_STORE);
  if (pa < 0) return false;
  if (!writePhysical(h, pa, size)) {
    h.raiseException(CAUSE_STORE_ACCESS, addressValue(lo, hi));
    return false;
  }
  return true;
}

/** The halves of the first address of the next page. */
function nextPage(h: Hart, lo: number, hi: number): void {
  const next = (lo >>> 0) - (lo & 0xfff) + 4096;
  h.addressLo = next >>> 0;
  h.addressHi = (hi + (next >= TWO_POW_32 ? 1 : 0)) | 0;
}

/** A load whose bytes span two pages: translate both, then gather bytes. */
function loadCrossing(h: Hart, lo: number, hi: number, size: number): boolean {
  const firstBytes = 4096 - (lo & 0xfff);
  nextPage(h, lo, hi);
  const lo2 = h.addressLo;
  const hi2 = h.addressHi;
  const pa1 = translateData(h, lo, hi, firstBytes, ACCESS_LOAD);
  if (pa1 < 0) return false;
  const pa2 = translateData(h, lo2, hi2, size - firstBytes, ACCESS_LOAD);
  if (pa2 < 0) return false;
  const bytes = new Uint8Array(8);
  for (let i = 0; i < size; i++) {
    const first = i < firstBytes;
    if (!readPhysical(h, first ? pa1 + i : pa2 + (i - firstBytes), 1)) {
      h.raiseException(CAUSE_LOAD_ACCESS, first ? addressValue(lo, hi) : addressValue(lo2, hi2));
      return false;
    }
    bytes[i] = h.scratch32[0];
  }
  const dv = new DataView(bytes.buffer);
  h.scratch32[0] = dv.getInt32(0, true);
  h.scratch32[1] = dv.getInt32(4, true);
  return true;
}

function storeCrossing(h: Hart, lo: number, hi: number, size: number): boolean {
  const firstBytes = 4096 - (lo & 0xfff);
  nextPage(h, lo, hi);
  const lo2 = h.addressLo;
  const hi2 = h.addressHi;
  // Both halves are translated before any byte is written, so a fault leaves memory unchanged.
  const pa1 = translateData(h, lo, hi, firstBytes, ACCESS_STORE);
  if (pa1 < 0) return false;
  const pa2 = translateData(h, lo2, hi2, size - firstBytes, ACCESS_STORE);
  if (pa2 < 0) return false;
  const bytes = new Uint8Array(8);
  const dv = new DataView(bytes.buffer);
  dv.setInt32(0, h.scratch32[0], true);
  dv.setInt32(4, h.scratch32[1], true);
  for (let i = 0; i < size; i++) {
    const first = i < firstBytes;
    h.scratch32[0] = bytes[i];
    if (!writePhysical(h, first ? pa1 + i : pa2 + (i - firstBytes), 1)) {
      h.raiseException(CAUSE_STORE_ACCESS, first ? addressValue(lo, hi) : addressValue(lo2, hi2));
      return false;
    }
  }
  return true;
}

/** Read/write helpers for AMOs and LR/SC on an already translated physical address. */
export function readAt(h: Hart, pa: number, size: number): boolean {
  return readPhysical(h, pa, size);
}

export function writeAt(h: Hart, pa: number, size: number): boolean {
  return writePhysical(h, pa, size);
}
