// Platform-Level Interrupt Controller, per the RISC-V PLIC specification (riscv-plic-spec) with
// the register layout of QEMU's `virt` (hw/intc/sifive_plic.c): two contexts per hart, context 2h
// drives the hart's MEIP and context 2h+1 its SEIP.
//
// Every source is level-triggered: its gateway forwards a request while the line is high and the
// source is not claimed; after completion a line still high is forwarded again (PLIC spec,
// "Interrupt Gateways"). Pending therefore equals `level && !claimed`, kept as bit words.

import type { AccessSize, IrqLine, MmioDevice } from '../bus.js';
import { MIP_MEIP, MIP_SEIP, type InterruptSink } from './interrupt-sink.js';

export const PLIC_PRIORITY_OFFSET = 0x0;
export const PLIC_PENDING_OFFSET = 0x1000;
export const PLIC_ENABLE_OFFSET = 0x2000;
export const PLIC_ENABLE_STRIDE = 0x80;
export const PLIC_CONTEXT_OFFSET = 0x20_0000;
export const PLIC_CONTEXT_STRIDE = 0x1000;
/** Priority registers are WARL; like QEMU's virt we implement 3 bits (priorities 0..7). */
export const PLIC_PRIORITY_MASK = 7;
/** The spec's limit: sources 1..1023. */
const MAX_SOURCES = 1024;

export interface PlicState {
  priority: number[];
  /** Line levels, one bit per source, 32 per word. */
  level: number[];
  claimed: number[];
  /** Enable words per context. */
  enable: number[][];
  threshold: number[];
}

export class Plic implements MmioDevice {
  readonly name = 'plic';
  private readonly words: number;
  private readonly contexts: number;
  private readonly priority: Uint32Array;
  private readonly level: Uint32Array;
  private readonly claimed: Uint32Array;
  /** enable[ctx * words + w]. */
  private readonly enable: Uint32Array;
  private readonly threshold: Uint32Array;
  /** Last level driven onto each context's mip bit. */
  private readonly output: Uint8Array;

  /** `sources` counts source 0, which is reserved and never interrupts. */
  constructor(
    private readonly harts: InterruptSink[],
    private readonly sources = 96,
  ) {
    if (!Number.isInteger(sources) || sources < 2 || sources > MAX_SOURCES) {
      throw new RangeError(`PLIC sources must be 2..${MAX_SOURCES}, got ${sources}`);
    }
    this.words = Math.ceil(sources / 32);
    this.contexts = harts.length * 2;
    this.priority = new Uint32Array(sources);
    this.level = new Uint32Array(this.words);
    this.claimed = new Uint32Array(this.words);
    this.enable = new Uint32Array(this.contexts * this.words);
    this.threshold = new Uint32Array(this.contexts);
    this.output = new Uint8Array(this.contexts);
  }

  /** The interrupt line of `source` (1..sources-1) for a device to drive. */
  irqLine(source: number): IrqLine {
    if (!Number.isInteger(source) || source < 1 || source >= this.sources) {
      throw new RangeError(`PLIC has no interrupt source ${source}`);
    }
    return { set: (level: boolean) => this.setLevel(source, level) };
  }

  /** True when the source's request is pending (for tests and debugging). */
  isPending(source: number): boolean {
    return this.bit(this.pendingWord(source >>> 5), source);
  }

  read(offset: number, size: AccessSize): number {
    // All PLIC registers are 32-bit (PLIC spec: "memory-mapped 32-bit registers").
    if (size !== 4 || (offset & 3) !== 0) return 0;
    if (offset < PLIC_PENDING_OFFSET) {
      const source = offset >>> 2;
      return source < this.sources ? this.priority[source] : 0;
    }
    if (offset < PLIC_ENABLE_OFFSET) {
      const word = (offset - PLIC_PENDING_OFFSET) >>> 2;
      return word < this.words ? this.pendingWord(word) >>> 0 : 0;
    }
    if (offset < PLIC_CONTEXT_OFFSET) {
      const context = Math.floor((offset - PLIC_ENABLE_OFFSET) / PLIC_ENABLE_STRIDE);
      const word = ((offset - PLIC_ENABLE_OFFSET) % PLIC_ENABLE_STRIDE) >>> 2;
      if (context >= this.contexts || word >= this.words) return 0;
      return this.enable[context * this.words + word];
    }
    const context = Math.floor((offset - PLIC_CONTEXT_OFFSET) / PLIC_CONTEXT_STRIDE);
    if (context >= this.contexts) return 0;
    switch ((offset - PLIC_CONTEXT_OFFSET) % PLIC_CONTEXT_STRIDE) {
      case 0:
        return this.threshold[context];
      case 4:
        return this.claim(context);
      default:
        return 0;
    }
  }

  write(offset: number, value: number, size: AccessSize): void {
    if (size !== 4 || (offset & 3) !== 0) return;
    value >>>= 0;
    if (offset < PLIC_PENDING_OFFSET) {
      const source = offset >>> 2;
      // Source 0 does not exist: its priority is hardwired to zero.
      if (source === 0 || source >= this.sources) return;
      this.priority[source] = value & PLIC_PRIORITY_MASK;
      this.updateOutputs();
      return;
    }
    if (offset < PLIC_ENABLE_OFFSET) return; // pending bits are read-only
    if (offset < PLIC_CONTEXT_OFFSET) {
      const context = Math.floor((offset - PLIC_ENABLE_OFFSET) / PLIC_ENABLE_STRIDE);
      const word = ((offset - PLIC_ENABLE_OFFSET) % PLIC_ENABLE_STRIDE) >>> 2;
      if (context >= this.contexts || word >= this.words) return;
      this.enable[context * this.words + word] = value & this.validMask(word);
      this.updateOutput(context);
      return;
    }
    const context = Math.floor((offset - PLIC_CONTEXT_OFFSET) / PLIC_CONTEXT_STRIDE);
    if (context >= this.contexts) return;
    switch ((offset - PLIC_CONTEXT_OFFSET) % PLIC_CONTEXT_STRIDE) {
      case 0:
        this.threshold[context] = value & PLIC_PRIORITY_MASK;
        this.updateOutput(context);
        break;
      case 4:
        this.complete(context, value);
        break;
    }
  }

  save(): PlicState {
    const enable: number[][] = [];
    for (let context = 0; context < this.contexts; context++) {
      enable.push(Array.from(this.enable.subarray(context * this.words, (context + 1) * this.words)));
    }
    return {
      priority: Array.from(this.priority),
      level: Array.from(this.level),
      claimed: Array.from(this.claimed),
      enable,
      threshold: Array.from(this.threshold),
    };
  }

  restore(state: PlicState): void {
    if (state.priority.length !== this.sources || state.enable.length !== this.contexts) {
      throw new RangeError(
        `PLIC state has ${state.priority.length} sources and ${state.enable.length} contexts, ` +
          `this PLIC has ${this.sources} and ${this.contexts}`,
      );
    }
    this.priority.set(state.priority);
    this.level.set(state.level);
    this.claimed.set(state.claimed);
    state.enable.forEach((words, context) => this.enable.set(words, context * this.words));
    this.threshold.set(state.threshold);
    for (let context = 0; context < this.contexts; context++) {
      this.output[context] = this.computeOutput(context) ? 1 : 0;
      this.harts[context >>> 1].setInterruptPending(this.mipBit(context), this.output[context] === 1);
    }
  }

  /** Bits of word `word` that name real sources (source 0 and those past the end are not). */
  private validMask(word: number): number {
    let mask = 0xffff_ffff;
    if (word === 0) mask &= ~1;
    const past = this.sources - word * 32;
    if (past < 32) mask &= (1 << past) - 1;
    return mask >>> 0;
  }

  private bit(word: number, source: number): boolean {
    return ((word >>> (source & 31)) & 1) === 1;
  }

  private pendingWord(word: number): number {
    return this.level[word] & ~this.claimed[word];
  }

  private setLevel(source: number, level: boolean): void {
    const word = source >>> 5;
    const mask = 1 << (source & 31);
    const old = this.level[word];
    this.level[word] = level ? old | mask : old & ~mask;
    if (this.level[word] !== old) this.updateOutputs();
  }

  /**
   * The highest-priority pending, enabled source above the context's threshold; on ties the
   * lowest id wins (PLIC spec, "Interrupt Priorities"). 0 when there is none.
   */
  private best(context: number): number {
    let bestSource = 0;
    let bestPriority = this.threshold[context];
    const base = context * this.words;
    for (let word = 0; word < this.words; word++) {
      let candidates = this.pendingWord(word) & this.enable[base + word];
      while (candidates !== 0) {
        const low = candidates & -candidates;
        const source = word * 32 + (31 - Math.clz32(low));
        candidates ^= low;
        if (this.priority[source] > bestPriority) {
          bestPriority = this.priority[source];
          bestSource = source;
        }
      }
    }
    return bestSource;
  }

  private computeOutput(context: number): boolean {
    return this.best(context) !== 0;
  }

  /** PLIC spec "Interrupt Claim Process": claiming clears pending until completion. */
  private claim(context: number): number {
    const source = this.best(context);
    if (source !== 0) {
      this.claimed[source >>> 5] |= 1 << (source & 31);
      // Another context may have been offered the same source; it no longer is.
      this.updateOutputs();
    }
    return source;
  }

  /**
   * PLIC spec "Interrupt Completion": a completion naming a source not enabled for this context
   * is silently ignored.
   */
  private complete(context: number, source: number): void {
    if (source === 0 || source >= this.sources) return;
    const word = source >>> 5;
    const mask = 1 << (source & 31);
    if ((this.enable[context * this.words + word] & mask) === 0) return;
    if ((this.claimed[word] & mask) === 0) return;
    this.claimed[word] &= ~mask;
    // The gateway forwards a new request at once if the line is still high.
    if ((this.level[word] & mask) !== 0) this.updateOutputs();
  }

  private mipBit(context: number): number {
    return (context & 1) === 0 ? MIP_MEIP : MIP_SEIP;
  }

  private updateOutput(context: number): void {
    const level = this.computeOutput(context) ? 1 : 0;
    if (this.output[context] === level) return;
    this.output[context] = level;
    this.harts[context >>> 1].setInterruptPending(this.mipBit(context), level === 1);
  }

  private updateOutputs(): void {
    for (let context = 0; context < this.contexts; context++) this.updateOutput(context);
  }
}
