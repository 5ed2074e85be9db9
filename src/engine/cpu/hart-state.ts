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
  /**
   * Exit record written by translated code: the next pc (i64, in two's complement: read and
   * written from JavaScript with readExitPc/writeExitPc) and the exit kind (i32). An i64 rather
   * than the f64 JavaScript keeps pcs in: the dispatcher chains page functions on it, and a
   * checked f64-to-i64 conversion was a third of its time.
   */
  EXIT_PC: 1024,
  EXIT_KIND: 1032,
  /** LR/SC reservation: valid flag (i32), the virtual address (i64), the value LR read (i64). */
  RES_VALID: 1036,
  RES_ADDRESS: 1040,
  RES_VALUE: 1048,
  /** 1 while mstatus.FS is Dirty (translated FP loads and stores run only then), else 0. */
  FS_DIRTY: 1056,
  /** 1 when CBO.ZERO is allowed at the current privilege (menvcfg/senvcfg.CBZE), else 0. */
  CBO_ZERO_OK: 1060,
  /** The float unit's fflags and frm (two i32). */
  FP_CONTROL: 1064,
  /** mstatus, low 32 bits (i32): translated code clears sstatus.SIE itself. */
  MSTATUS: 1072,
  /**
   * 1 while an interrupt delegated to S is pending and enabled (mip & mie & mideleg), else 0:
   * setting sstatus.SIE then makes it deliverable and the slice must end (Hart.mstatusChanged);
   * otherwise translated code sets SIE inline.
   */
  S_INTERRUPTS: 1076,
  /**
   * The fetch TLB set of the current privilege (i32; Hart.fetchSet) and where guest RAM starts in
   * the WebAssembly memory (i32): translated code looks up the next page of an instruction that
   * straddles its page's end (translate.ts emitStraddleGuard).
   */
  FETCH_SET: 1080,
  RAM_OFFSET: 1084,
  TLB_READ_TAG: 4096,
  TLB_WRITE_TAG: 4096 + TLB_ENTRIES_TOTAL * 8,
  TLB_EXEC_TAG: 4096 + TLB_ENTRIES_TOTAL * 16,
  TLB_READ_OFFSET: 4096 + TLB_ENTRIES_TOTAL * 24,
  TLB_WRITE_OFFSET: 4096 + TLB_ENTRIES_TOTAL * 28,
  TLB_EXEC_OFFSET: 4096 + TLB_ENTRIES_TOTAL * 32,
  /**
   * The read and write TLBs again, for translated code: 16 bytes per entry, the page's virtual
   * address as an i64 (-1, never a page address, when empty) and an i32 addend such that
   * (low 32 bits of a virtual address in the page) + addend = the byte's offset in the
   * WebAssembly memory. So wasm compares integers and needs one add to address RAM.
   */
  TLB_READ_JIT: 4096 + TLB_ENTRIES_TOTAL * 36,
  TLB_WRITE_JIT: 4096 + TLB_ENTRIES_TOTAL * 52,
  /** Bytes per hart, a multiple of 4 KiB. */
  SIZE: 4096 + TLB_ENTRIES_TOTAL * 68 + 4096,
} as const;

/** The exit record's pc (HART_STATE.EXIT_PC, an i64) from its two words (low, high). */
export function readExitPc(words: Int32Array): number {
  return words[1] * 4294967296 + (words[0] >>> 0);
}

/** Write pc (an integer-valued double, a 64-bit address as the hart keeps it) to the exit record. */
export function writeExitPc(words: Int32Array, pc: number): void {
  const high = Math.floor(pc / 4294967296);
  words[1] = high;
  words[0] = pc - high * 4294967296;
}

/** A hart's state block: a buffer and the byte offset of the block inside it. */
export interface HartStateBlock {
  buffer: ArrayBufferLike;
  offset: number;
}

/**
 * Whether the machine's memory is shared (a SharedArrayBuffer underneath): then other threads may
 * be handed it (host/ram-prefault.ts). Everywhere but in a browser page that is not
 * cross-origin isolated, where shared memory is unavailable. Translated code declares its memory
 * import to match (jit/wasm-writer.ts), so every memory page functions link to comes from
 * newWasmMemory.
 */
export const SHARED_MEMORY =
  typeof SharedArrayBuffer === 'function' &&
  (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;

/** The largest memory (in 64 KiB pages) a page function's import accepts: 4 GiB. */
export const MAX_WASM_PAGES = 65536;

/** A memory of `pages` 64 KiB pages that never grows, shared when SHARED_MEMORY. */
export function newWasmMemory(pages: number): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: SHARED_MEMORY });
}

/**
 * One WebAssembly.Memory holding every hart's state block, the JIT's code index (one i32 per RAM
 * page: the function-table slot of the page's translation, 0 for none) and then guest RAM: the
 * interpreter, the devices and translated code all address the same bytes. The memory never
 * grows, so views of its buffer stay valid for the machine's life.
 */
export class MachineMemory {
  readonly memory: WebAssembly.Memory;
  readonly buffer: ArrayBufferLike;
  /** Byte offset of the code index, and the index itself. */
  readonly codeIndexOffset: number;
  readonly codeIndex: Int32Array;
  /** Byte offset of guest RAM inside the memory. */
  readonly ramOffset: number;

  constructor(
    readonly harts: number,
    readonly ramBytes: number,
  ) {
    this.codeIndexOffset = harts * HART_STATE.SIZE;
    const pages = Math.ceil(ramBytes / 4096);
    this.ramOffset = Math.ceil((this.codeIndexOffset + pages * 4) / 65536) * 65536;
    const wasmPages = Math.ceil((this.ramOffset + ramBytes) / 65536);
    this.memory = newWasmMemory(wasmPages);
    this.buffer = this.memory.buffer;
    this.codeIndex = new Int32Array(this.buffer, this.codeIndexOffset, pages);
  }

  hartState(id: number): HartStateBlock {
    return { buffer: this.buffer, offset: id * HART_STATE.SIZE };
  }
}
