// Address translation (privileged spec 10.3-10.6: Sv39, Sv48, Sv57), PMP enforcement and the slow
// paths of memory access: TLB misses, MMIO, misaligned and page-crossing accesses.
//
// Virtual addresses are numbers holding the signed 64-bit value; they are exact within ±2^53,
// which covers every canonical Sv39/Sv48 address and all of Sv57 except its outermost 2^53..2^56
// ranges. Addresses beyond ±2^53 raise a page fault (or an access fault when untranslated).

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

const SAFE = 2 ** 53;
/** Physical addresses are 56 bits wide. */
const PHYSICAL_LIMIT = 2 ** 56;

/** Page base of an address held in a number (works for negative values). */
export function pageBase(va: number): number {
  return va - (va & 0xfff);
}

/**
 * Translate `va` for an access of `size` bytes by privilege `priv`. Returns the physical address,
 * or -1 after raising the page or access fault. PMP is checked on the page-table walk; the caller
 * checks PMP for the final access.
 */
export function translate(h: Hart, va: number, access: number, priv: number): number {
  if (va >= SAFE || va < -SAFE) {
    h.raiseException(priv === PRIV_M || h.satpMode === 0 ? ACCESS_FAULT[access] : PAGE_FAULT[access], va);
    return -1;
  }
  if (priv === PRIV_M || h.satpMode === 0) {
    if (va < 0 || va >= PHYSICAL_LIMIT) {
      h.raiseException(ACCESS_FAULT[access], va);
      return -1;
    }
    return va;
  }
  const levels = h.satpMode - 5; // Sv39 = 8 -> 3 levels, Sv48 -> 4, Sv57 -> 5
  const vaBits = 12 + 9 * levels;
  const half = 2 ** (vaBits - 1);
  // The address must be sign-extended from bit vaBits-1 (privileged spec 10.3.1).
  if (va >= half || va < -half) {
    h.raiseException(PAGE_FAULT[access], va);
    return -1;
  }
  const ram = h.ram;
  let table = h.satpRoot;
  for (let level = levels - 1; level >= 0; level--) {
    const shift = 2 ** (12 + 9 * level);
    const vpn = Math.floor(va / shift) & 511;
    const pteAddress = table + vpn * 8;
    // Implicit page-table accesses are checked by PMP as S-mode reads (privileged spec 3.7.1).
    if (!ram.contains(pteAddress, 8) || !h.pmp.check(pteAddress, 8, PMP_R, PRIV_S)) {
      h.raiseException(ACCESS_FAULT[access], va);
      return -1;
    }
    const index = (pteAddress - ram.base) >> 2;
    const lo = ram.i32[index];
    const hi = ram.i32[index + 1];
    // Reserved bits 63:54 (N and PBMT are not implemented) must be zero.
    if ((lo & PTE_V) === 0 || (lo & (PTE_R | PTE_W)) === PTE_W || hi >>> 22 !== 0) break;
    const ppn = (hi & 0x3fffff) * 4194304 + (lo >>> 10);
    if ((lo & (PTE_R | PTE_X)) === 0) {
      table = ppn * 4096;
      continue;
    }
    // Leaf: permission checks (10.3.2 step 5).
    if (priv === PRIV_U) {
      if ((lo & PTE_U) === 0) break;
    } else if ((lo & PTE_U) !== 0) {
      // S-mode never executes user pages and reads/writes them only with SUM (10.1.1).
      if (access === ACCESS_FETCH || (h.mstatus & MSTATUS_SUM) === 0) break;
    }
    if (access === ACCESS_FETCH) {
      if ((lo & PTE_X) === 0) break;
    } else if (access === ACCESS_LOAD) {
      if ((lo & PTE_R) === 0 && !((h.mstatus & MSTATUS_MXR) !== 0 && (lo & PTE_X) !== 0)) break;
    } else if ((lo & PTE_W) === 0) break;
    // A superpage's low PPN fields must be zero (step 6).
    const levelPages = 2 ** (9 * level);
    if (ppn % levelPages !== 0) break;
    // Hardware A/D update (step 7), as QEMU does.
    const want = access === ACCESS_STORE ? PTE_A | PTE_D : PTE_A;
    if ((lo & want) !== want) {
      if (!h.pmp.check(pteAddress, 8, PMP_W, PRIV_S)) {
        h.raiseException(ACCESS_FAULT[access], va);
        return -1;
      }
      ram.i32[index] = lo | want;
    }
    const offset = va - Math.floor(va / shift) * shift;
    return ppn * 4096 + offset;
  }
  h.raiseException(PAGE_FAULT[access], va);
  return -1;
}

/** Cache a translation of the page of `va` to RAM page `pa` when PMP treats the page uniformly. */
function fillTlb(h: Hart, access: number, va: number, pa: number, priv: number): void {
  const ram = h.ram;
  const page = pa - (pa & 0xfff);
  if (!ram.contains(page, 4096) || !h.pmp.pageIsUniform(page)) return;
  if (!h.pmp.check(page, 4096, PMP_PERMISSION[access], priv)) return;
  const tag = pageBase(va);
  const offset = page - ram.base;
  if (access === ACCESS_FETCH) {
    const i = h.fetchSet + ((va >>> 12) & (TLB_ENTRIES - 1));
    h.tlbExecTag[i] = tag;
    h.tlbExecOffset[i] = offset;
  } else {
    const i = h.dataSet + ((va >>> 12) & (TLB_ENTRIES - 1));
    if (access === ACCESS_LOAD) {
      h.tlbReadTag[i] = tag;
      h.tlbReadOffset[i] = offset;
    } else {
      h.tlbWriteTag[i] = tag;
      h.tlbWriteOffset[i] = offset;
    }
  }
}

/**
 * Translate the page holding `pc` for instruction fetch. Returns the RAM offset of `pc` and
 * remembers the page for the interpreter's fetch fast path, or -1 after raising a fault.
 */
export function translateFetch(h: Hart, pc: number): number {
  const i = h.fetchSet + ((pc >>> 12) & (TLB_ENTRIES - 1));
  const tag = pageBase(pc);
  if (h.tlbExecTag[i] === tag) {
    h.fetchPage = tag;
    h.fetchOffset = h.tlbExecOffset[i];
    return h.fetchOffset + (pc & 0xfff);
  }
  const priv = h.priv;
  const pa = translate(h, pc, ACCESS_FETCH, priv);
  if (pa < 0) return -1;
  if (!h.ram.contains(pa, 2) || !h.pmp.check(pa, 2, PMP_X, priv)) {
    h.raiseException(CAUSE_FETCH_ACCESS, pc);
    return -1;
  }
  fillTlb(h, ACCESS_FETCH, pc, pa, priv);
  if (h.tlbExecTag[i] === tag) {
    h.fetchPage = tag;
    h.fetchOffset = h.tlbExecOffset[i];
  } else {
    h.fetchPage = NaN; // not cacheable (PMP splits the page): translate every time
  }
  return pa - h.ram.base;
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
        return true;
      case 2:
        v.setUint16(o, s[0] & 0xffff, true);
        return true;
      case 4:
        v.setInt32(o, s[0], true);
        return true;
      default:
        v.setInt32(o, s[0], true);
        v.setInt32(o + 4, s[1], true);
        return true;
    }
  }
  if ((pa & (size - 1)) !== 0) return false;
  if (size === 8) return h.bus.write64(pa, h.scratch[0]);
  return h.bus.write(pa, size === 4 ? s[0] >>> 0 : s[0] & (size === 2 ? 0xffff : 0xff), size as 1 | 2 | 4);
}

/**
 * Translate a data access and check PMP and the physical target. Returns the physical address or
 * -1 after raising the fault.
 */
export function translateData(h: Hart, va: number, size: number, access: number): number {
  const priv = h.dataPrivilege;
  const pa = translate(h, va, access, priv);
  if (pa < 0) return -1;
  const perm = PMP_PERMISSION[access];
  if (!h.pmp.check(pa, size, perm, priv) || !(h.ram.contains(pa, size) || h.bus.claims(pa, size))) {
    h.raiseException(ACCESS_FAULT[access], va);
    return -1;
  }
  fillTlb(h, access, va, pa, priv);
  return pa;
}

/**
 * Load `size` bytes from virtual `va` into h.scratch (zero-extended). Misaligned accesses work,
 * also across pages (rvisor's choice; privileged spec 3.6.3.3 permits it). False after a trap.
 */
export function loadSlow(h: Hart, va: number, size: number): boolean {
  if ((va & 0xfff) + size > 4096) return loadCrossing(h, va, size);
  const pa = translateData(h, va, size, ACCESS_LOAD);
  if (pa < 0) return false;
  if (!readPhysical(h, pa, size)) {
    h.raiseException(CAUSE_LOAD_ACCESS, va);
    return false;
  }
  return true;
}

/** Store the low `size` bytes of h.scratch at virtual `va`. False after a trap. */
export function storeSlow(h: Hart, va: number, size: number): boolean {
  if ((va & 0xfff) + size > 4096) return storeCrossing(h, va, size);
  const pa = translateData(h, va, size, ACCESS_STORE);
  if (pa < 0) return false;
  if (!writePhysical(h, pa, size)) {
    h.raiseException(CAUSE_STORE_ACCESS, va);
    return false;
  }
  return true;
}

/** A load whose bytes span two pages: translate both, then gather bytes. */
function loadCrossing(h: Hart, va: number, size: number): boolean {
  const firstBytes = 4096 - (va & 0xfff);
  const second = va + firstBytes;
  const pa1 = translateData(h, va, firstBytes, ACCESS_LOAD);
  if (pa1 < 0) return false;
  const pa2 = translateData(h, second, size - firstBytes, ACCESS_LOAD);
  if (pa2 < 0) return false;
  const bytes = new Uint8Array(8);
  for (let i = 0; i < size; i++) {
    const pa = i < firstBytes ? pa1 + i : pa2 + (i - firstBytes);
    if (!readPhysical(h, pa, 1)) {
      h.raiseException(CAUSE_LOAD_ACCESS, i < firstBytes ? va : second);
      return false;
    }
    bytes[i] = h.scratch32[0];
  }
  const s = h.scratch32;
  const dv = new DataView(bytes.buffer);
  s[0] = dv.getInt32(0, true);
  s[1] = dv.getInt32(4, true);
  return true;
}

function storeCrossing(h: Hart, va: number, size: number): boolean {
  const firstBytes = 4096 - (va & 0xfff);
  const second = va + firstBytes;
  // Both halves are translated before any byte is written, so a fault leaves memory unchanged.
  const pa1 = translateData(h, va, firstBytes, ACCESS_STORE);
  if (pa1 < 0) return false;
  const pa2 = translateData(h, second, size - firstBytes, ACCESS_STORE);
  if (pa2 < 0) return false;
  const bytes = new Uint8Array(8);
  const dv = new DataView(bytes.buffer);
  dv.setInt32(0, h.scratch32[0], true);
  dv.setInt32(4, h.scratch32[1], true);
  for (let i = 0; i < size; i++) {
    const pa = i < firstBytes ? pa1 + i : pa2 + (i - firstBytes);
    h.scratch32[0] = bytes[i];
    if (!writePhysical(h, pa, 1)) {
      h.raiseException(CAUSE_STORE_ACCESS, i < firstBytes ? va : second);
      return false;
    }
  }
  return true;
}

/** Translate for an atomic (read-modify-write) access; aligned by the caller. -1 after a trap. */
export function translateAtomic(h: Hart, va: number, size: number): number {
  return translateData(h, va, size, ACCESS_STORE);
}

/** Read/write helpers for AMOs and LR/SC on an already translated physical address. */
export function readAt(h: Hart, pa: number, size: number): boolean {
  return readPhysical(h, pa, size);
}

export function writeAt(h: Hart, pa: number, size: number): boolean {
  return writePhysical(h, pa, size);
}
