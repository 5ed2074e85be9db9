// CLINT, laid out as the ACLINT spec's MSWI + MTIMER pair at SiFive CLINT offsets (as QEMU's
// `virt` places them): msip[h] at 0x0000 + 4h, mtimecmp[h] at 0x4000 + 8h, mtime at 0xbff8.
// mtime runs from the machine clock (timebase ticks) plus an offset that guest writes adjust.

import type { AccessSize, MmioDevice } from '../bus.js';
import { MIP_MSIP, MIP_MTIP, type InterruptSink } from './interrupt-sink.js';

export const CLINT_MSIP_OFFSET = 0x0000;
export const CLINT_MTIMECMP_OFFSET = 0x4000;
export const CLINT_MTIME_OFFSET = 0xbff8;
/** ACLINT spec 2.1 / 3.1: at most 4095 harts per MSWI/MTIMER device. */
const MAX_HARTS = 4095;
const U64_MASK = 0xffff_ffff_ffff_ffffn;

export interface ClintState {
  msip: number[];
  /** mtimecmp per hart, decimal strings (64-bit values do not fit JSON numbers). */
  mtimecmp: string[];
  /** mtime at the moment of saving; restore() resumes counting from it. */
  mtime: string;
}

export class Clint implements MmioDevice {
  readonly name = 'clint';
  private readonly msip: Uint8Array;
  private readonly mtimecmp: bigint[];
  /** mtimecmp as a float, for the comparisons made every time slice without BigInt arithmetic. */
  private readonly deadline: Float64Array;
  private readonly mtip: Uint8Array;
  /** mtime - clock(), exactly and as a float for the fast path. */
  private offset = 0n;
  private offsetNumber = 0;

  /**
   * @param onIpi called when an msip bit is set (an inter-processor interrupt is sent)
   */
  constructor(
    private readonly harts: InterruptSink[],
    private readonly clock: () => number,
    private readonly onIpi: () => void = () => undefined,
  ) {
    if (harts.length < 1 || harts.length > MAX_HARTS)
      throw new RangeError(`CLINT supports 1..${MAX_HARTS} harts`);
    this.msip = new Uint8Array(harts.length);
    // mtimecmp resets to all-ones so that no timer interrupt is pending before software arms it.
    this.mtimecmp = harts.map(() => U64_MASK);
    this.deadline = new Float64Array(harts.length).fill(Number(U64_MASK));
    this.mtip = new Uint8Array(harts.length);
  }

  /** Current mtime as an exact 64-bit value. */
  mtime(): bigint {
    return (BigInt(this.clock()) + this.offset) & U64_MASK;
  }

  /** Current mtime as a number: exact below 2^53 ticks (over 28 years at 10 MHz). */
  mtimeNumber(): number {
    return this.clock() + this.offsetNumber;
  }

  /**
   * Re-evaluate MTIP for every hart (ACLINT spec 3.2: pending while mtime >= mtimecmp).
   * The machine calls this after time advances.
   */
  update(): void {
    const now = this.mtimeNumber();
    for (let hart = 0; hart < this.harts.length; hart++) {
      this.setMtip(hart, now >= this.deadline[hart]);
    }
  }

  /**
   * The earliest mtimecmp over all harts, expressed in clock() ticks (the mtime offset removed),
   * so an idle machine can sleep until then. Infinity when no hart has a timer armed (all-ones).
   */
  nextDeadline(): number {
    let earliest = Infinity;
    for (let hart = 0; hart < this.harts.length; hart++) {
      if (this.mtimecmp[hart] !== U64_MASK) earliest = Math.min(earliest, this.deadline[hart]);
    }
    return earliest - this.offsetNumber;
  }

  read(offset: number, size: AccessSize): number {
    const register = this.register(offset, size);
    if (register === undefined) return 0;
    const shift = BigInt((offset - register.base) * 8);
    const mask = (1n << BigInt(size * 8)) - 1n;
    return Number((register.get() >> shift) & mask);
  }

  write(offset: number, value: number, size: AccessSize): void {
    this.writeBits(offset, BigInt(value >>> 0), size);
  }

  read64(offset: number): bigint {
    const register = this.register(offset, 8);
    return register === undefined || register.base !== offset ? 0n : register.get();
  }

  write64(offset: number, value: bigint): void {
    this.writeBits(offset, value & U64_MASK, 8);
  }

  save(): ClintState {
    return {
      msip: Array.from(this.msip),
      mtimecmp: this.mtimecmp.map((v) => v.toString()),
      mtime: this.mtime().toString(),
    };
  }

  restore(state: ClintState): void {
    if (state.msip.length !== this.harts.length || state.mtimecmp.length !== this.harts.length) {
      throw new RangeError(
        `CLINT state is for ${state.msip.length} harts, this machine has ${this.harts.length}`,
      );
    }
    this.offset = BigInt(state.mtime) - BigInt(this.clock());
    this.offsetNumber = Number(this.offset);
    const now = this.mtimeNumber();
    for (let hart = 0; hart < this.harts.length; hart++) {
      this.mtimecmp[hart] = BigInt(state.mtimecmp[hart]) & U64_MASK;
      this.deadline[hart] = Number(this.mtimecmp[hart]);
      this.msip[hart] = state.msip[hart] & 1;
      this.mtip[hart] = now >= this.deadline[hart] ? 1 : 0;
      // Push every level, changed or not: the harts' mip bits must match the restored state.
      this.harts[hart].setInterruptPending(MIP_MSIP, this.msip[hart] === 1);
      this.harts[hart].setInterruptPending(MIP_MTIP, this.mtip[hart] === 1);
    }
  }

  /**
   * The register that contains [offset, offset+size), or undefined. Accesses may be narrower
   * than a register (ACLINT spec allows 32-bit halves of the 64-bit ones) but not straddle two.
   */
  private register(
    offset: number,
    size: number,
  ): { base: number; get(): bigint; set(v: bigint): void } | undefined {
    const harts = this.harts.length;
    if (offset >= CLINT_MSIP_OFFSET && offset + size <= CLINT_MSIP_OFFSET + 4 * harts) {
      const hart = (offset - CLINT_MSIP_OFFSET) >>> 2;
      const base = CLINT_MSIP_OFFSET + 4 * hart;
      if (offset + size > base + 4) return undefined;
      return { base, get: () => BigInt(this.msip[hart]), set: (v) => this.setMsip(hart, v) };
    }
    if (offset >= CLINT_MTIMECMP_OFFSET && offset + size <= CLINT_MTIMECMP_OFFSET + 8 * harts) {
      const hart = (offset - CLINT_MTIMECMP_OFFSET) >>> 3;
      const base = CLINT_MTIMECMP_OFFSET + 8 * hart;
      if (offset + size > base + 8) return undefined;
      return { base, get: () => this.mtimecmp[hart], set: (v) => this.setMtimecmp(hart, v) };
    }
    if (offset >= CLINT_MTIME_OFFSET && offset + size <= CLINT_MTIME_OFFSET + 8) {
      return { base: CLINT_MTIME_OFFSET, get: () => this.mtime(), set: (v) => this.setMtime(v) };
    }
    return undefined;
  }

  /** Write `size` bytes at `offset`, merging into the rest of the register (read-modify-write). */
  private writeBits(offset: number, value: bigint, size: number): void {
    const register = this.register(offset, size);
    if (register === undefined) return;
    const shift = BigInt((offset - register.base) * 8);
    const mask = ((1n << BigInt(size * 8)) - 1n) << shift;
    register.set((register.get() & ~mask) | ((value << shift) & mask));
  }

  private setMsip(hart: number, value: bigint): void {
    // ACLINT spec 2.2: only bit 0 is writable; the rest reads as zero.
    const level = Number(value & 1n);
    if (this.msip[hart] === level) return;
    this.msip[hart] = level;
    this.harts[hart].setInterruptPending(MIP_MSIP, level === 1);
    if (level === 1) this.onIpi();
  }

  private setMtimecmp(hart: number, value: bigint): void {
    this.mtimecmp[hart] = value;
    this.deadline[hart] = Number(value);
    // A write that moves mtimecmp past mtime must clear MTIP at once: software relies on it.
    this.setMtip(hart, this.mtimeNumber() >= this.deadline[hart]);
  }

  private setMtime(value: bigint): void {
    const clock = this.clock();
    this.offset = value - BigInt(clock);
    this.offsetNumber = Number(this.offset);
    this.update();
  }

  private setMtip(hart: number, level: boolean): void {
    const bit = level ? 1 : 0;
    if (this.mtip[hart] === bit) return;
    this.mtip[hart] = bit;
    this.harts[hart].setInterruptPending(MIP_MTIP, level);
  }
}
