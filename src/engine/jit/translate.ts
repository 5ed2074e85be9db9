// Translation of one 4 KiB physical page of guest code into one WebAssembly function.
//
// The unit is a page because everything inside it shares one translation: the function is given
// the page's virtual base at entry, so direct jumps and branches inside the page stay inside the
// function (a loop with a br_table dispatch over the page's blocks), and a write to the page
// drops exactly this function (see jit.ts). Blocks are discovered from the entry offsets the
// runtime asked for, following fall-through and in-page branch targets.
//
// Semantics are the interpreter's, instruction by instruction. The function never traps and
// never calls out: an instruction it cannot complete on its own (a TLB miss, MMIO, a misaligned
// access across pages, CSRs, FP, atomics, system instructions) ends the function *before* that
// instruction with the exit kind INTERPRET, and the runtime executes it with the interpreter.
// So exceptions are taken by the interpreter with exactly its architectural state, and every
// instruction the function does execute retires (instret is exact).
//
// Function signature: (entry i32, vbase i64, budget i32, state i32, dataSet i32) -> i32
//   entry    offset in the page / 2 of the instruction to start at; the function dispatches
//            through a br_table over all 2048 halfword offsets (EXIT_MISS if no block starts there)
//   vbase    virtual address of the page
//   budget   instructions that may be executed; each block checks it on entry
//   state    byte offset of the hart's state block (hart-state.ts): registers, TLB, exit record
//   dataSet  first entry of the TLB set for data accesses (privilege, SUM, MPRV)
// It returns the unused budget and writes the next pc and the exit kind into the exit record.

import type { GuestRam } from '../memory.js';
import { decodeInstruction, type DecodedInstruction } from '../cpu/decoder.js';
import { Op } from '../cpu/opcodes.js';
import { FpOp, fpReadsInteger, fpWritesInteger } from '../cpu/fpu/fp-ops.js';
import { HART_STATE } from '../cpu/hart-state.js';
import { TLB_ENTRIES } from '../cpu/tlb-size.js';
import {
  CSR_SSTATUS,
  CSR_TIME,
  MSTATUS_FS,
  MSTATUS_SIE,
  MSTATUS_TVM,
  SSTATUS_MASK,
} from '../cpu/csr-numbers.js';
import {
  buildModule,
  FunctionWriter,
  ValType,
  W,
  ByteWriter,
  HINT_OPTIMIZED,
  moduleFunction,
  type FunctionType,
  type ModuleFunction,
} from './wasm-writer.js';
import { PAGE_IMPORTS, pageImports } from './import-trampolines.js';
import { NO_PLANS, planAccessGroups, type AccessPlan } from './access-groups.js';
import { ARITHMETIC } from './op-classes.js';

/** Exit kinds written to HART_STATE.EXIT_KIND. */
export const EXIT_JUMP = 0;
/** Execute the instruction at the exit pc with the interpreter, then continue. */
export const EXIT_INTERPRET = 1;
/** The budget is too small for the next block: the interpreter finishes the slice. */
export const EXIT_BUDGET = 2;
/** The entry offset starts no block of this translation (the runtime may retranslate). */
export const EXIT_MISS = 3;

export interface TranslateLimits {
  /** Instructions per block before it is split (bounds the time between budget checks; at most 127). */
  maxBlockInstructions: number;
  /** Blocks per page function. */
  maxBlocks: number;
  /** Instructions per page function, duplicated blocks included. */
  maxInstructions: number;
}

/** The most instructions a block may have: an exit packs the unused ones in 7 bits (exitAt). */
const MAX_BLOCK_INSTRUCTIONS = 127;

export const DEFAULT_LIMITS: TranslateLimits = {
  maxBlockInstructions: 64,
  maxBlocks: 512,
  maxInstructions: 4096,
};

interface Instruction {
  d: DecodedInstruction;
  /** Offset inside the page. */
  off: number;
  /**
   * For a 32-bit instruction at the page's last halfword (offset 0xffe), its upper halfword:
   * the first two bytes of the next RAM page when the page was translated, which translated
   * code checks against the next virtual page's bytes before running it (emitStraddleGuard).
   * -1 for every other instruction.
   */
  second: number;
}

/** How a block ends. */
const enum End {
  /** Continue at `next` (a split block, or the next page). */
  FALL,
  /** The last instruction is a branch, jal or jalr (included in `body`). */
  CONTROL,
  /** Stop before the instruction at `next` and let the interpreter execute it. */
  INTERPRET,
}

interface Block {
  start: number;
  body: Instruction[];
  end: End;
  /** Offset execution continues at (FALL) or of the instruction to interpret (INTERPRET). */
  next: number;
}

export interface PageTranslation {
  bytes: Uint8Array;
  /** Offsets of the blocks in function order: block k starts at starts[k]. */
  starts: number[];
  /**
   * By halfword offset: for an instruction inside a block (not its first), the number of
   * instructions from it to the block's end, 0 elsewhere. Execution that stopped mid-block (a
   * slice ending, an interrupt, an exit to the interpreter) resumes by interpreting that many.
   */
  resume: Uint8Array;
  instructions: number;
}

/** Instructions that never continue to the next one (after them, don't look for a block). */
function endsFlow(op: Op): boolean {
  return (
    op === Op.ECALL ||
    op === Op.EBREAK ||
    op === Op.MRET ||
    op === Op.SRET ||
    op === Op.WFI ||
    op === Op.ILLEGAL
  );
}

function isControl(op: Op): boolean {
  return op >= Op.JAL && op <= Op.BGEU;
}

/** Operations translated inline (everything else is executed by the interpreter). */
const SUPPORTED = new Set<Op>([
  ...ARITHMETIC,
  Op.JAL,
  Op.JALR,
  Op.BEQ,
  Op.BNE,
  Op.BLT,
  Op.BGE,
  Op.BLTU,
  Op.BGEU,
  Op.LB,
  Op.LH,
  Op.LW,
  Op.LD,
  Op.LBU,
  Op.LHU,
  Op.LWU,
  Op.SB,
  Op.SH,
  Op.SW,
  Op.SD,
  Op.FENCE,
  Op.FENCE_I,
  Op.LR_W,
  Op.SC_W,
  Op.LR_D,
  Op.SC_D,
  Op.FLW,
  Op.FLD,
  Op.FSW,
  Op.FSD,
  Op.FP,
  Op.AMOSWAP_W,
  Op.AMOADD_W,
  Op.AMOXOR_W,
  Op.AMOAND_W,
  Op.AMOOR_W,
  Op.AMOMIN_W,
  Op.AMOMAX_W,
  Op.AMOMINU_W,
  Op.AMOMAXU_W,
  Op.AMOSWAP_D,
  Op.AMOADD_D,
  Op.AMOXOR_D,
  Op.AMOAND_D,
  Op.AMOOR_D,
  Op.AMOMIN_D,
  Op.AMOMAX_D,
  Op.AMOMINU_D,
  Op.AMOMAXU_D,
  Op.CBO_ZERO,
]);

/** Decoded instructions by their bits (read-only; shared by translations): compressed ones in a
 * full table, 32-bit ones in a direct-mapped cache (a miss just decodes again). */
const decodedCompressed: (DecodedInstruction | undefined)[] = new Array(65536).fill(undefined);
const DECODED_SIZE = 1 << 14;
const decodedBits = new Int32Array(DECODED_SIZE);
const decodedWide: (DecodedInstruction | undefined)[] = new Array(DECODED_SIZE).fill(undefined);

function decode(bits: number): DecodedInstruction {
  if (bits < 65536) return (decodedCompressed[bits] ??= decodeInstruction(bits));
  const i = (bits ^ (bits >>> 15)) & (DECODED_SIZE - 1);
  const cached = decodedWide[i];
  if (cached !== undefined && decodedBits[i] === (bits | 0)) return cached;
  const d = decodeInstruction(bits);
  decodedBits[i] = bits;
  decodedWide[i] = d;
  return d;
}

const SUPPORTED_OP = new Uint8Array(Op.COUNT);
for (const op of SUPPORTED) SUPPORTED_OP[op] = 1;

/**
 * csrrc/csrrci on sstatus clearing at most SIE (Linux's local_irq_save/disable): translated
 * inline. Clearing SIE has no side effect (Hart.mstatusChanged) and cannot make an interrupt
 * pending; csrrc's mask is checked at run time.
 */
/** System instructions translated despite not being in SUPPORTED (see emitInstruction). */
function inlineSystem(d: DecodedInstruction): boolean {
  return inlineSstatus(d) || (d.op === Op.SFENCE_VMA && d.rs1 !== 0) || readsTime(d);
}

/** rdtime: csrrs rd, time, x0 (or csrrsi with 0), through the time import. */
function readsTime(d: DecodedInstruction): boolean {
  return d.imm === CSR_TIME && (d.op === Op.CSRRS || d.op === Op.CSRRSI) && d.rs1 === 0;
}

/**
 * csrrc/csrrs on sstatus with a mask of SIE only (a register's is checked when it runs), and
 * sstatus reads: Linux's local_irq_save/restore and irqs_disabled, run inline. Setting SIE
 * leaves for the interpreter when an S interrupt is pending (it must end the slice there).
 */
function inlineSstatus(d: DecodedInstruction): boolean {
  if (d.imm !== CSR_SSTATUS) return false;
  if (d.op === Op.CSRRC || d.op === Op.CSRRS) return true;
  return (d.op === Op.CSRRCI || d.op === Op.CSRRSI) && (d.rs1 & ~MSTATUS_SIE) === 0;
}

/**
 * Where translation reads guest code: guest RAM, or a copy of one page, optionally followed by
 * the first halfword of the next RAM page (the upper half of an instruction straddling the end).
 */
export type CodeSource = Pick<GuestRam, 'u16'>;

/**
 * Read the instruction bits at `off` of the page at RAM offset `pageOffset`; -1 for a 32-bit
 * instruction at the page's end when the source holds nothing after the page.
 */
function fetchBits(ram: CodeSource, pageOffset: number, off: number): number {
  const at = (pageOffset + off) >>> 1;
  const lo = ram.u16[at];
  if ((lo & 3) !== 3) return lo;
  if (off > 4092 && at + 1 >= ram.u16.length) return -1;
  return (lo | (ram.u16[at + 1] << 16)) >>> 0;
}

/**
 * Discover the blocks reachable inside the page from `entries`. With `sweep`, also every block a
 * linear sweep of the page finds (from its start and past every instruction that does not
 * continue to the next one, illegal encodings excepted): speculative, but safe, since a block is
 * only ever entered at its own start, where the guest really executes what was decoded.
 */
function discover(
  ram: CodeSource,
  pageOffset: number,
  entries: number[],
  limits: TranslateLimits,
  sweep: boolean,
): Block[] {
  const blocks = new Map<number, Block>();
  const queued = new Uint8Array(4096);
  const work: number[] = [];
  let total = 0;
  const enqueue = (off: number) => {
    if (off >= 0 && off < 4096 && queued[off] === 0) {
      queued[off] = 1;
      work.push(off);
    }
  };
  for (const off of entries) enqueue(off);
  if (sweep) enqueue(0);
  let next = 0;
  while (next < work.length && blocks.size < limits.maxBlocks && total < limits.maxInstructions) {
    const start = work[next++];
    const block: Block = { start, body: [], end: End.FALL, next: start };
    let off = start;
    for (;;) {
      if (off >= 4096) {
        block.end = End.FALL;
        block.next = off;
        break;
      }
      if (off !== start && queued[off] !== 0) {
        block.end = End.FALL;
        block.next = off;
        break;
      }
      if (block.body.length >= Math.min(limits.maxBlockInstructions, MAX_BLOCK_INSTRUCTIONS)) {
        block.end = End.FALL;
        block.next = off;
        enqueue(off);
        break;
      }
      const bits = fetchBits(ram, pageOffset, off);
      if (bits < 0) {
        block.end = End.INTERPRET;
        block.next = off;
        break;
      }
      const d = decode(bits);
      if (SUPPORTED_OP[d.op] === 0 && !inlineSystem(d)) {
        block.end = End.INTERPRET;
        block.next = off;
        if (sweep ? d.op !== Op.ILLEGAL : !endsFlow(d.op)) enqueue(off + d.length);
        break;
      }
      block.body.push({ d, off, second: off === 4094 && d.length === 4 ? bits >>> 16 : -1 });
      off += d.length;
      if (isControl(d.op)) {
        block.end = End.CONTROL;
        // A call (a link register written) returns to the next instruction: make it an entry.
        if ((d.op === Op.JAL || d.op === Op.JALR) && (d.rd !== 32 || sweep)) enqueue(off);
        if (d.op === Op.JAL) enqueue(block.body[block.body.length - 1].off + d.imm);
        else if (d.op !== Op.JALR) {
          enqueue(block.body[block.body.length - 1].off + d.imm);
          enqueue(off);
        }
        break;
      }
    }
    total += block.body.length;
    blocks.set(start, block);
  }
  return [...blocks.values()];
}

// Helper functions appended to every module (indices after the page function).
// Function indices: 0-2 are the imported fp, sfence and time (jit.ts), 3 the page function, then these.
const enum Helper {
  DIV = 4,
  DIVU,
  REM,
  REMU,
  DIVW,
  DIVUW,
  REMW,
  REMUW,
  ORC_B,
  REV8,
}

const TYPE_PAGE = 0;
const TYPE_BINARY = 1;
const TYPE_UNARY = 2;
const TYPE_FP = 3;
const TYPE_TIME = 4;
/** Index of the imported FP function: fp(state, aux | rd << 8 | rs1 << 16 | rs2 << 24, rs3 | rm << 8). */
const IMPORT_FP = 0;
/**
 * Index of the imported sfence(state, address low, address high): sfence.vma of one page, done
 * as the interpreter does it (same type as fp). Returns 1 when it dropped every translation.
 */
const IMPORT_SFENCE = 1;
/**
 * Index of the imported time(state): what rdtime reads now, or -1 when the interpreter must run
 * it (the counter is not accessible at this privilege, or time follows the instruction count,
 * which only the runtime knows exactly).
 */
const IMPORT_TIME = 2;

const I64_MIN = -(1n << 63n);

/** Evaluates its arguments (emitter calls) in order: a sequence of emits on one line. */
function seq(...steps: void[]): void {
  void steps;
}

/** The helpers' function indices start after the imports and the page function. */
const FIRST_HELPER = Helper.DIV;
const HELPERS = Helper.REV8 - FIRST_HELPER + 1;

/** The helpers' bodies (indexed by helper - FIRST_HELPER), built once. */
let helperCache: { type: number; body: ByteWriter }[] | undefined;

/**
 * A page module's helper functions: only those its code calls, numbered in the order first
 * called. Each function a module declares costs V8 ~15 us to decode and validate, whether called
 * or not; every page once carried all thirteen (~0.2 ms of each translation's ~3.7).
 */
class HelperSet {
  private readonly index = new Int8Array(HELPERS).fill(-1);
  private readonly order: Helper[] = [];

  /** The function index of `helper` in this module. */
  use(helper: Helper): number {
    const k = helper - FIRST_HELPER;
    if (this.index[k] < 0) {
      this.index[k] = FIRST_HELPER + this.order.length;
      this.order.push(helper);
    }
    return this.index[k];
  }

  /** Append the helpers in use to a module's function list (after the page function). */
  appendTo(functions: ModuleFunction[]): void {
    const bodies = (helperCache ??= buildHelperBodies());
    for (const h of this.order) {
      const { type, body } = bodies[h - FIRST_HELPER];
      functions.push(moduleFunction(type, body, null));
    }
  }
}

function buildHelperBodies(): { type: number; body: ByteWriter }[] {
  const out: { type: number; body: ByteWriter }[] = [];
  const binary = (emit: (f: FunctionWriter) => void) => {
    const f = new FunctionWriter(2);
    emit(f);
    out.push({ type: TYPE_BINARY, body: f.body() });
  };
  const a = 0;
  const b = 1;
  // RISC-V M (unprivileged spec 13.2): x/0 = -1 (all ones), x%0 = x, MIN/-1 = MIN, MIN%-1 = 0.
  const returnIf = (f: FunctionWriter, cond: () => void, value: () => void) => {
    cond();
    f.open(W.IF);
    value();
    f.op(W.RETURN);
    f.end();
  };
  binary((f) => {
    returnIf(
      f,
      () => (f.get(b), f.op(W.I64_EQZ)),
      () => f.i64(-1),
    );
    returnIf(
      f,
      () => (f.get(a), f.i64(I64_MIN), f.op(W.I64_EQ), f.get(b), f.i64(-1), f.op(W.I64_EQ), f.op(W.I32_AND)),
      () => f.get(a),
    );
    f.get(a);
    f.get(b);
    f.op(W.I64_DIV_S);
  });
  binary((f) => {
    returnIf(
      f,
      () => (f.get(b), f.op(W.I64_EQZ)),
      () => f.i64(-1),
    );
    f.get(a);
    f.get(b);
    f.op(W.I64_DIV_U);
  });
  binary((f) => {
    returnIf(
      f,
      () => (f.get(b), f.op(W.I64_EQZ)),
      () => f.get(a),
    );
    returnIf(
      f,
      () => (f.get(b), f.i64(-1), f.op(W.I64_EQ)),
      () => f.i64(0),
    );
    f.get(a);
    f.get(b);
    f.op(W.I64_REM_S);
  });
  binary((f) => {
    returnIf(
      f,
      () => (f.get(b), f.op(W.I64_EQZ)),
      () => f.get(a),
    );
    f.get(a);
    f.get(b);
    f.op(W.I64_REM_U);
  });
  // The W forms operate on the low 32 bits and sign-extend the 32-bit result.
  const low = (f: FunctionWriter, v: number) => (f.get(v), f.op(W.I32_WRAP_I64));
  binary((f) => {
    returnIf(
      f,
      () => (low(f, b), f.op(W.I32_EQZ)),
      () => f.i64(-1),
    );
    returnIf(
      f,
      () => (low(f, b), f.i32(-1), f.op(W.I32_EQ)),
      () => (f.i32(0), low(f, a), f.op(W.I32_SUB), f.op(W.I64_EXTEND_I32_S)),
    );
    low(f, a);
    low(f, b);
    f.op(W.I32_DIV_S);
    f.op(W.I64_EXTEND_I32_S);
  });
  binary((f) => {
    returnIf(
      f,
      () => (low(f, b), f.op(W.I32_EQZ)),
      () => f.i64(-1),
    );
    low(f, a);
    low(f, b);
    f.op(W.I32_DIV_U);
    f.op(W.I64_EXTEND_I32_S);
  });
  binary((f) => {
    returnIf(
      f,
      () => (low(f, b), f.op(W.I32_EQZ)),
      () => (low(f, a), f.op(W.I64_EXTEND_I32_S)),
    );
    returnIf(
      f,
      () => (low(f, b), f.i32(-1), f.op(W.I32_EQ)),
      () => f.i64(0),
    );
    low(f, a);
    low(f, b);
    f.op(W.I32_REM_S);
    f.op(W.I64_EXTEND_I32_S);
  });
  binary((f) => {
    returnIf(
      f,
      () => (low(f, b), f.op(W.I32_EQZ)),
      () => (low(f, a), f.op(W.I64_EXTEND_I32_S)),
    );
    low(f, a);
    low(f, b);
    f.op(W.I32_REM_U);
    f.op(W.I64_EXTEND_I32_S);
  });
  const unary = (emit: (f: FunctionWriter) => void) => {
    const f = new FunctionWriter(1);
    emit(f);
    out.push({ type: TYPE_UNARY, body: f.body() });
  };
  unary((f) => {
    // orc.b: each byte becomes 0xff if nonzero, else 0.
    f.i64(0);
    for (let i = 0; i < 8; i++) {
      f.i64(0xffn << BigInt(8 * i));
      f.i64(0);
      f.get(0);
      f.i64(0xffn << BigInt(8 * i));
      f.op(W.I64_AND);
      f.op(W.I64_EQZ);
      f.op(W.I32_EQZ);
      f.op(W.SELECT);
      f.op(W.I64_OR);
    }
  });
  unary((f) => {
    // rev8: byte swap.
    f.i64(0);
    for (let i = 0; i < 8; i++) {
      f.get(0);
      f.i64(8 * i);
      f.op(W.I64_SHR_U);
      f.i64(0xff);
      f.op(W.I64_AND);
      f.i64(8 * (7 - i));
      f.op(W.I64_SHL);
      f.op(W.I64_OR);
    }
  });
  return out;
}

interface Emitter {
  f: FunctionWriter;
  reg: (r: number) => void;
  setReg: (r: number) => void;
  /** Copy integer register r's local to the register file in memory (before a call reading it). */
  flush: (r: number) => void;
  /** Reload integer register r's local from memory (after a call that may have written it). */
  reload: (r: number) => void;
}

// Parameters of a page function (see the signature at the top).
const P_ENTRY = 0;
const P_VBASE = 1;
const P_N = 2;
const P_STATE = 3;
const P_DATASET = 4;

/**
 * The page function being written and its guest-register locals: local[r] is x[r]'s local (-1:
 * not used on the page), written[r] whether the function stores it at its exit. translatePage is
 * not reentrant, so one of these serves every translation, and the Emitter's register functions
 * below are the same function objects for every page. (Closures made afresh for each page made
 * V8's optimized translator deoptimize at each new page's functions, "wrong call target": half
 * of the translation worker's recompiles of emitInstruction in a Debian boot.)
 */
const registers = {
  f: new FunctionWriter(5),
  local: new Int32Array(33),
  written: new Uint8Array(33),
};

function getRegister(r: number): void {
  const f = registers.f;
  if (r === 0 || r === 32) f.i64(0);
  else f.get(registers.local[r]);
}

function setRegister(r: number): void {
  const f = registers.f;
  if (r === 0 || r === 32) {
    f.op(W.DROP);
    return;
  }
  f.set(registers.local[r]);
  registers.written[r] = 1;
}

function flushRegister(r: number): void {
  const local = registers.local[r];
  if (local < 0) return;
  const f = registers.f;
  f.get(P_STATE);
  f.get(local);
  f.mem(W.I64_STORE, HART_STATE.INT_REGS + 8 * r, 3);
}

function reloadRegister(r: number): void {
  const local = registers.local[r];
  if (local < 0) return;
  const f = registers.f;
  f.get(P_STATE);
  f.mem(W.I64_LOAD, HART_STATE.INT_REGS + 8 * r, 3);
  f.set(local);
  registers.written[r] = 1;
}

/**
 * Translate the page at RAM offset `pageOffset`, starting from `entries` (offsets in the page).
 * `optimize`: the same code, with a hint that V8 compile it with its optimizing compiler
 * (wasm-writer.ts HINT_OPTIMIZED; the JIT's second tier, see Jit.optimize). `ungrouped`: offsets
 * whose blocks get no access groups (access-groups.ts; Jit.noteExit says why).
 */
export function translatePage(
  ram: CodeSource,
  pageOffset: number,
  entries: number[],
  limits: TranslateLimits = DEFAULT_LIMITS,
  sweep = false,
  optimize = false,
  ungrouped: readonly number[] = [],
): PageTranslation {
  // Address order, so that fall-through successors are usually the next block in the function
  // and need no dispatch (see goTo).
  const blocks = discover(ram, pageOffset, entries, limits, sweep).sort((p, q) => p.start - q.start);
  // Block index by halfword offset of its start (-1: no block starts there).
  const blockAt = new Int16Array(2048).fill(-1);
  blocks.forEach((b, k) => (blockAt[b.start >>> 1] = k));
  const indexOf = (off: number): number | undefined =>
    off >= 0 && off < 4096 && blockAt[off >>> 1] >= 0 ? blockAt[off >>> 1] : undefined;
  const regions = findLoopRegions(blocks, indexOf);

  const f = new FunctionWriter(5, pageCode);
  const helpers = new HelperSet();
  const idx = f.local(ValType.I32);
  const epc = f.local(ValType.I64);
  const ekind = f.local(ValType.I32);
  const addr = f.local(ValType.I64);
  const tlb = f.local(ValType.I32);
  const tmp = f.local(ValType.I64);
  const ea = f.local(ValType.I32);
  // Target block + 1 for a loop region's dispatch (0: none pending; see emitParts).
  const sub = f.local(ValType.I32);
  // An exit's pc offset, unused budget and kind, packed (see exitAt).
  const leaveCode = f.local(ValType.I32);
  // f64 scratch for the FP fast paths, declared on first use (every local costs an
  // initialisation on each call of the function).
  let floatScratch: number[] | undefined;
  const fl = () => (floatScratch ??= Array.from({ length: 16 }, () => f.local(ValType.F64)));
  const vb = P_VBASE;
  // i32 locals holding access groups' host addends (see access-groups.ts), declared on first use.
  const groupScratch: number[] = [];
  const groupLocal = (slot: number) => (groupScratch[slot] ??= f.local(ValType.I32));
  let rneScratch: number | undefined;
  const rneLocal = () => (rneScratch ??= f.local(ValType.I32));
  let mulScratch: number[] | undefined;
  const mulLocals = () => (mulScratch ??= Array.from({ length: 5 }, () => f.local(ValType.I64)));

  // Guest registers live in locals for the whole call: loaded at entry, stored at the exit.
  // (Measured against caching them per block and against no locals at all: with V8's baseline
  // compiler this is the fastest, since its locals stay in registers or frame slots.)
  // regLocal[r]: the local of x[r] (-1: not used here); written[r]: stored at the exit.
  registers.f = f;
  const regLocal = registers.local.fill(-1);
  const written = registers.written.fill(0);
  let count = 0;
  for (const b of blocks) {
    for (const { d } of b.body) {
      count++;
      if (d.rd > 0 && d.rd < 32) regLocal[d.rd] = 0;
      if (d.rs1 > 0 && d.rs1 < 32) regLocal[d.rs1] = 0;
      if (d.rs2 > 0 && d.rs2 < 32) regLocal[d.rs2] = 0;
    }
  }
  for (let r = 1; r < 32; r++) if (regLocal[r] === 0) regLocal[r] = f.local(ValType.I64);

  const e: Emitter = {
    f,
    reg: getRegister,
    setReg: setRegister,
    flush: flushRegister,
    reload: reloadRegister,
  };

  // ---- prologue ----
  // The data TLB set's first JIT entry (16 bytes each).
  f.get(P_STATE);
  f.get(P_DATASET);
  f.i32(4);
  f.op(W.I32_SHL);
  f.op(W.I32_ADD);
  f.set(tlb);
  for (let r = 1; r < 32; r++) {
    if (regLocal[r] < 0) continue;
    f.get(P_STATE);
    f.mem(W.I64_LOAD, HART_STATE.INT_REGS + 8 * r, 3);
    f.set(regLocal[r]);
  }
  f.get(P_ENTRY);
  f.set(idx);

  /**
   * Leave for the runtime at page offset `off` (the pc written to the exit record) with exit
   * `kind`, giving back `unused` instructions of budget. Every exit site branches to one shared
   * handler ('leave') with all three packed in one i32 (off * 512 + unused * 4 + kind; `off`
   * may lie outside the page, a jump's target), which keeps each site a few bytes: there are
   * thousands, and wasm size is what V8's compile time follows.
   */
  const exitAt = (off: number, kind: number, unused = 0) => {
    f.i32(off * 512 + unused * 4 + kind);
    f.set(leaveCode);
    f.br('leave');
  };
  let current = -1;
  /** The block whose first copy is being emitted, when a one-block loop is unrolled (see emitParts). */
  let unrolling = -1;
  /** Continue at `off`; `last` = nothing follows in this block, so falling through is allowed. */
  const goTo = (off: number, last = false) => {
    const k = indexOf(off);
    if (k === undefined) {
      exitAt(off, EXIT_JUMP);
      return;
    }
    if (unrolling === current) {
      // The first copy of an unrolled loop: around again means into the second copy, and
      // nothing may fall through into it.
      if (k === current) {
        f.br(`again${current}`);
        return;
      }
      last = false;
    }
    // The next block's code follows this one's: just fall into it.
    if (last && k === current + 1) return;
    // The innermost loop region holding both blocks, and the part of it (a block, or a region
    // nested in it) that holds the target.
    let region = regions.parent[k];
    let part = k;
    while (region >= 0 && !(region <= current && current <= regions.end[region])) {
      part = region;
      region = regions.outer[region];
    }
    if (part > current) {
      // Forward: the part's label is still open. Entering a region anywhere but at its header
      // goes through the region's own dispatch, which reads the target from `sub`.
      if (part !== k) setSub(k);
      f.br(`b${part}`);
      return;
    }
    if (region >= 0) {
      // Backward inside a loop region: to its head (the header needs no dispatch).
      if (k !== region) setSub(k);
      f.br(`loop${region}`);
      return;
    }
    // Backward outside any region: through the dispatch at the top.
    f.i32(off >>> 1);
    f.set(idx);
    f.br('top');
  };
  /** Continue at the address in `epc` (jalr): inside the page through the dispatch, else leave. */
  const goToComputed = () => {
    f.get(epc);
    f.get(vb);
    f.op(W.I64_SUB);
    f.tee(tmp);
    f.i64(4096);
    f.op(W.I64_LT_U);
    f.open(W.IF);
    f.get(tmp);
    f.op(W.I32_WRAP_I64);
    f.i32(1);
    f.op(W.I32_SHR_U);
    f.set(idx);
    f.br('top');
    f.end();
    f.i32(EXIT_JUMP);
    f.set(ekind);
    f.br('exit');
  };

  const emitBlock = (k: number) => {
    current = k;
    const block = blocks[k];
    const len = block.body.length;
    if (len > 0) {
      // Budget: a block runs whole or not at all, so the count stays exact. Take it first and
      // give it back when it was not there (one subtraction and a sign test).
      f.get(P_N);
      f.i32(-len);
      f.op(W.I32_ADD);
      f.tee(P_N);
      f.i32(0);
      f.op(W.I32_LT_S);
      f.open(W.IF);
      exitAt(block.start, EXIT_BUDGET, len);
      f.end();
    }
    // Leaving before instruction j: give back the budget of the instructions not executed.
    const leaveBefore = (j: number, off: number) => exitAt(off, EXIT_INTERPRET, len - j);
    // Blocks holding an offset of `ungrouped` check each access on its own (see Jit.noteExit).
    const plans =
      block.body.length < 2 || block.body.some((ins) => ungrouped.includes(ins.off))
        ? NO_PLANS
        : planAccessGroups(decodedOf(block.body));
    const locals: Locals = {
      vb,
      epc,
      ekind,
      addr,
      tlb,
      tmp,
      ea,
      state: P_STATE,
      dataSet: P_DATASET,
      fl,
      fp: { fsDirty: false, fsOn: false, rne: false },
      rneLocal,
      access: undefined,
      groupLocal,
      helpers,
      mulScratch: mulLocals,
    };
    block.body.forEach((ins, j) => {
      locals.access = plans[j];
      emitInstruction(e, ins, j, leaveBefore, locals, goTo, goToComputed);
    });
    if (block.end === End.FALL) goTo(block.next, true);
    else if (block.end === End.INTERPRET) exitAt(block.next, EXIT_INTERPRET);
    // End.CONTROL: the control instruction branched away itself.
  };
  /**
   * Blocks first..last, as parts: a block, or a loop region (by its header) with its blocks.
   * Each part's code follows the end of the label b{first block}, so earlier code reaches it
   * with a forward branch.
   */
  const partsOf = (first: number, last: number): number[] => {
    const parts: number[] = [];
    for (let k = first; k <= last; k = Math.max(k, regions.end[k]) + 1) parts.push(k);
    return parts;
  };
  const emitParts = (parts: number[]) => {
    for (const k of parts) {
      f.end(); // b{k}: its code follows
      if (regions.end[k] < 0) {
        emitBlock(k);
        continue;
      }
      // A loop region: a wasm loop whose head is the header's code; back edges branch to it.
      // Its other parts' labels open inside the loop. Entries elsewhere than at the header
      // arrive with the target block in `sub`, and the head dispatches to it.
      f.open(W.LOOP, `loop${k}`);
      const inner = partsOf(k + 1, regions.end[k]);
      for (let i = inner.length - 1; i >= 0; i--) f.open(W.BLOCK, `b${inner[i]}`);
      if (inner.length > 0) {
        // The header's code comes before the dispatch (skipped when `sub` is set), and its way
        // into the first part is an explicit branch: V8's baseline compiler fixes where each
        // label's values live at the first branch to it, and this makes that the header's
        // branches, with guest registers still in machine registers, rather than the dispatch's
        // at the loop's head, where all are in memory.
        f.open(W.BLOCK, `dispatch${k}`);
        f.get(sub);
        f.brIf(`dispatch${k}`);
        emitBlock(k);
        f.br(`b${inner[0]}`);
        f.end();
        emitPartSearch(inner, 0, inner.length);
      } else if (selfLoop(k)) {
        // A one-block loop, twice per turn of the wasm loop: V8's baseline compiler keeps guest
        // registers in machine registers through straight-line code but puts them all back in
        // memory at a loop's head, so the second copy runs on the first's registers.
        f.open(W.BLOCK, `again${k}`);
        unrolling = k;
        emitBlock(k);
        unrolling = -1;
        f.end();
        emitBlock(k);
      } else {
        emitBlock(k);
      }
      emitParts(inner);
      f.end(); // loop
    }
  };
  /** Block k ends with a conditional branch back to its own start. */
  function selfLoop(k: number): boolean {
    const b = blocks[k];
    const last = b.body[b.body.length - 1];
    return (
      b.end === End.CONTROL &&
      last !== undefined &&
      BRANCHES_BY_OP[last.d.op] !== undefined &&
      last.off + last.d.imm === b.start
    );
  }
  /** Set `sub` for a region's dispatch: block k, plus one (0 = no dispatch pending). */
  function setSub(k: number) {
    f.i32(k + 1);
    f.set(sub);
  }
  /** Go to the part holding block sub - 1 among parts[lo, hi) (a region's dispatch). */
  function emitPartSearch(parts: number[], lo: number, hi: number) {
    if (hi - lo === 1) {
      const k = parts[lo];
      if (regions.end[k] < 0) {
        f.i32(0);
        f.set(sub);
      } else {
        // A nested region: the target may be its header, which is reached without dispatch.
        f.get(sub);
        f.i32(k + 1);
        f.op(W.I32_EQ);
        f.open(W.IF);
        f.i32(0);
        f.set(sub);
        f.end();
      }
      f.br(`b${k}`);
      return;
    }
    const mid = (lo + hi) >>> 1;
    f.get(sub);
    f.i32(parts[mid] + 1);
    f.op(W.I32_LT_U);
    f.open(W.IF);
    emitPartSearch(parts, lo, mid);
    f.end();
    emitPartSearch(parts, mid, hi);
  }

  // Dispatch: a search over the block starts for the halfword offset in idx; offsets that start
  // no block go to 'miss', which reports the entry to the runtime (it may retranslate with it).
  const top = partsOf(0, blocks.length - 1);
  f.open(W.BLOCK, 'exit');
  f.open(W.LOOP, 'top');
  f.open(W.BLOCK, 'leave');
  f.open(W.BLOCK, 'miss');
  for (let i = top.length - 1; i >= 0; i--) f.open(W.BLOCK, `b${top[i]}`);
  // The top-level part holding each block.
  const topPart = new Int32Array(blocks.length);
  for (const k of top) topPart.fill(k, k, Math.max(k, regions.end[k]) + 1);
  // The search keys in a typed array: `blocks.map` made arrays of two V8 maps (holey in the
  // baseline tier, packed once inlined by the optimizing compiler; see decodedOf).
  const keys = new Int32Array(blocks.length);
  for (let k = 0; k < blocks.length; k++) keys[k] = blocks[k].start >>> 1;
  emitBlockSearch(f, idx, keys, 0, blocks.length, (k) => {
    if (topPart[k] !== k) setSub(k);
    f.br(`b${topPart[k]}`);
  });
  f.br('miss');
  emitParts(top);
  f.end(); // miss: its code follows, then the exit handler's
  // exitAt(idx * 2, EXIT_MISS) with the offset known only now.
  f.get(idx);
  f.i32(1024);
  f.op(W.I32_MUL);
  f.i32(EXIT_MISS);
  f.op(W.I32_OR);
  f.set(leaveCode);
  f.end(); // leave: its code follows (see exitAt)
  f.get(P_N);
  f.get(leaveCode);
  f.i32(2);
  f.op(W.I32_SHR_U);
  f.i32(127);
  f.op(W.I32_AND);
  f.op(W.I32_ADD);
  f.set(P_N);
  f.get(vb);
  f.get(leaveCode);
  f.i32(9);
  f.op(W.I32_SHR_S);
  f.op(W.I64_EXTEND_I32_S);
  f.op(W.I64_ADD);
  f.set(epc);
  f.get(leaveCode);
  f.i32(3);
  f.op(W.I32_AND);
  f.set(ekind);
  f.end(); // top
  f.end(); // exit

  // ---- epilogue ----
  for (let r = 1; r < 32; r++) {
    if (written[r] === 0) continue;
    f.get(P_STATE);
    f.get(regLocal[r]);
    f.mem(W.I64_STORE, HART_STATE.INT_REGS + 8 * r, 3);
  }
  f.get(P_STATE);
  f.get(epc);
  f.mem(W.I64_STORE, HART_STATE.EXIT_PC, 3);
  f.get(P_STATE);
  f.get(ekind);
  f.mem(W.I32_STORE, HART_STATE.EXIT_KIND, 2);
  f.get(P_N);

  const types = [
    PAGE_TYPE,
    { params: [ValType.I64, ValType.I64], results: [ValType.I64] },
    { params: [ValType.I64], results: [ValType.I64] },
    { params: [ValType.I32, ValType.I32, ValType.I32], results: [ValType.I32] },
    { params: [ValType.I32], results: [ValType.F64] },
  ];
  const functions = [moduleFunction(TYPE_PAGE, f.body(), 'run')];
  helpers.appendTo(functions);
  const resume = new Uint8Array(2048);
  for (const b of blocks) {
    b.body.forEach((ins, j) => {
      if (j > 0) resume[ins.off >>> 1] = Math.max(resume[ins.off >>> 1], b.body.length - j);
    });
  }
  return {
    bytes: buildModule(
      types,
      functions,
      false,
      [
        { name: PAGE_IMPORTS[IMPORT_FP].name, type: TYPE_FP },
        { name: PAGE_IMPORTS[IMPORT_SFENCE].name, type: TYPE_FP },
        { name: PAGE_IMPORTS[IMPORT_TIME].name, type: TYPE_TIME },
      ],
      optimize ? HINT_OPTIMIZED : undefined,
    ),
    starts: blocks.map((b) => b.start),
    resume,
    instructions: count,
  };
}

/**
 * The decoded instructions of a block's body, in an array made the same way whichever V8 tier
 * runs this: `body.map` gave a holey array in the baseline tier and a packed one once inlined
 * by the optimizing compiler, two V8 maps, and planAccessGroups deoptimized on the second.
 */
function decodedOf(body: readonly Instruction[]): DecodedInstruction[] {
  const out = new Array<DecodedInstruction>(body.length);
  for (let k = 0; k < body.length; k++) out[k] = body[k].d;
  return out;
}

/**
 * Branch to the block starting at halfword offset `idx` (block k's label is `b${k}`), searching
 * the sorted starts[lo, hi) by halving; falls through when no block starts there. A br_table over
 * the page's 2048 offsets would say the same, but V8's baseline compiler implements br_table as
 * a binary search over the whole index range: 11 compares on every dispatch and ~36 KB of machine
 * code per page function. This search is over the blocks only (about log2(blocks) + 2 compares).
 */
function emitBlockSearch(
  f: FunctionWriter,
  idx: number,
  starts: Int32Array,
  lo: number,
  hi: number,
  goToBlock: (k: number) => void,
): void {
  if (hi - lo <= 3) {
    for (let k = lo; k < hi; k++) {
      f.get(idx);
      f.i32(starts[k]);
      f.op(W.I32_EQ);
      f.open(W.IF);
      goToBlock(k);
      f.end();
    }
    return;
  }
  const mid = (lo + hi) >>> 1;
  f.get(idx);
  f.i32(starts[mid]);
  f.op(W.I32_LT_U);
  f.open(W.IF);
  emitBlockSearch(f, idx, starts, lo, mid, goToBlock);
  f.br('miss');
  f.end();
  emitBlockSearch(f, idx, starts, mid, hi, goToBlock);
}

interface LoopRegions {
  /** By header block: the last block of its region; -1 for blocks heading no region. */
  end: Int32Array;
  /** By block: the innermost region holding it (a header's is its own), -1 for none. */
  parent: Int32Array;
  /** By header: the region enclosing its region, -1 for none. */
  outer: Int32Array;
}

/**
 * Loop regions: a block j that a later block k (or j itself) branches back to heads the region of
 * blocks j..k, for the furthest such k. Regions become wasm loops, so they must nest or be
 * disjoint: a region crossing the end of one it starts inside is dropped (its back edges go
 * through the dispatch at the top).
 */
function findLoopRegions(blocks: Block[], indexOf: (off: number) => number | undefined): LoopRegions {
  const count = blocks.length;
  const end = new Int32Array(count).fill(-1);
  blocks.forEach((b, k) => {
    const last = b.body[b.body.length - 1];
    if (b.end !== End.CONTROL || last === undefined) return;
    const op = last.d.op;
    // Calls (jal with a link register) are not loops: a call back to a function earlier in the
    // page would make one region of everything between, with returns dispatched through it.
    if (BRANCHES_BY_OP[op] === undefined && !(op === Op.JAL && (last.d.rd === 0 || last.d.rd === 32))) return;
    const target = indexOf(last.off + last.d.imm);
    if (target !== undefined && target <= k && end[target] < k) end[target] = k;
  });
  const parent = new Int32Array(count).fill(-1);
  const outer = new Int32Array(count).fill(-1);
  const open: number[] = [];
  for (let k = 0; k < count; k++) {
    while (open.length > 0 && end[open[open.length - 1]] < k) open.pop();
    if (end[k] >= 0) {
      const enclosing = open.length > 0 ? open[open.length - 1] : -1;
      if (enclosing >= 0 && end[k] > end[enclosing]) {
        end[k] = -1; // crosses the region it starts in
      } else {
        outer[k] = enclosing;
        open.push(k);
      }
    }
    parent[k] = open.length > 0 ? open[open.length - 1] : -1;
  }
  return { end, parent, outer };
}

/**
 * Imports that let a page module be instantiated where its imports must never matter (eager
 * compilation on a scratch memory, tests): fp refuses (1), sfence reports nothing dropped (0),
 * time leaves for the interpreter (-1).
 * The runtime's real ones are in jit.ts.
 */
export function inertPageImports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return pageImports(memory, { fp: () => 1, sfence: () => 0, time: () => -1 });
}

/**
 * Translate a copy of one page (its 4096 bytes, and the next page's first two when there is one),
 * as translators off the guest's thread do.
 */
export function translatePageCopy(
  code: Uint8Array,
  entries: number[],
  limits: TranslateLimits,
  sweep: boolean,
  optimize = false,
  ungrouped: readonly number[] = [],
): PageTranslation {
  return translatePage(
    { u16: new Uint16Array(code.buffer, code.byteOffset, code.length >>> 1) },
    0,
    entries,
    limits,
    sweep,
    optimize,
    ungrouped,
  );
}

/** Scratch for page-function code, reused by every translation (body() copies it out). */
const pageCode = new ByteWriter(65536);

/** Signature of a page function (see the file comment). */
export const PAGE_TYPE: FunctionType = {
  params: [ValType.I32, ValType.I64, ValType.I32, ValType.I32, ValType.I32],
  results: [ValType.I32],
};

interface Locals {
  vb: number;
  epc: number;
  ekind: number;
  addr: number;
  /** State offset of the data TLB set's first JIT entry. */
  tlb: number;
  tmp: number;
  ea: number;
  /** The parameters holding the hart's state block offset and its data TLB set. */
  state: number;
  dataSet: number;
  /** Sixteen f64 scratch locals for the FP fast paths, allocated on first call. */
  fl: () => number[];
  /**
   * What the block's code already established, in its straight-line order: FS is Dirty once
   * an F/D instruction that writes F state has completed in translated code (each needs it, or
   * makes it so; only CSR writes and traps change it, and they end blocks), and on (not Off)
   * once any has, FP stores included (they leave FS as it is); `rne` once the local
   * `rneLocal()` holds whether frm is RNE.
   */
  fp: { fsDirty: boolean; fsOn: boolean; rne: boolean };
  rneLocal: () => number;
  /** The current instruction's part in an access group, if it is a grouped load or store. */
  access: AccessPlan;
  /** The i32 local of a group's addend slot. */
  groupLocal: (slot: number) => number;
  /** The module's helper functions. */
  helpers: HelperSet;
  /** Five i64 scratch locals for the high multiplies, allocated on first call. */
  mulScratch: () => number[];
}

/**
 * MULHU, MULH and MULHSU: the high half of the 128-bit product from four 32x32 partial products,
 * inline (Hacker's Delight 8-2, "multiply high unsigned"): with a = a1:a0 and b = b1:b0 in 32-bit
 * halves, t = a1*b0 + (a0*b0 >> 32), w = a0*b1 + (t & 0xffffffff), and the high half is
 * a1*b1 + (t >> 32) + (w >> 32); no sum overflows 64 bits. Each half is extracted once: 17 wasm
 * operations where summing the four products' halves took 23. (As a call to a helper function,
 * V8's baseline compiler spilled every guest register it held in a machine register before the
 * call and reloaded them after: a loop shaped as Linux's mpihelp_submul_1, the kind of loop a
 * third of a Debian boot's instructions run in, took ~5% longer that way.) The signed forms
 * subtract the other operand for each negative one: mulh = mulhu - (a < 0 ? b : 0) -
 * (b < 0 ? a : 0), mulhsu = mulhu - (a < 0 ? b : 0).
 */
function emitMulHigh(e: Emitter, l: Locals, d: DecodedInstruction): void {
  const { f, reg, setReg } = e;
  const [a1, a0, b1, b0, t] = l.mulScratch();
  const low = (v: number) => (f.get(v), f.i64(0xffffffff), f.op(W.I64_AND));
  const high = () => (f.i64(32), f.op(W.I64_SHR_U));
  reg(d.rs1);
  f.set(a1);
  low(a1);
  f.set(a0);
  seq(f.get(a1), high(), f.set(a1));
  reg(d.rs2);
  f.set(b1);
  low(b1);
  f.set(b0);
  seq(f.get(b1), high(), f.set(b1));
  // t = a1*b0 + (a0*b0 >> 32); then b0 holds t >> 32
  seq(f.get(a1), f.get(b0), f.op(W.I64_MUL), f.get(a0), f.get(b0), f.op(W.I64_MUL), high());
  seq(f.op(W.I64_ADD), f.tee(t), high(), f.set(b0));
  // t = a0*b1 + (t & 0xffffffff)
  seq(f.get(a0), f.get(b1), f.op(W.I64_MUL), low(t), f.op(W.I64_ADD), f.set(t));
  // a1*b1 + (t_first >> 32) + (t >> 32)
  seq(f.get(a1), f.get(b1), f.op(W.I64_MUL), f.get(b0), f.op(W.I64_ADD));
  seq(f.get(t), high(), f.op(W.I64_ADD));
  const subtractIfNegative = (sign: number, other: number) => {
    reg(other);
    f.i64(0);
    reg(sign);
    f.i64(0);
    f.op(W.I64_LT_S);
    f.op(W.SELECT);
    f.op(W.I64_SUB);
  };
  if (d.op !== Op.MULHU) subtractIfNegative(d.rs1, d.rs2);
  if (d.op === Op.MULH) subtractIfNegative(d.rs2, d.rs1);
  setReg(d.rd);
}

const LOADS = new Map<Op, [number, W]>([
  [Op.LB, [1, W.I64_LOAD8_S]],
  [Op.LBU, [1, W.I64_LOAD8_U]],
  [Op.LH, [2, W.I64_LOAD16_S]],
  [Op.LHU, [2, W.I64_LOAD16_U]],
  [Op.LW, [4, W.I64_LOAD32_S]],
  [Op.LWU, [4, W.I64_LOAD32_U]],
  [Op.LD, [8, W.I64_LOAD]],
]);
const STORES = new Map<Op, [number, W]>([
  [Op.SB, [1, W.I64_STORE8]],
  [Op.SH, [2, W.I64_STORE16]],
  [Op.SW, [4, W.I64_STORE32]],
  [Op.SD, [8, W.I64_STORE]],
]);

const BRANCHES = new Map<Op, W>([
  [Op.BEQ, W.I64_EQ],
  [Op.BNE, W.I64_NE],
  [Op.BLT, W.I64_LT_S],
  [Op.BGE, W.I64_GE_S],
  [Op.BLTU, W.I64_LT_U],
  [Op.BGEU, W.I64_GE_U],
]);

/** Register-register operations that are one wasm i64 instruction. */
const RR64 = new Map<Op, W>([
  [Op.ADD, W.I64_ADD],
  [Op.SUB, W.I64_SUB],
  [Op.SLL, W.I64_SHL],
  [Op.SRL, W.I64_SHR_U],
  [Op.SRA, W.I64_SHR_S],
  [Op.XOR, W.I64_XOR],
  [Op.OR, W.I64_OR],
  [Op.AND, W.I64_AND],
  [Op.MUL, W.I64_MUL],
  [Op.ROL, W.I64_ROTL],
  [Op.ROR, W.I64_ROTR],
]);
/** Register-immediate operations that are one wasm i64 instruction. */
const RI64 = new Map<Op, W>([
  [Op.ADDI, W.I64_ADD],
  [Op.XORI, W.I64_XOR],
  [Op.ORI, W.I64_OR],
  [Op.ANDI, W.I64_AND],
  [Op.SLLI, W.I64_SHL],
  [Op.SRLI, W.I64_SHR_U],
  [Op.SRAI, W.I64_SHR_S],
  [Op.RORI, W.I64_ROTR],
]);
/** 32-bit register-register operations, result sign-extended (wasm masks shift counts like RV). */
const RR32 = new Map<Op, W>([
  [Op.ADDW, W.I32_ADD],
  [Op.SUBW, W.I32_SUB],
  [Op.SLLW, W.I32_SHL],
  [Op.SRLW, W.I32_SHR_U],
  [Op.SRAW, W.I32_SHR_S],
  [Op.MULW, W.I32_MUL],
  [Op.ROLW, W.I32_ROTL],
  [Op.RORW, W.I32_ROTR],
]);
const RI32 = new Map<Op, W>([
  [Op.ADDIW, W.I32_ADD],
  [Op.SLLIW, W.I32_SHL],
  [Op.SRLIW, W.I32_SHR_U],
  [Op.SRAIW, W.I32_SHR_S],
  [Op.RORIW, W.I32_ROTR],
]);
const HELPER_RR = new Map<Op, Helper>([
  [Op.DIV, Helper.DIV],
  [Op.DIVU, Helper.DIVU],
  [Op.REM, Helper.REM],
  [Op.REMU, Helper.REMU],
  [Op.DIVW, Helper.DIVW],
  [Op.DIVUW, Helper.DIVUW],
  [Op.REMW, Helper.REMW],
  [Op.REMUW, Helper.REMUW],
]);

/** The tables above indexed by operation (array reads: this runs for every instruction). */
function byOp<T>(table: Map<Op, T>): (T | undefined)[] {
  const out = new Array<T | undefined>(Op.COUNT).fill(undefined);
  for (const [op, value] of table) out[op] = value;
  return out;
}
const RR64_BY_OP = byOp(RR64);
const RI64_BY_OP = byOp(RI64);
const RR32_BY_OP = byOp(RR32);
const RI32_BY_OP = byOp(RI32);
const HELPER_RR_BY_OP = byOp(HELPER_RR);
const LOADS_BY_OP = byOp(LOADS);
const STORES_BY_OP = byOp(STORES);
const BRANCHES_BY_OP = byOp(BRANCHES);

/**
 * Before a 32-bit instruction at offset 0xffe, whose upper halfword lies in the next virtual page:
 * run it here only when the fetch TLB of the current privilege maps that page (so it may be
 * fetched from: a TLB entry exists only for an executable page whose PMP check passed) and its
 * first halfword is still the one it was translated with (`second`); else leave for the
 * interpreter, which fetches the two halves as the guest's mappings now say (and raises the
 * fetch fault, if any, with its tval). The check is of the bytes, not of which page they are in,
 * so a write to the next page needs no invalidation of this one.
 */
function emitStraddleGuard(f: FunctionWriter, l: Locals, second: number, leaveIfTrue: () => void): void {
  // The next page's number (the dispatcher's tag: pc >> 12, signed) and fetch TLB entry.
  f.get(l.vb);
  f.i64(12);
  f.op(W.I64_SHR_S);
  f.i64(1);
  f.op(W.I64_ADD);
  f.tee(l.tmp);
  f.op(W.I32_WRAP_I64);
  f.i32(TLB_ENTRIES - 1);
  f.op(W.I32_AND);
  f.get(l.state);
  f.mem(W.I32_LOAD, HART_STATE.FETCH_SET, 2);
  f.op(W.I32_ADD);
  f.set(l.ea);
  // The state offset of the entry's field of 2^shift bytes (the tags are f64, the offsets i32).
  const entry = (shift: number) =>
    seq(f.get(l.ea), f.i32(shift), f.op(W.I32_SHL), f.get(l.state), f.op(W.I32_ADD));
  entry(3);
  f.mem(W.F64_LOAD, HART_STATE.TLB_EXEC_TAG, 3);
  f.get(l.tmp);
  f.op(W.F64_CONVERT_I64_S);
  f.op(W.F64_NE);
  leaveIfTrue();
  // Its first halfword: RAM offset of the page (TLB_EXEC_OFFSET) + where RAM starts.
  entry(2);
  f.mem(W.I32_LOAD, HART_STATE.TLB_EXEC_OFFSET, 2);
  f.get(l.state);
  f.mem(W.I32_LOAD, HART_STATE.RAM_OFFSET, 2);
  f.op(W.I32_ADD);
  f.mem(W.I32_LOAD16_U, 0, 1);
  f.i32(second);
  f.op(W.I32_NE);
  leaveIfTrue();
}

function emitInstruction(
  e: Emitter,
  ins: Instruction,
  j: number,
  leaveBefore: (j: number, off: number) => void,
  l: Locals,
  goTo: (off: number, last?: boolean) => void,
  goToComputed: () => void,
): void {
  const { f, reg, setReg } = e;
  const { d, off } = ins;
  /** Leave before this instruction when the i32 on the stack is nonzero. */
  const leaveIfTrue = () => {
    f.open(W.IF);
    leaveBefore(j, off);
    f.end();
  };
  if (ins.second >= 0) emitStraddleGuard(f, l, ins.second, leaveIfTrue);
  const { rd, rs1, rs2, imm } = d;
  const zext32 = (r: number) => (reg(r), f.i64(0xffffffff), f.op(W.I64_AND));
  let w: W | undefined;
  if ((w = RR64_BY_OP[d.op]) !== undefined) {
    // mv written as add/or/xor with x0: a copy (V8's baseline compiler folds no constants).
    if (rs2 === 0 && (w === W.I64_ADD || w === W.I64_OR || w === W.I64_XOR || w === W.I64_SUB)) reg(rs1);
    else if (rs1 === 0 && (w === W.I64_ADD || w === W.I64_OR || w === W.I64_XOR)) reg(rs2);
    else {
      reg(rs1);
      reg(rs2);
      f.op(w);
    }
    setReg(rd);
    return;
  }
  if ((w = RI64_BY_OP[d.op]) !== undefined) {
    // li (addi/ori/xori from x0) is a constant, mv (addi 0) a copy: common, and not folded.
    const identity = w === W.I64_ADD || w === W.I64_OR || w === W.I64_XOR;
    if (rs1 === 0) f.i64(identity ? imm : 0);
    else if (imm === 0 && w !== W.I64_AND) reg(rs1);
    else {
      reg(rs1);
      f.i64(imm);
      f.op(w);
    }
    setReg(rd);
    return;
  }
  if ((w = RR32_BY_OP[d.op]) !== undefined) {
    reg(rs1);
    f.op(W.I32_WRAP_I64);
    reg(rs2);
    f.op(W.I32_WRAP_I64);
    f.op(w);
    f.op(W.I64_EXTEND_I32_S);
    setReg(rd);
    return;
  }
  if ((w = RI32_BY_OP[d.op]) !== undefined) {
    reg(rs1);
    f.op(W.I32_WRAP_I64);
    f.i32(imm);
    f.op(w);
    f.op(W.I64_EXTEND_I32_S);
    setReg(rd);
    return;
  }
  if (d.op === Op.MULHU || d.op === Op.MULH || d.op === Op.MULHSU) {
    emitMulHigh(e, l, d);
    return;
  }
  const helper = HELPER_RR_BY_OP[d.op];
  if (helper !== undefined) {
    reg(rs1);
    reg(rs2);
    f.call(l.helpers.use(helper));
    setReg(rd);
    return;
  }
  const load = LOADS_BY_OP[d.op];
  if (load !== undefined) {
    emitPlainAddress(e, l, rs1, imm, load[0], false, () => leaveBefore(j, off));
    f.mem(load[1], 0, 0);
    setReg(rd);
    return;
  }
  const store = STORES_BY_OP[d.op];
  if (store !== undefined) {
    emitPlainAddress(e, l, rs1, imm, store[0], true, () => leaveBefore(j, off));
    reg(rs2);
    f.mem(store[1], 0, 0);
    return;
  }
  if (d.op === Op.LR_W || d.op === Op.LR_D || d.op === Op.SC_W || d.op === Op.SC_D) {
    emitReservation(e, l, d, () => leaveBefore(j, off));
    return;
  }
  if (d.op >= Op.AMOSWAP_W && d.op <= Op.AMOMAXU_D) {
    emitAtomic(e, l, d, () => leaveBefore(j, off));
    return;
  }
  if (d.op === Op.FP) {
    const native = emitNativeFloat(e, l, d);
    // Computational F/D instructions run in the interpreter's float unit (exact flags and
    // rounding), called from here; the integer registers it may read or write (rs1, rd) are
    // passed through memory. It refuses, changing nothing, when the instruction is illegal.
    const op = d.aux as FpOp;
    if (fpReadsInteger(op)) e.flush(rs1);
    f.get(l.state);
    f.i32(d.aux | (rd << 8) | (rs1 << 16) | (rs2 << 24));
    f.i32(d.rs3 | (d.rm << 8));
    f.call(IMPORT_FP);
    leaveIfTrue();
    if (fpWritesInteger(op)) e.reload(rd);
    if (native) f.end(); // fpdone
    l.fp.fsDirty = true;
    l.fp.fsOn = true;
    return;
  }
  if (d.op === Op.FLD || d.op === Op.FLW || d.op === Op.FSD || d.op === Op.FSW) {
    emitFloatAccess(e, l, d, () => leaveBefore(j, off));
    return;
  }
  if (d.op === Op.CBO_ZERO) {
    // Zicboz: zero the 64-byte block holding rs1 when CBO.ZERO is allowed here (the hart
    // mirrors menvcfg/senvcfg.CBZE for the current privilege) and the block is writable RAM.
    f.get(l.state);
    f.mem(W.I32_LOAD, HART_STATE.CBO_ZERO_OK, 2);
    f.op(W.I32_EQZ);
    leaveIfTrue();
    emitAccess(e, l, rs1, 0, 64, true, () => leaveBefore(j, off), true, -64);
    f.set(l.ea);
    for (let k = 0; k < 64; k += 8) {
      f.get(l.ea);
      f.i64(0);
      f.mem(W.I64_STORE, k, 0);
    }
    return;
  }
  if (readsTime(d)) {
    // rdtime (the vDSO's clock_gettime, the kernel's timekeeping): the runtime reads the clock;
    // -1 means the interpreter must (see IMPORT_TIME).
    f.get(l.state);
    f.call(IMPORT_TIME);
    f.op(W.I64_TRUNC_F64_S);
    f.tee(l.tmp);
    f.i64(0);
    f.op(W.I64_LT_S);
    leaveIfTrue();
    f.get(l.tmp);
    setReg(rd);
    return;
  }
  if (d.op === Op.SFENCE_VMA && rs1 !== 0) {
    // sfence.vma of one page (Linux's flush_tlb_page), through an import instead of an exit.
    // Illegal in U-mode and, with mstatus.TVM, in S-mode: the U data set, or TVM, leaves (also
    // M-mode with MPRV and TVM, which the interpreter then does).
    f.get(l.dataSet);
    f.op(W.I32_EQZ);
    f.get(l.state);
    f.mem(W.I32_LOAD, HART_STATE.MSTATUS, 2);
    f.i32(MSTATUS_TVM);
    f.op(W.I32_AND);
    f.op(W.I32_OR);
    leaveIfTrue();
    f.get(l.state);
    reg(rs1);
    f.op(W.I32_WRAP_I64);
    reg(rs1);
    f.i64(32);
    f.op(W.I64_SHR_U);
    f.op(W.I32_WRAP_I64);
    f.call(IMPORT_SFENCE);
    // Everything was dropped (the address lay in a cached superpage), or this page's own
    // translation may be stale: continue in the interpreter after the instruction.
    reg(rs1);
    f.i64(-4096);
    f.op(W.I64_AND);
    f.get(l.vb);
    f.op(W.I64_EQ);
    f.op(W.I32_OR);
    f.open(W.IF);
    leaveBefore(j + 1, off + d.length);
    f.end();
    return;
  }
  if (inlineSstatus(d)) {
    const sets = d.op === Op.CSRRS || d.op === Op.CSRRSI;
    const immediate = d.op === Op.CSRRCI || d.op === Op.CSRRSI;
    // sstatus is accessible from S-mode up: the U data set means U (or M with MPRV): leave.
    // So does a register mask with other bits than SIE.
    f.get(l.dataSet);
    f.op(W.I32_EQZ);
    if (!immediate && rs1 !== 0) {
      reg(rs1);
      f.i64(~MSTATUS_SIE);
      f.op(W.I64_AND);
      f.op(W.I64_EQZ);
      f.op(W.I32_EQZ);
      f.op(W.I32_OR);
    }
    leaveIfTrue();
    f.get(l.state);
    f.mem(W.I32_LOAD, HART_STATE.MSTATUS, 2);
    f.set(l.ea);
    const mask = () => {
      if (immediate) f.i32(rs1);
      else {
        reg(rs1);
        f.op(W.I32_WRAP_I64);
      }
    };
    if (sets && rs1 !== 0) {
      // Setting SIE (it was clear, the mask has it) while an S interrupt is pending and enabled:
      // the interpreter does it and ends the slice, so the interrupt is taken right after.
      mask();
      f.get(l.ea);
      f.i32(-1);
      f.op(W.I32_XOR);
      f.op(W.I32_AND);
      f.op(W.I32_EQZ);
      f.op(W.I32_EQZ);
      f.get(l.state);
      f.mem(W.I32_LOAD, HART_STATE.S_INTERRUPTS, 2);
      f.op(W.I32_AND);
      leaveIfTrue();
    }
    // rd = sstatus: the low bits it shows, UXL = 2 (bits 33:32), SD (bit 63) when FS is Dirty.
    f.get(l.ea);
    f.i32(SSTATUS_MASK);
    f.op(W.I32_AND);
    f.op(W.I64_EXTEND_I32_U);
    f.i64(2n << 32n);
    f.op(W.I64_OR);
    f.i64(1n << 63n);
    f.i64(0);
    f.get(l.ea);
    f.i32(MSTATUS_FS);
    f.op(W.I32_AND);
    f.i32(MSTATUS_FS);
    f.op(W.I32_EQ);
    f.op(W.SELECT);
    f.op(W.I64_OR);
    // mstatus |= mask or &= ~mask (a write only when rs1/uimm is not zero; the mask is SIE or 0)
    if (rs1 !== 0) {
      f.get(l.state);
      f.get(l.ea);
      mask();
      if (sets) f.op(W.I32_OR);
      else {
        f.i32(-1);
        f.op(W.I32_XOR);
        f.op(W.I32_AND);
      }
      f.mem(W.I32_STORE, HART_STATE.MSTATUS, 2);
    }
    setReg(rd);
    return;
  }
  const branch = BRANCHES_BY_OP[d.op];
  if (branch !== undefined) {
    reg(rs1);
    reg(rs2);
    f.op(branch);
    f.open(W.IF);
    goTo(off + imm);
    f.end();
    goTo(off + d.length, true);
    return;
  }
  switch (d.op) {
    case Op.LUI:
      f.i64(imm);
      setReg(rd);
      return;
    case Op.AUIPC:
      f.get(l.vb);
      f.i64(off + imm);
      f.op(W.I64_ADD);
      setReg(rd);
      return;
    case Op.JAL:
      f.get(l.vb);
      f.i64(off + d.length);
      f.op(W.I64_ADD);
      setReg(rd);
      goTo(off + imm, true);
      return;
    case Op.JALR:
      // The target is read before rd is written (rd may equal rs1).
      reg(rs1);
      f.i64(imm);
      f.op(W.I64_ADD);
      f.i64(-2);
      f.op(W.I64_AND);
      f.set(l.epc);
      f.get(l.vb);
      f.i64(off + d.length);
      f.op(W.I64_ADD);
      setReg(rd);
      goToComputed();
      return;
    case Op.SLTI:
    case Op.SLTIU:
      reg(rs1);
      f.i64(imm);
      f.op(d.op === Op.SLTI ? W.I64_LT_S : W.I64_LT_U);
      f.op(W.I64_EXTEND_I32_U);
      setReg(rd);
      return;
    case Op.SLT:
    case Op.SLTU:
      reg(rs1);
      reg(rs2);
      f.op(d.op === Op.SLT ? W.I64_LT_S : W.I64_LT_U);
      f.op(W.I64_EXTEND_I32_U);
      setReg(rd);
      return;
    case Op.FENCE:
      // One hart at a time shares one memory: ordering is already sequential.
      return;
    case Op.FENCE_I:
      // Nothing to do: a store to a page with translated code drops the translation at once
      // (jit.ts), so no stale code can be fetched after it, FENCE.I or not.
      return;
    case Op.ADD_UW:
      zext32(rs1);
      reg(rs2);
      f.op(W.I64_ADD);
      setReg(rd);
      return;
    case Op.SH1ADD:
    case Op.SH2ADD:
    case Op.SH3ADD:
      reg(rs1);
      f.i64(d.op - Op.SH1ADD + 1);
      f.op(W.I64_SHL);
      reg(rs2);
      f.op(W.I64_ADD);
      setReg(rd);
      return;
    case Op.SH1ADD_UW:
    case Op.SH2ADD_UW:
    case Op.SH3ADD_UW:
      zext32(rs1);
      f.i64(d.op - Op.SH1ADD_UW + 1);
      f.op(W.I64_SHL);
      reg(rs2);
      f.op(W.I64_ADD);
      setReg(rd);
      return;
    case Op.SLLI_UW:
      zext32(rs1);
      f.i64(imm);
      f.op(W.I64_SHL);
      setReg(rd);
      return;
    case Op.ANDN:
    case Op.ORN:
    case Op.XNOR:
      reg(rs1);
      reg(rs2);
      if (d.op !== Op.XNOR) {
        f.i64(-1);
        f.op(W.I64_XOR);
      }
      f.op(d.op === Op.ANDN ? W.I64_AND : d.op === Op.ORN ? W.I64_OR : W.I64_XOR);
      if (d.op === Op.XNOR) {
        f.i64(-1);
        f.op(W.I64_XOR);
      }
      setReg(rd);
      return;
    case Op.CLZ:
    case Op.CTZ:
    case Op.CPOP:
      reg(rs1);
      f.op(d.op === Op.CLZ ? W.I64_CLZ : d.op === Op.CTZ ? W.I64_CTZ : W.I64_POPCNT);
      setReg(rd);
      return;
    case Op.CLZW:
    case Op.CTZW:
    case Op.CPOPW:
      reg(rs1);
      f.op(W.I32_WRAP_I64);
      f.op(d.op === Op.CLZW ? W.I32_CLZ : d.op === Op.CTZW ? W.I32_CTZ : W.I32_POPCNT);
      f.op(W.I64_EXTEND_I32_U);
      setReg(rd);
      return;
    case Op.MAX:
    case Op.MAXU:
    case Op.MIN:
    case Op.MINU:
      reg(rs1);
      reg(rs2);
      reg(rs1);
      reg(rs2);
      f.op(
        d.op === Op.MAX
          ? W.I64_GT_S
          : d.op === Op.MAXU
            ? W.I64_GT_U
            : d.op === Op.MIN
              ? W.I64_LT_S
              : W.I64_LT_U,
      );
      f.op(W.SELECT);
      setReg(rd);
      return;
    case Op.SEXT_B:
    case Op.SEXT_H:
      reg(rs1);
      f.op(d.op === Op.SEXT_B ? W.I64_EXTEND8_S : W.I64_EXTEND16_S);
      setReg(rd);
      return;
    case Op.ZEXT_H:
      reg(rs1);
      f.i64(0xffff);
      f.op(W.I64_AND);
      setReg(rd);
      return;
    case Op.ORC_B:
    case Op.REV8:
      reg(rs1);
      f.call(l.helpers.use(d.op === Op.ORC_B ? Helper.ORC_B : Helper.REV8));
      setReg(rd);
      return;
    case Op.BCLR:
    case Op.BINV:
    case Op.BSET:
    case Op.BCLRI:
    case Op.BINVI:
    case Op.BSETI: {
      const immediate = d.op === Op.BCLRI || d.op === Op.BINVI || d.op === Op.BSETI;
      reg(rs1);
      if (immediate) f.i64(1n << BigInt(imm & 63));
      else {
        f.i64(1);
        reg(rs2);
        f.op(W.I64_SHL);
      }
      if (d.op === Op.BCLR || d.op === Op.BCLRI) {
        f.i64(-1);
        f.op(W.I64_XOR);
        f.op(W.I64_AND);
      } else f.op(d.op === Op.BINV || d.op === Op.BINVI ? W.I64_XOR : W.I64_OR);
      setReg(rd);
      return;
    }
    case Op.BEXT:
    case Op.BEXTI:
      reg(rs1);
      if (d.op === Op.BEXTI) f.i64(imm & 63);
      else reg(rs2);
      f.op(W.I64_SHR_U);
      f.i64(1);
      f.op(W.I64_AND);
      setReg(rd);
      return;
    case Op.CZERO_EQZ:
    case Op.CZERO_NEZ:
      // czero.eqz: rs2 == 0 ? 0 : rs1; czero.nez: rs2 != 0 ? 0 : rs1.
      if (d.op === Op.CZERO_EQZ) {
        f.i64(0);
        reg(rs1);
      } else {
        reg(rs1);
        f.i64(0);
      }
      reg(rs2);
      f.op(W.I64_EQZ);
      f.op(W.SELECT);
      setReg(rd);
      return;
    default:
      throw new Error(`jit: no translation for op ${d.op} (${d.name})`);
  }
}

const SIGN = -(1n << 63n);
/** Bounds of the FMUL fast path: Dekker's product is exact when no part under- or overflows. */
const MUL_MIN_RESULT = 2 ** -968;
const MUL_MAX_INPUT = 2 ** 995;
/** The high partial product ah*bh may round up past DBL_MAX when the result is this large. */
const MUL_MAX_RESULT = 2 ** 1023;
/** FSQRT fast path: the root's square then stays inside Dekker's bounds. */
const SQRT_MIN_RESULT = 2 ** -480;
const SQRT_MAX_RESULT = 2 ** 511;
/** FMA fast path: results this large or larger have a normal half-ulp far from underflow. */
const FMA_MIN_RESULT = 2 ** -900;
/** |z + w| must be below the tie distance times this (1 - 2^-50): covers rounding z + w. */
const FMA_TIE_MARGIN = 1 - 2 ** -50;

/**
 * Native code for the commonest double-precision operations when the result needs no rounding
 * mode but RNE and raises no flag but inexact: sign injection and moves (no flags at all),
 * comparisons of non-NaN values, and add/sub/mul with finite, non-tiny results, whose inexact flag
 * comes from the exact error term (TwoSum; Dekker's product). Everything else (NaNs, infinities,
 * overflow, underflow, other rounding modes, FS not Dirty) falls to the float-unit call emitted
 * after this. Returns true when it opened the blocks 'fpdone' (left open for the caller) and
 * 'fpslow' (closed here, so the caller's code is the slow path).
 */
function emitNativeFloat(e: Emitter, l: Locals, d: DecodedInstruction): boolean {
  const { f, reg, setReg } = e;
  const op = d.aux as FpOp;
  const arith =
    op === FpOp.FADD_D ||
    op === FpOp.FSUB_D ||
    op === FpOp.FMUL_D ||
    op === FpOp.FDIV_D ||
    op === FpOp.FSQRT_D ||
    op === FpOp.FMADD_D ||
    op === FpOp.FMSUB_D ||
    op === FpOp.FNMSUB_D ||
    op === FpOp.FNMADD_D;
  const simple =
    op === FpOp.FSGNJ_D ||
    op === FpOp.FSGNJN_D ||
    op === FpOp.FSGNJX_D ||
    op === FpOp.FMV_X_D ||
    op === FpOp.FMV_D_X ||
    op === FpOp.FEQ_D ||
    op === FpOp.FLT_D ||
    op === FpOp.FLE_D;
  // Conversions from integers: exact (no flag, no rounding) for 32-bit sources, and for 64-bit
  // ones below 2^53 in magnitude; the rounding mode must still be valid (else illegal).
  const convert =
    op === FpOp.FCVT_D_W || op === FpOp.FCVT_D_WU || op === FpOp.FCVT_D_L || op === FpOp.FCVT_D_LU;
  const rounded = arith || convert;
  if (!simple && !(rounded && (d.rm === 0 || d.rm === 7))) return false;
  const fr = (r: number) => HART_STATE.FLOAT_REGS + 8 * r;
  const [a, b, r, t] = l.fl();
  f.open(W.BLOCK, 'fpdone');
  f.open(W.BLOCK, 'fpslow');
  if (!l.fp.fsDirty) {
    f.get(l.state);
    f.mem(W.I32_LOAD, HART_STATE.FS_DIRTY, 2);
    f.op(W.I32_EQZ);
    f.brIf('fpslow');
  }
  if (rounded && d.rm === 7) {
    // frm: only RNE here (read once per block; it changes only by CSR writes, which end blocks)
    if (!l.fp.rne) {
      f.get(l.state);
      f.mem(W.I32_LOAD, HART_STATE.FP_CONTROL + 4, 2);
      f.op(W.I32_EQZ);
      f.tee(l.rneLocal());
      l.fp.rne = true;
    } else f.get(l.rneLocal());
    f.op(W.I32_EQZ);
    f.brIf('fpslow');
  }
  const loadF = (reg: number, into: number) => {
    f.get(l.state);
    f.mem(W.F64_LOAD, fr(reg), 3);
    f.set(into);
  };
  const storeResult = () => {
    f.get(l.state);
    f.get(r);
    f.mem(W.F64_STORE, fr(d.rd), 3);
  };
  /** Set r to the value on the stack; to the slow path unless it is finite (r - r is NaN for
   * NaN and infinities), which leaves NaNs, infinities and overflow to the float unit's flags. */
  const slowUnlessFinite = () => {
    f.tee(r);
    f.get(r);
    f.op(W.F64_SUB);
    f.f64(0);
    f.op(W.F64_EQ);
    f.op(W.I32_EQZ);
    f.brIf('fpslow');
  };
  const inexact = () => {
    // fflags |= NX
    f.get(l.state);
    f.get(l.state);
    f.mem(W.I32_LOAD, HART_STATE.FP_CONTROL, 2);
    f.i32(1);
    f.op(W.I32_OR);
    f.mem(W.I32_STORE, HART_STATE.FP_CONTROL, 2);
  };
  /** Raise NX unless the error term on the stack is zero. */
  const inexactUnlessZero = () => {
    f.f64(0);
    f.op(W.F64_NE);
    f.open(W.IF);
    inexact();
    f.end();
  };
  /** Push (i32) whether low <= |x| < high (either bound may be left out); false for NaN. */
  const absIn = (x: number, low: number | undefined, high: number | undefined) => {
    if (low !== undefined) {
      f.get(x);
      f.op(W.F64_ABS);
      f.f64(low);
      f.op(W.F64_GE);
    }
    if (high !== undefined) {
      f.get(x);
      f.op(W.F64_ABS);
      f.f64(high);
      f.op(W.F64_LT);
      if (low !== undefined) f.op(W.I32_AND);
    }
  };
  /** To the slow path unless the i32 on the stack is true. */
  const slowUnless = () => {
    f.op(W.I32_EQZ);
    f.brIf('fpslow');
  };
  /**
   * When fflags.NX is already set (it is sticky: after a program's first inexact operation it
   * usually stays set), the correctly rounded wasm result in r is all that is needed unless
   * another flag may arise: finish here if r is finite and normal (no overflow, underflow,
   * division by zero or invalid operation can have produced it). As QEMU's hardfloat does.
   */
  const doneIfAlreadyInexact = () => {
    f.get(l.state);
    f.mem(W.I32_LOAD, HART_STATE.FP_CONTROL, 2);
    f.i32(1);
    f.op(W.I32_AND);
    absIn(r, 2 ** -1021, Infinity); // 2^-1022 could still be tiny before rounding
    f.op(W.I32_AND);
    f.open(W.IF);
    storeResult();
    f.br('fpdone');
    f.end();
  };
  const [, , , , ah, al, bh, bl, c, p, e2, s2, t2, u2, w2, z2] = l.fl();
  /** Leave for the slow path unless x*y (already rounded into `prod`) splits exactly (Dekker):
   * |prod| in [2^-968, 2^1023), |x| and |y| below 2^995. NaN fails every comparison. */
  const slowUnlessExactProduct = (x: number, y: number, prod: number) => {
    absIn(prod, MUL_MIN_RESULT, MUL_MAX_RESULT);
    absIn(x, undefined, MUL_MAX_INPUT);
    f.op(W.I32_AND);
    absIn(y, undefined, MUL_MAX_INPUT);
    f.op(W.I32_AND);
    slowUnless();
  };
  /** Push the exact error x*y - prod (Veltkamp split into 26-bit halves, then Dekker:
   * ((xh*yh - prod) + xh*yl + xl*yh) + xl*yl). */
  const productError = (x: number, y: number, prod: number) => {
    const split = (v: number, hi: number, lo: number) => {
      f.f64(134217729);
      f.get(v);
      f.op(W.F64_MUL);
      f.tee(t);
      f.get(t);
      f.get(v);
      f.op(W.F64_SUB);
      f.op(W.F64_SUB);
      f.tee(hi);
      f.get(v);
      f.get(hi);
      f.op(W.F64_SUB);
      f.set(lo);
      f.op(W.DROP);
    };
    split(x, ah, al);
    split(y, bh, bl);
    f.get(ah);
    f.get(bh);
    f.op(W.F64_MUL);
    f.get(prod);
    f.op(W.F64_SUB);
    f.get(ah);
    f.get(bl);
    f.op(W.F64_MUL);
    f.op(W.F64_ADD);
    f.get(al);
    f.get(bh);
    f.op(W.F64_MUL);
    f.op(W.F64_ADD);
    f.get(al);
    f.get(bl);
    f.op(W.F64_MUL);
    f.op(W.F64_ADD);
  };
  /** Push the exact error x + y - sum, sum = round(x + y) (Knuth's TwoSum:
   * (x - (sum - bv)) + (y - bv), bv = sum - x). */
  const sumError = (x: number, y: number, sum: number) => {
    f.get(sum);
    f.get(x);
    f.op(W.F64_SUB);
    f.set(t); // bv
    f.get(x);
    f.get(sum);
    f.get(t);
    f.op(W.F64_SUB);
    f.op(W.F64_SUB);
    f.get(y);
    f.get(t);
    f.op(W.F64_SUB);
    f.op(W.F64_ADD);
  };
  /** Set `sum` = x + y rounded and `err` = the exact error. */
  const twoSum = (x: number, y: number, sum: number, err: number) => {
    f.get(x);
    f.get(y);
    f.op(W.F64_ADD);
    f.set(sum);
    sumError(x, y, sum);
    f.set(err);
  };
  /**
   * r = round(a*b + c), RNE, without a fused multiply-add in wasm: a*b = p + e exactly
   * (Dekker), p + c = s + t2 exactly, t2 + e = u + w exactly, s + u = r + z exactly (TwoSum), so
   * the exact result is r + (z + w). r is the correctly rounded result when z + w lies strictly
   * inside half the spacing of doubles around r (a quarter of r's ulp when r is a power of two,
   * whose lower neighbour is closer), checked with a margin that covers the rounding of z + w;
   * the rare near-ties, and zero, tiny or huge values, take the slow path. Inexact iff z + w != 0.
   */
  const emitNativeFma = (fma: FpOp) => {
    loadF(d.rs1, a);
    loadF(d.rs2, b);
    loadF(d.rs3, c);
    if (fma === FpOp.FNMSUB_D || fma === FpOp.FNMADD_D) {
      // -(a*b): negate a, exactly.
      f.get(a);
      f.op(W.F64_NEG);
      f.set(a);
    }
    if (fma === FpOp.FMSUB_D || fma === FpOp.FNMADD_D) {
      f.get(c);
      f.op(W.F64_NEG);
      f.set(c);
    }
    f.get(a);
    f.get(b);
    f.op(W.F64_MUL);
    f.set(p);
    slowUnlessExactProduct(a, b, p);
    productError(a, b, p);
    f.set(e2);
    twoSum(p, c, s2, t2);
    // s finite and not huge (c NaN or infinite fails here too)
    absIn(s2, undefined, MUL_MAX_RESULT);
    slowUnless();
    twoSum(t2, e2, u2, w2);
    twoSum(s2, u2, r, z2);
    absIn(r, FMA_MIN_RESULT, MUL_MAX_RESULT);
    slowUnless();
    // zz = z + w (into u2); the tie distance (into t2): half an ulp of r = 2^(exponent - 53),
    // made from r's exponent field; a quarter when r's significand is zero.
    f.get(z2);
    f.get(w2);
    f.op(W.F64_ADD);
    f.set(u2);
    f.get(r);
    f.op(W.I64_REINTERPRET_F64);
    f.i64(0x7ff0000000000000n);
    f.op(W.I64_AND);
    f.i64(53n << 52n);
    f.op(W.I64_SUB);
    f.op(W.F64_REINTERPRET_I64);
    f.f64(0.5);
    f.f64(1);
    f.get(r);
    f.op(W.I64_REINTERPRET_F64);
    f.i64(0xfffffffffffffn);
    f.op(W.I64_AND);
    f.op(W.I64_EQZ);
    f.op(W.SELECT);
    f.op(W.F64_MUL);
    f.f64(FMA_TIE_MARGIN);
    f.op(W.F64_MUL);
    f.set(t2);
    f.get(u2);
    f.op(W.F64_ABS);
    f.get(t2);
    f.op(W.F64_LT);
    slowUnless();
    f.get(u2);
    inexactUnlessZero();
  };
  switch (op) {
    case FpOp.FSGNJ_D:
    case FpOp.FSGNJN_D:
    case FpOp.FSGNJX_D:
      f.get(l.state);
      f.get(l.state);
      f.mem(W.I64_LOAD, fr(d.rs1), 3);
      if (op !== FpOp.FSGNJX_D) {
        f.i64(~SIGN);
        f.op(W.I64_AND);
      }
      f.get(l.state);
      f.mem(W.I64_LOAD, fr(d.rs2), 3);
      if (op === FpOp.FSGNJN_D) {
        f.i64(-1);
        f.op(W.I64_XOR);
      }
      f.i64(SIGN);
      f.op(W.I64_AND);
      f.op(op === FpOp.FSGNJX_D ? W.I64_XOR : W.I64_OR);
      f.mem(W.I64_STORE, fr(d.rd), 3);
      break;
    case FpOp.FMV_X_D:
      f.get(l.state);
      f.mem(W.I64_LOAD, fr(d.rs1), 3);
      setReg(d.rd);
      break;
    case FpOp.FCVT_D_W:
    case FpOp.FCVT_D_WU:
      f.get(l.state);
      reg(d.rs1);
      f.op(W.I32_WRAP_I64);
      f.op(op === FpOp.FCVT_D_W ? W.F64_CONVERT_I32_S : W.F64_CONVERT_I32_U);
      f.mem(W.F64_STORE, fr(d.rd), 3);
      break;
    case FpOp.FCVT_D_L:
    case FpOp.FCVT_D_LU:
      // |x| < 2^53 (signed: x + 2^53 < 2^54 unsigned; unsigned: x < 2^53) converts exactly.
      reg(d.rs1);
      if (op === FpOp.FCVT_D_L) {
        f.i64(2 ** 53);
        f.op(W.I64_ADD);
        f.i64(2 ** 54);
      } else f.i64(2 ** 53);
      f.op(W.I64_GE_U);
      f.brIf('fpslow');
      f.get(l.state);
      reg(d.rs1);
      f.op(op === FpOp.FCVT_D_L ? W.F64_CONVERT_I64_S : W.F64_CONVERT_I64_U);
      f.mem(W.F64_STORE, fr(d.rd), 3);
      break;
    case FpOp.FMV_D_X:
      f.get(l.state);
      reg(d.rs1);
      f.mem(W.I64_STORE, fr(d.rd), 3);
      break;
    case FpOp.FEQ_D:
    case FpOp.FLT_D:
    case FpOp.FLE_D:
      // NaN operands set flags (NV for flt/fle, for signalling NaNs with feq): slow path.
      loadF(d.rs1, a);
      loadF(d.rs2, b);
      f.get(a);
      f.get(a);
      f.op(W.F64_NE);
      f.get(b);
      f.get(b);
      f.op(W.F64_NE);
      f.op(W.I32_OR);
      f.brIf('fpslow');
      f.get(a);
      f.get(b);
      f.op(op === FpOp.FEQ_D ? W.F64_EQ : op === FpOp.FLT_D ? W.F64_LT : W.F64_LE);
      f.op(W.I64_EXTEND_I32_U);
      setReg(d.rd);
      break;
    case FpOp.FADD_D:
    case FpOp.FSUB_D:
      loadF(d.rs1, a);
      loadF(d.rs2, b);
      if (op === FpOp.FSUB_D) {
        f.get(b);
        f.op(W.F64_NEG);
        f.set(b);
      }
      f.get(a);
      f.get(b);
      f.op(W.F64_ADD);
      slowUnlessFinite();
      doneIfAlreadyInexact();
      // Inexact iff the TwoSum error is not zero. A sum that is tiny is exact, so underflow
      // never applies.
      sumError(a, b, r);
      inexactUnlessZero();
      storeResult();
      break;
    case FpOp.FMUL_D:
      loadF(d.rs1, a);
      loadF(d.rs2, b);
      f.get(a);
      f.get(b);
      f.op(W.F64_MUL);
      slowUnlessFinite();
      doneIfAlreadyInexact();
      f.get(r);
      f.f64(0);
      f.op(W.F64_EQ);
      f.open(W.IF);
      // A zero product is exact only with a zero factor (else it underflowed).
      f.get(a);
      f.f64(0);
      f.op(W.F64_EQ);
      f.get(b);
      f.f64(0);
      f.op(W.F64_EQ);
      f.op(W.I32_OR);
      f.op(W.I32_EQZ);
      f.brIf('fpslow');
      f.else();
      slowUnlessExactProduct(a, b, r);
      productError(a, b, r);
      inexactUnlessZero();
      f.end();
      storeResult();
      break;
    case FpOp.FDIV_D:
    case FpOp.FSQRT_D:
      // The quotient or root is correctly rounded (IEEE 754, as wasm's f64.div and f64.sqrt);
      // it is exact iff multiplying back gives the operand exactly (Dekker's product). Zero,
      // tiny or huge results, NaN and infinities (division by zero, invalid) take the slow path.
      loadF(d.rs1, a);
      if (op === FpOp.FDIV_D) {
        loadF(d.rs2, b);
        f.get(a);
        f.get(b);
        f.op(W.F64_DIV);
        f.set(r);
        doneIfAlreadyInexact();
        f.get(r);
        f.get(b);
        f.op(W.F64_MUL);
        f.set(e2);
        slowUnlessExactProduct(r, b, e2);
        // A tiny quotient may be subnormal (underflow): slow path.
        absIn(r, MUL_MIN_RESULT, undefined);
        slowUnless();
        productError(r, b, e2);
      } else {
        f.get(a);
        f.op(W.F64_SQRT);
        f.set(r);
        doneIfAlreadyInexact();
        absIn(r, SQRT_MIN_RESULT, SQRT_MAX_RESULT);
        slowUnless();
        f.get(r);
        f.get(r);
        f.op(W.F64_MUL);
        f.set(e2);
        productError(r, r, e2);
      }
      // inexact iff product + error != operand, i.e. product != operand or error != 0
      f.f64(0);
      f.op(W.F64_NE);
      f.get(e2);
      f.get(a);
      f.op(W.F64_NE);
      f.op(W.I32_OR);
      f.open(W.IF);
      inexact();
      f.end();
      storeResult();
      break;
    case FpOp.FMADD_D:
    case FpOp.FMSUB_D:
    case FpOp.FNMSUB_D:
    case FpOp.FNMADD_D:
      emitNativeFma(op);
      storeResult();
      break;
  }
  f.br('fpdone');
  f.end(); // fpslow: the float-unit call follows
  return true;
}

/**
 * FLD/FLW/FSD/FSW, as the interpreter runs them: illegal while mstatus.FS is Off (left to the
 * interpreter, which raises it); loads write F state, so they set FS to Dirty (mstatus and its
 * mirror HART_STATE.FS_DIRTY, as the hart's mstatus setter does); stores leave FS as it is
 * (privileged spec 3.1.6.6: Dirty when the state is modified; QEMU alike). Code that only saves
 * F registers with FS Clean, as glibc's setjmp in every busybox ash command, used to leave here
 * on each store: 404K exits in a 100,000-iteration ash loop. FLW NaN-boxes the single
 * (unprivileged spec 21.2).
 */
function emitFloatAccess(e: Emitter, l: Locals, d: DecodedInstruction, leave: () => void): void {
  const { f } = e;
  const load = d.op === Op.FLD || d.op === Op.FLW;
  if (!l.fp.fsOn) {
    f.get(l.state);
    f.mem(W.I32_LOAD, HART_STATE.MSTATUS, 2);
    f.i32(MSTATUS_FS);
    f.op(W.I32_AND);
    f.op(W.I32_EQZ);
    f.open(W.IF);
    leave();
    f.end();
    l.fp.fsOn = true;
  }
  const double = d.op === Op.FLD || d.op === Op.FSD;
  if (load) {
    emitPlainAddress(e, l, d.rs1, d.imm, double ? 8 : 4, false, leave);
    f.mem(double ? W.I64_LOAD : W.I64_LOAD32_U, 0, 0);
    if (!double) {
      f.i64(-0x100000000);
      f.op(W.I64_OR);
    }
    f.set(l.tmp);
    f.get(l.state);
    f.get(l.tmp);
    f.mem(W.I64_STORE, HART_STATE.FLOAT_REGS + 8 * d.rd, 3);
    if (!l.fp.fsDirty) {
      f.get(l.state);
      f.get(l.state);
      f.mem(W.I32_LOAD, HART_STATE.MSTATUS, 2);
      f.i32(MSTATUS_FS);
      f.op(W.I32_OR);
      f.mem(W.I32_STORE, HART_STATE.MSTATUS, 2);
      f.get(l.state);
      f.i32(1);
      f.mem(W.I32_STORE, HART_STATE.FS_DIRTY, 2);
      l.fp.fsDirty = true;
    }
    return;
  }
  emitPlainAddress(e, l, d.rs1, d.imm, double ? 8 : 4, true, leave);
  f.get(l.state);
  f.mem(W.I64_LOAD, HART_STATE.FLOAT_REGS + 8 * d.rs2, 3);
  f.mem(double ? W.I64_STORE : W.I64_STORE32, 0, 0);
}

/**
 * LR and SC (A extension 8.2) with the interpreter's semantics (execute-other.ts, as QEMU): LR
 * records the address and the value read; SC succeeds when it targets the reserved address and
 * memory still holds that value; every SC ends the reservation. The reservation lives in the
 * hart's state block, shared with the interpreter. Misaligned or TLB-missing accesses leave for
 * the interpreter before anything changes (it raises the exception or takes the slow path).
 */
function emitReservation(e: Emitter, l: Locals, d: DecodedInstruction, leave: () => void): void {
  const { f, reg, setReg } = e;
  const word = d.op === Op.LR_W || d.op === Op.SC_W;
  const load = word ? W.I64_LOAD32_S : W.I64_LOAD;
  if (d.op === Op.LR_W || d.op === Op.LR_D) {
    emitAccess(e, l, d.rs1, 0, word ? 4 : 8, false, leave, true);
    f.mem(load, 0, 0);
    f.set(l.tmp);
    f.get(l.state);
    f.i32(1);
    f.mem(W.I32_STORE, HART_STATE.RES_VALID, 2);
    f.get(l.state);
    f.get(l.addr);
    f.mem(W.I64_STORE, HART_STATE.RES_ADDRESS, 3);
    f.get(l.state);
    f.get(l.tmp);
    f.mem(W.I64_STORE, HART_STATE.RES_VALUE, 3);
    f.get(l.tmp);
    setReg(d.rd);
    return;
  }
  emitAccess(e, l, d.rs1, 0, word ? 4 : 8, true, leave, true);
  f.set(l.ea);
  f.get(l.state);
  f.mem(W.I32_LOAD, HART_STATE.RES_VALID, 2);
  f.get(l.state);
  f.mem(W.I64_LOAD, HART_STATE.RES_ADDRESS, 3);
  f.get(l.addr);
  f.op(W.I64_EQ);
  f.op(W.I32_AND);
  f.get(l.ea);
  f.mem(load, 0, 0);
  f.get(l.state);
  f.mem(W.I64_LOAD, HART_STATE.RES_VALUE, 3);
  f.op(W.I64_EQ);
  f.op(W.I32_AND);
  f.open(W.IF);
  f.get(l.ea);
  reg(d.rs2);
  f.mem(word ? W.I64_STORE32 : W.I64_STORE, 0, 0);
  f.i64(0);
  f.set(l.tmp);
  f.else();
  f.i64(1);
  f.set(l.tmp);
  f.end();
  f.get(l.state);
  f.i32(0);
  f.mem(W.I32_STORE, HART_STATE.RES_VALID, 2);
  f.get(l.tmp);
  setReg(d.rd);
}

/**
 * AMO*.W/D (A extension 8.4) on a naturally aligned address whose page has a write TLB entry
 * (writable RAM); anything else (misaligned, a miss, MMIO) is left to the interpreter, which
 * raises the exception or takes the slow path. rd gets the old value, sign-extended for .W.
 */
function emitAtomic(e: Emitter, l: Locals, d: DecodedInstruction, leave: () => void): void {
  const { f, reg, setReg } = e;
  const word = d.op <= Op.AMOMAXU_W;
  const base = word ? Op.AMOSWAP_W : Op.AMOSWAP_D;
  const kind = d.op - base; // 0 swap, 1 add, 2 xor, 3 and, 4 or, 5 min, 6 max, 7 minu, 8 maxu
  emitAccess(e, l, d.rs1, 0, word ? 4 : 8, true, leave, true);
  f.set(l.ea);
  f.get(l.ea);
  f.mem(word ? W.I64_LOAD32_S : W.I64_LOAD, 0, 0);
  f.set(l.tmp);
  f.get(l.ea);
  // The new value (the store keeps the low 32 bits for .W).
  const cmp = (op: W, zext: boolean) => {
    const value = (load: () => void) => {
      load();
      if (word) {
        if (zext) {
          f.i64(0xffffffff);
          f.op(W.I64_AND);
        } else f.op(W.I64_EXTEND32_S);
      }
    };
    // select(old, rs2, old OP rs2)
    f.get(l.tmp);
    reg(d.rs2);
    value(() => f.get(l.tmp));
    value(() => reg(d.rs2));
    f.op(op);
    f.op(W.SELECT);
  };
  switch (kind) {
    case 0:
      reg(d.rs2);
      break;
    case 1:
    case 2:
    case 3:
    case 4:
      f.get(l.tmp);
      reg(d.rs2);
      f.op([W.I64_ADD, W.I64_XOR, W.I64_AND, W.I64_OR][kind - 1]);
      break;
    case 5:
      cmp(W.I64_LT_S, false);
      break;
    case 6:
      cmp(W.I64_GT_S, false);
      break;
    case 7:
      cmp(W.I64_LT_U, true);
      break;
    default:
      cmp(W.I64_GT_U, true);
      break;
  }
  f.mem(word ? W.I64_STORE32 : W.I64_STORE, 0, 0);
  f.get(l.tmp);
  setReg(d.rd);
}

/**
 * The host address of a plain load or store (integer or float) of `size` bytes at rs1 + imm: through
 * its access group's addend when it has one (l.access), else its own TLB check.
 */
function emitPlainAddress(
  e: Emitter,
  l: Locals,
  rs1: number,
  imm: number,
  size: number,
  store: boolean,
  leave: () => void,
): void {
  if (l.access !== undefined) emitGroupedAddress(e, l, rs1, imm, leave);
  else emitAccess(e, l, rs1, imm, size, store, leave);
}

/**
 * The host address of a grouped access (l.access, see access-groups.ts). The group's first access
 * checks the group's whole span and keeps the TLB entry's addend in the slot's local, leaving
 * before itself if the span is not on one mapped page; the others add that addend.
 */
function emitGroupedAddress(e: Emitter, l: Locals, rs1: number, imm: number, leave: () => void): void {
  const { f, reg } = e;
  const plan = l.access!;
  const local = l.groupLocal(plan.slot);
  if (plan.lead) {
    emitAccess(e, l, rs1, plan.lo, plan.span, plan.store, leave, false, undefined, true);
    f.set(local);
  }
  reg(rs1);
  if (imm !== 0) {
    f.i64(imm);
    f.op(W.I64_ADD);
  }
  f.op(W.I32_WRAP_I64);
  f.get(local);
  f.op(W.I32_ADD);
}

/**
 * The TLB fast path of a load or store (as the interpreter's: an entry means the page is RAM with
 * uniform PMP permission), on the JIT's view of the TLB (HART_STATE.TLB_READ_JIT/TLB_WRITE_JIT).
 * Leaves the byte's offset in the wasm memory (i32) on the stack (with `addendOnly`, the entry's
 * addend instead: access groups), or leaves the function when the access misses the TLB, crosses
 * a page or (`aligned`) is misaligned.
 *
 * One comparison covers the page and the page crossing (as QEMU's softmmu): the entry is chosen
 * by the first byte's page, and compared with the last byte's page. A crossing access has its
 * last byte in the next page, whose number maps to the next entry, so it can never equal the tag.
 * For aligned-only accesses, the low address bits are kept in the compared value instead, so a
 * misaligned address never matches (a tag has them zero).
 */
function emitAccess(
  e: Emitter,
  l: Locals,
  rs1: number,
  imm: number,
  size: number,
  store: boolean,
  leave: () => void,
  aligned = false,
  mask?: number,
  addendOnly = false,
): void {
  const { f, reg } = e;
  const base = store ? HART_STATE.TLB_WRITE_JIT : HART_STATE.TLB_READ_JIT;
  reg(rs1);
  if (imm !== 0) {
    f.i64(imm);
    f.op(W.I64_ADD);
  }
  if (mask !== undefined) {
    f.i64(mask);
    f.op(W.I64_AND);
  }
  // Entry (page number mod TLB_ENTRIES) * 16, from the low word alone: bits 12.. shifted to 4..
  f.tee(l.addr);
  f.op(W.I32_WRAP_I64);
  f.i32(8);
  f.op(W.I32_SHR_U);
  f.i32((TLB_ENTRIES - 1) << 4);
  f.op(W.I32_AND);
  f.get(l.tlb);
  f.op(W.I32_ADD);
  f.tee(l.ea);
  f.mem(W.I64_LOAD, base, 3);
  f.get(l.addr);
  if (aligned) {
    f.i64(-4096 | (size - 1));
  } else {
    if (size > 1) {
      f.i64(size - 1);
      f.op(W.I64_ADD);
    }
    f.i64(-4096);
  }
  f.op(W.I64_AND);
  f.op(W.I64_NE);
  f.open(W.IF);
  leave();
  f.end();
  if (addendOnly) {
    f.get(l.ea);
    f.mem(W.I32_LOAD, base + 8, 2);
    return;
  }
  f.get(l.addr);
  f.op(W.I32_WRAP_I64);
  f.get(l.ea);
  f.mem(W.I32_LOAD, base + 8, 2);
  f.op(W.I32_ADD);
}
