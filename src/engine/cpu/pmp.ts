// Physical memory protection (privileged spec 3.7): 16 entries, 4-byte granularity (G=0),
// TOR/NA4/NAPOT address matching, lock bit. Address ranges are recomputed on every write so that a
// check is a short loop over active entries.

import { PRIV_M } from './csr-numbers.js';

export const PMP_ENTRIES = 16;
export const PMP_R = 1;
export const PMP_W = 2;
export const PMP_X = 4;
const PMP_A_SHIFT = 3;
const PMP_L = 0x80;
const A_OFF = 0;
const A_TOR = 1;
const A_NA4 = 2;
const A_NAPOT = 3;

/** pmpaddr holds bits 55:2 of an address: 54 bits (privileged spec figure 3.29, RV64). */
const PMPADDR_MASK = (1n << 54n) - 1n;

export interface PmpState {
  cfg: number[];
  addr: string[];
}

export class Pmp {
  readonly cfg = new Uint8Array(PMP_ENTRIES);
  readonly addr = new BigUint64Array(PMP_ENTRIES);
  /** Matching range of each entry: [lo, hi) in bytes; lo === hi when inactive. */
  private readonly lo = new Float64Array(PMP_ENTRIES);
  private readonly hi = new Float64Array(PMP_ENTRIES);
  /** Number of entries with A != OFF. */
  private activeCount = 0;

  /** Called after any change so cached translations are dropped. */
  onChange: () => void = () => {};

  private locked(i: number): boolean {
    return (this.cfg[i] & PMP_L) !== 0;
  }

  readCfg(regIndex: number): bigint {
    // RV64: only even pmpcfg registers exist, each holding 8 entries.
    let v = 0n;
    const first = regIndex * 4;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(this.cfg[first + i]);
    return v;
  }

  writeCfg(regIndex: number, value: bigint): void {
    const first = regIndex * 4;
    for (let i = 0; i < 8; i++) {
      const e = first + i;
      if (e >= PMP_ENTRIES || this.locked(e)) continue;
      let b = Number((value >> BigInt(8 * i)) & 0xffn);
      // R=0, W=1 is reserved (WARL): clear W. Bits 6:5 are reserved and read as zero.
      if ((b & (PMP_R | PMP_W)) === PMP_W) b &= ~PMP_W;
      b &= 0x9f;
      this.cfg[e] = b;
    }
    this.recompute();
  }

  readAddr(i: number): bigint {
    return this.addr[i];
  }

  writeAddr(i: number, value: bigint): void {
    if (this.locked(i)) return;
    // A locked TOR entry also protects the address register below it (spec 3.7.1.3).
    if (i + 1 < PMP_ENTRIES && this.locked(i + 1) && ((this.cfg[i + 1] >> PMP_A_SHIFT) & 3) === A_TOR) return;
    this.addr[i] = BigInt.asUintN(64, value) & PMPADDR_MASK;
    this.recompute();
  }

  private recompute(): void {
    this.activeCount = 0;
    for (let i = 0; i < PMP_ENTRIES; i++) {
      const a = (this.cfg[i] >> PMP_A_SHIFT) & 3;
      let lo = 0;
      let hi = 0;
      const addr = this.addr[i];
      if (a === A_TOR) {
        lo = i === 0 ? 0 : Number(this.addr[i - 1] << 2n);
        hi = Number(addr << 2n);
        if (hi < lo) hi = lo;
      } else if (a === A_NA4) {
        lo = Number(addr << 2n);
        hi = lo + 4;
      } else if (a === A_NAPOT) {
        // Trailing ones of pmpaddr encode the size: t ones -> 2^(t+3) bytes.
        let t = 0n;
        while (t < 54n && ((addr >> t) & 1n) === 1n) t++;
        const size = 1n << (t + 3n);
        const base = (addr & ~((1n << t) - 1n)) << 2n;
        lo = Number(base);
        hi = Number(base + size);
      }
      this.lo[i] = lo;
      this.hi[i] = hi;
      if (a !== A_OFF) this.activeCount++;
    }
    this.onChange();
  }

  /**
   * May an access of `size` bytes at physical `address` with permission `perm` (PMP_R/W/X) by
   * privilege `priv` proceed? Spec 3.7.1: the lowest-numbered entry matching any byte decides, and
   * it must cover all bytes.
   */
  check(address: number, size: number, perm: number, priv: number): boolean {
    if (this.activeCount === 0) {
      // No entry is active. The spec denies S/U accesses whenever PMP is implemented, but QEMU
      // allows them until the first entry is programmed; rvisor follows QEMU so bare-metal programs
      // written for `qemu -M virt -bios none` run unchanged.
      return true;
    }
    const end = address + size;
    for (let i = 0; i < PMP_ENTRIES; i++) {
      const lo = this.lo[i];
      const hi = this.hi[i];
      if (lo === hi || end <= lo || address >= hi) continue;
      if (address < lo || end > hi) return false; // a partial match fails, even for M-mode
      const cfg = this.cfg[i];
      if (priv === PRIV_M && (cfg & PMP_L) === 0) return true;
      return (cfg & perm) !== 0;
    }
    return priv === PRIV_M;
  }

  /**
   * True when every byte of the 4 KiB page at `pageAddress` gets the same PMP decision, so a
   * translation for the page may be cached.
   */
  pageIsUniform(pageAddress: number): boolean {
    if (this.activeCount === 0) return true;
    const end = pageAddress + 4096;
    for (let i = 0; i < PMP_ENTRIES; i++) {
      const lo = this.lo[i];
      const hi = this.hi[i];
      if (lo === hi || end <= lo || pageAddress >= hi) continue;
      return pageAddress >= lo && end <= hi;
    }
    return true;
  }

  save(): PmpState {
    return { cfg: Array.from(this.cfg), addr: Array.from(this.addr, (a) => a.toString()) };
  }

  restore(state: PmpState): void {
    this.cfg.set(state.cfg);
    state.addr.forEach((a, i) => (this.addr[i] = BigInt(a)));
    this.recompute();
  }
}
