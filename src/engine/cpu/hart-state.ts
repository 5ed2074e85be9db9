// Where a hart's hot state lives in memory. The registers, the software TLB and the JIT's exit
// record are views of one block of bytes so that translated WebAssembly code (src/engine/jit)
// reads and writes exactly what the interpreter does, at fixed offsets from the hart's base.

import { TLB_ENTRIES_TOTAL } from './tlb-size.js';

/** Byte offsets inside one hart's state block. */
export const HART_STATE = {
  /** x0..x31 and the sink register, 8 bytes each. */
  INT_REGS: 0,
  /** f0..f31, 8 bytes each. */
  FLOAT_REGS: 512,
  /** Exit record written by translated code: the next pc (f64) and the exit kind (i32). */
  EXIT_PC: 1024,
  EXIT_KIND: 1032,
  TLB_READ_TAG: 4096,
  TLB_WRITE_TAG: 4096 + TLB_ENTRIES_TOTAL * 8,
  TLB_EXEC_TAG: 4096 + TLB_ENTRIES_TOTAL * 16,
  TLB_READ_OFFSET: 4096 + TLB_ENTRIES_TOTAL * 24,
  TLB_WRITE_OFFSET: 4096 + TLB_ENTRIES_TOTAL * 28,
  TLB_EXEC_OFFSET: 4096 + TLB_ENTRIES_TOTAL * 32,
  /** Bytes per hart, a multiple of 4 KiB. */
  SIZE: 4096 + TLB_ENTRIES_TOTAL * 36 + 4096,
} as const;

/** A hart's state block: a buffer and the byte offset of the block inside it. */
export interface HartStateBlock {
  buffer: ArrayBuffer;
  offset: number;
}

/**
 * One WebAssembly.Memory holding every hart's state block followed by guest RAM: the interpreter,
 * the devices and the JIT's code all address the same bytes. The memory never grows, so views of
 * its buffer stay valid for the machine's life.
 */
export class MachineMemory {
  readonly memory: WebAssembly.Memory;
  readonly buffer: ArrayBuffer;
  /** Byte offset of guest RAM inside the memory. */
  readonly ramOffset: number;

  constructor(
    readonly harts: number,
    readonly ramBytes: number,
  ) {
    const stateBytes = harts * HART_STATE.SIZE;
    this.ramOffset = Math.ceil(stateBytes / 65536) * 65536;
    const pages = (this.ramOffset + ramBytes) / 65536;
    const whole = Math.ceil(pages);
    this.memory = new WebAssembly.Memory({ initial: whole, maximum: whole });
    this.buffer = this.memory.buffer;
  }

  hartState(id: number): HartStateBlock {
    return { buffer: this.buffer, offset: id * HART_STATE.SIZE };
  }
}
