// Random RV64 programs for differential testing of the two execution tiers (interpreter and JIT).
//
// A program is a flat binary loaded at RAM base: a trap handler, a prologue that fills the
// registers with random 64-bit values, a loop whose body is a random mix of integer instructions
// (RV64IM, Zba, Zbb, Zbs, Zicond, compressed forms), forward branches, loads and stores of every
// width (misaligned, across pages, data-dependent addresses), calls, counter reads, MMIO loads,
// faulting accesses and, in some programs, a store that rewrites one of the loop's own
// instructions; then an epilogue that stores every register to RAM and writes the test finisher.
//
// Most programs also use the F and D extensions: the prologue turns mstatus.FS on (Dirty, or
// Initial/Clean so that the first FP instruction must dirty it), fills f0..f31 from a pool of
// interesting values (signed zeros, infinities, quiet and signalling NaNs, subnormals, the limits
// of the JIT's native FMUL path, sums and products that are exact or not, singles NaN-boxed or
// not) and sets fcsr; the body mixes in every F/D computational instruction with static and
// dynamic rounding modes, FP loads and stores with the integer accesses' addressing patterns,
// fcsr accesses, and (a few programs) reserved rounding modes and stretches with FS off, whose
// FP instructions trap as illegal. The flags are read, cleared and folded into a checksum in RAM
// now and then, and the epilogue stores f0..f31 and fcsr too.
//
// Why a loop: the JIT only translates pages that are hot, so the random body must run many times
// with different register values (and different addresses: some accesses depend on the loop
// counter, so whether they cross a page changes from one iteration to the next) for its
// translation to be exercised at all. Why a trap handler that records and skips: faults must not
// end the run, and each fault's cause, epc, tval and the minstret at the trap are written to RAM,
// so a tier that takes a trap at a different instruction or with a different instruction count
// shows up as a RAM difference even if the registers happen to agree afterwards.
//
// Everything is decided by a seeded PRNG, so a failing seed reproduces exactly. The generator
// also returns a listing (offset, bits, the mnemonic and operands the decoder must find) so tests
// can check the encoders against the decoder and print the instructions around a mismatch.
//
// No Node APIs here: the module is plain computation so it can run anywhere the engine runs.

import { encB, encI, encJ, encR, encR4, encS, encU } from '../cpu/encode.js';

/** Where the code is loaded (RAM base of the `virt` machine). */
export const CODE_BASE = 0x8000_0000;

/** Registers the generator never picks as random destinations. */
export const TRAP_AREA_REGISTER = 3; // gp: the trap handler's save area, also the result area base
export const LOOP_COUNTER_REGISTER = 8; // s0
export const DATA_BASE_REGISTER = 9; // s1
const RESERVED = new Set([TRAP_AREA_REGISTER, LOOP_COUNTER_REGISTER, DATA_BASE_REGISTER]);

const RA = 1;
const T0 = 5;
const T1 = 6;

/** Offsets inside the trap area (a page after the data buffer, addressed through gp). */
export const TRAP_SAVE_T0 = 0x00;
export const TRAP_SAVE_T1 = 0x08;
export const TRAP_COUNT = 0x10;
/** Ring of TRAP_LOG_ENTRIES records of {mcause, mepc, mtval, minstret}, 32 bytes each. */
export const TRAP_LOG = 0x20;
export const TRAP_LOG_ENTRIES = 32;
/** x1..x31 are stored at RESULT + 8 * i at the end (x0's slot stays zero). */
export const RESULT = 0x500;
/** f0..f31 are stored at FP_RESULT + 8 * i at the end (programs with floating point only). */
export const FP_RESULT = 0x600;
/** fcsr at the end. */
export const FCSR_RESULT = 0x700;
/**
 * A checksum of the fflags values read (and cleared) in the loop, and of mstatus read after FP
 * accesses with FS not Dirty: rotate left by 5, xor.
 */
export const FFLAGS_SUM = 0x708;
/** The pool of interesting FP values (FP_POOL_LABELS.length doublewords) the registers are loaded from. */
export const FP_POOL = 0x800;

export interface RandomProgramOptions {
  /** Loop trips (default: random 50..300, 50..120 for long bodies). At most 2047 (one addi sets it). */
  iterations?: number;
  /** Instructions in the loop body, roughly (default: random 80..320, or 320..1400 one time in four). */
  bodyInstructions?: number;
  /** Physical address of the data buffer (default 0x80100000); page aligned, above the code. */
  dataBase?: number;
  /** Pages in the data buffer (default 4, at least 2 so that accesses can cross a page). */
  dataPages?: number;
  /**
   * Let the loop rewrite one of its own instructions now and then, so that translations must be
   * dropped and redone (default: one program in five).
   */
  selfModifying?: boolean;
  /** Emit compressed instructions (default true). */
  compressed?: boolean;
  /** Emit faulting accesses, ecall, ebreak and an illegal instruction (default true). */
  traps?: boolean;
  /** Use the F and D extensions (default: six programs in seven). */
  float?: boolean;
  /**
   * mstatus.FS when the loop starts: 3 Dirty (default in most programs), or 1 Initial / 2 Clean,
   * which the loop also goes back to now and then, so that translated code finds FS not Dirty.
   */
  fpStatus?: 1 | 2 | 3;
  /** Turn FS off for a stretch of the loop, whose FP instructions then trap (default: one in eight). */
  fsOff?: boolean;
}

/** Operands the decoder must report for an instruction (rd as written: x0, not the sink). */
export interface ExpectedOperands {
  rd?: number;
  rs1?: number;
  rs2?: number;
  rs3?: number;
  imm?: number;
  /** The funct3 field of an F/D computational instruction (rounding mode or operation). */
  rm?: number;
}

export interface ListingEntry {
  /** Offset from CODE_BASE. */
  offset: number;
  size: 2 | 4;
  /** The instruction bits (16-bit forms in the low half). */
  bits: number;
  /** The decoder's name for it (compressed forms: the 32-bit instruction they expand to). */
  name: string;
  expect: ExpectedOperands;
}

export interface ProgramLayout {
  codeBase: number;
  /** Bytes of code (the listing covers exactly [codeBase, codeBase + codeSize)). */
  codeSize: number;
  /** Offsets from codeBase of the first instruction of the loop body and of the loop's end. */
  loopStart: number;
  loopEnd: number;
  dataBase: number;
  dataSize: number;
  /** Physical address of the trap area (gp); the result area is at trapArea + RESULT. */
  trapArea: number;
}

export interface GeneratedProgram {
  seed: number;
  /** The flat image to load at CODE_BASE (code, then the initial data, then the trap area). */
  bytes: Uint8Array;
  layout: ProgramLayout;
  listing: ListingEntry[];
  iterations: number;
  bodyInstructions: number;
  /** Whether the loop rewrites one of its instructions (see RandomProgramOptions). */
  selfModifying: boolean;
  /** Whether the program uses F and D, FS at the loop's start, whether FS goes off in the loop. */
  float: boolean;
  fpStatus: 1 | 2 | 3;
  fsOff: boolean;
}

/** mulberry32: small, fast and good enough; plain 32-bit arithmetic so no BigInt is needed. */
class Rng {
  private state: number;
  constructor(seed: number) {
    // Spread consecutive seeds apart so seeds 1, 2, 3 do not start with related streams.
    this.state = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) | 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, n). */
  below(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }
  /** Uniform in [lo, hi], both included. */
  range(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }
  weighted<T>(entries: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of entries) total += w;
    let r = (this.next() / 0x1_0000_0000) * total;
    for (const [w, value] of entries) {
      r -= w;
      if (r < 0) return value;
    }
    return entries[entries.length - 1][1];
  }
}

// ---- encoders: the base formats come from cpu/encode.ts; the compressed ones (unprivileged spec
// chapter 26) are here ----

const OPC_LOAD = 0x03;
const OPC_MISC_MEM = 0x0f;
const OPC_OP_IMM = 0x13;
const OPC_AUIPC = 0x17;
const OPC_OP_IMM_32 = 0x1b;
const OPC_STORE = 0x23;
const OPC_OP = 0x33;
const OPC_LUI = 0x37;
const OPC_OP_32 = 0x3b;
const OPC_JALR = 0x67;
const OPC_SYSTEM = 0x73;
const OPC_LOAD_FP = 0x07;
const OPC_STORE_FP = 0x27;
const OPC_OP_FP = 0x53;

/** CI format: c.addi, c.addiw, c.li, c.lui (quadrant 1) and c.slli (quadrant 2). */
function encCI(funct3: number, rd: number, imm6: number, quadrant: number): number {
  return (funct3 << 13) | (((imm6 >> 5) & 1) << 12) | (rd << 7) | ((imm6 & 0x1f) << 2) | quadrant;
}

/** c.srli (0), c.srai (1), c.andi (2) on x8..x15. */
function encCB2(funct2: number, rdPrime: number, imm6: number): number {
  return (
    (4 << 13) | (((imm6 >> 5) & 1) << 12) | (funct2 << 10) | ((rdPrime - 8) << 7) | ((imm6 & 0x1f) << 2) | 1
  );
}

/** CL/CS with word offsets (c.lw funct3 2, c.sw funct3 6). */
function encCW(funct3: number, rs1Prime: number, reg: number, off: number): number {
  return (
    (funct3 << 13) |
    (((off >> 3) & 7) << 10) |
    ((rs1Prime - 8) << 7) |
    (((off >> 2) & 1) << 6) |
    (((off >> 6) & 1) << 5) |
    ((reg - 8) << 2)
  );
}

/** CL/CS with doubleword offsets (c.ld funct3 3, c.sd funct3 7). */
function encCD(funct3: number, rs1Prime: number, reg: number, off: number): number {
  return (
    (funct3 << 13) |
    (((off >> 3) & 7) << 10) |
    ((rs1Prime - 8) << 7) |
    (((off >> 6) & 3) << 5) |
    ((reg - 8) << 2)
  );
}

/** c.beqz (funct3 6) / c.bnez (funct3 7). */
function encCBranch(funct3: number, rs1Prime: number, off: number): number {
  if (off < -256 || off > 254 || (off & 1) !== 0) throw new RangeError(`c.branch offset ${off}`);
  return (
    (funct3 << 13) |
    (((off >> 8) & 1) << 12) |
    (((off >> 3) & 3) << 10) |
    ((rs1Prime - 8) << 7) |
    (((off >> 6) & 3) << 5) |
    (((off >> 1) & 3) << 3) |
    (((off >> 5) & 1) << 2) |
    1
  );
}

function encCJ(off: number): number {
  if (off < -2048 || off > 2046 || (off & 1) !== 0) throw new RangeError(`c.j offset ${off}`);
  return (
    (5 << 13) |
    (((off >> 11) & 1) << 12) |
    (((off >> 4) & 1) << 11) |
    (((off >> 8) & 3) << 9) |
    (((off >> 10) & 1) << 8) |
    (((off >> 6) & 1) << 7) |
    (((off >> 7) & 1) << 6) |
    (((off >> 1) & 7) << 3) |
    (((off >> 5) & 1) << 2) |
    1
  );
}

// ---- instruction tables ----

/** Register-register operations: [name, opcode, funct3, funct7]. */
const REG_OPS: readonly (readonly [string, number, number, number])[] = [
  ['add', OPC_OP, 0, 0x00],
  ['sub', OPC_OP, 0, 0x20],
  ['sll', OPC_OP, 1, 0x00],
  ['slt', OPC_OP, 2, 0x00],
  ['sltu', OPC_OP, 3, 0x00],
  ['xor', OPC_OP, 4, 0x00],
  ['srl', OPC_OP, 5, 0x00],
  ['sra', OPC_OP, 5, 0x20],
  ['or', OPC_OP, 6, 0x00],
  ['and', OPC_OP, 7, 0x00],
  ['addw', OPC_OP_32, 0, 0x00],
  ['subw', OPC_OP_32, 0, 0x20],
  ['sllw', OPC_OP_32, 1, 0x00],
  ['srlw', OPC_OP_32, 5, 0x00],
  ['sraw', OPC_OP_32, 5, 0x20],
  ['mul', OPC_OP, 0, 0x01],
  ['mulh', OPC_OP, 1, 0x01],
  ['mulhsu', OPC_OP, 2, 0x01],
  ['mulhu', OPC_OP, 3, 0x01],
  ['div', OPC_OP, 4, 0x01],
  ['divu', OPC_OP, 5, 0x01],
  ['rem', OPC_OP, 6, 0x01],
  ['remu', OPC_OP, 7, 0x01],
  ['mulw', OPC_OP_32, 0, 0x01],
  ['divw', OPC_OP_32, 4, 0x01],
  ['divuw', OPC_OP_32, 5, 0x01],
  ['remw', OPC_OP_32, 6, 0x01],
  ['remuw', OPC_OP_32, 7, 0x01],
  ['add.uw', OPC_OP_32, 0, 0x04],
  ['sh1add', OPC_OP, 2, 0x10],
  ['sh2add', OPC_OP, 4, 0x10],
  ['sh3add', OPC_OP, 6, 0x10],
  ['sh1add.uw', OPC_OP_32, 2, 0x10],
  ['sh2add.uw', OPC_OP_32, 4, 0x10],
  ['sh3add.uw', OPC_OP_32, 6, 0x10],
  ['andn', OPC_OP, 7, 0x20],
  ['orn', OPC_OP, 6, 0x20],
  ['xnor', OPC_OP, 4, 0x20],
  ['max', OPC_OP, 6, 0x05],
  ['maxu', OPC_OP, 7, 0x05],
  ['min', OPC_OP, 4, 0x05],
  ['minu', OPC_OP, 5, 0x05],
  ['rol', OPC_OP, 1, 0x30],
  ['ror', OPC_OP, 5, 0x30],
  ['rolw', OPC_OP_32, 1, 0x30],
  ['rorw', OPC_OP_32, 5, 0x30],
  ['bclr', OPC_OP, 1, 0x24],
  ['bext', OPC_OP, 5, 0x24],
  ['binv', OPC_OP, 1, 0x34],
  ['bset', OPC_OP, 1, 0x14],
  ['czero.eqz', OPC_OP, 5, 0x07],
  ['czero.nez', OPC_OP, 7, 0x07],
];

/** The M operations whose corner cases (x/0, MIN/-1, sign of the high half) get extra attention. */
const DIV_MUL_OPS = REG_OPS.filter(([, , , funct7]) => funct7 === 0x01);

/** Register-immediate operations with a 12-bit signed immediate: [name, opcode, funct3]. */
const IMM_OPS: readonly (readonly [string, number, number])[] = [
  ['addi', OPC_OP_IMM, 0],
  ['slti', OPC_OP_IMM, 2],
  ['sltiu', OPC_OP_IMM, 3],
  ['xori', OPC_OP_IMM, 4],
  ['ori', OPC_OP_IMM, 6],
  ['andi', OPC_OP_IMM, 7],
  ['addiw', OPC_OP_IMM_32, 0],
];

/** Shifts and bit operations with a 6-bit shamt: [name, opcode, funct3, imm[11:6]]. */
const SHIFT64_OPS: readonly (readonly [string, number, number, number])[] = [
  ['slli', OPC_OP_IMM, 1, 0x00],
  ['srli', OPC_OP_IMM, 5, 0x00],
  ['srai', OPC_OP_IMM, 5, 0x10],
  ['rori', OPC_OP_IMM, 5, 0x18],
  ['bclri', OPC_OP_IMM, 1, 0x12],
  ['bexti', OPC_OP_IMM, 5, 0x12],
  ['binvi', OPC_OP_IMM, 1, 0x1a],
  ['bseti', OPC_OP_IMM, 1, 0x0a],
  ['slli.uw', OPC_OP_IMM_32, 1, 0x02],
];

/** 32-bit shifts with a 5-bit shamt: [name, funct3, funct7]. */
const SHIFT32_OPS: readonly (readonly [string, number, number])[] = [
  ['slliw', 1, 0x00],
  ['srliw', 5, 0x00],
  ['sraiw', 5, 0x20],
  ['roriw', 5, 0x30],
];

/** One-operand Zbb operations, encoded as I-type with a fixed immediate: [name, opcode, funct3, imm12]. */
const UNARY_OPS: readonly (readonly [string, number, number, number])[] = [
  ['clz', OPC_OP_IMM, 1, 0x600],
  ['ctz', OPC_OP_IMM, 1, 0x601],
  ['cpop', OPC_OP_IMM, 1, 0x602],
  ['sext.b', OPC_OP_IMM, 1, 0x604],
  ['sext.h', OPC_OP_IMM, 1, 0x605],
  ['clzw', OPC_OP_IMM_32, 1, 0x600],
  ['ctzw', OPC_OP_IMM_32, 1, 0x601],
  ['cpopw', OPC_OP_IMM_32, 1, 0x602],
  ['orc.b', OPC_OP_IMM, 5, 0x287],
  ['rev8', OPC_OP_IMM, 5, 0x6b8],
  ['zext.h', OPC_OP_32, 4, 0x080],
];

const BRANCHES: readonly (readonly [string, number])[] = [
  ['beq', 0],
  ['bne', 1],
  ['blt', 4],
  ['bge', 5],
  ['bltu', 6],
  ['bgeu', 7],
];

/** [name, funct3, size]. */
const LOADS: readonly (readonly [string, number, number])[] = [
  ['lb', 0, 1],
  ['lh', 1, 2],
  ['lw', 2, 4],
  ['ld', 3, 8],
  ['lbu', 4, 1],
  ['lhu', 5, 2],
  ['lwu', 6, 4],
];
const STORES: readonly (readonly [string, number, number])[] = [
  ['sb', 0, 1],
  ['sh', 1, 2],
  ['sw', 2, 4],
  ['sd', 3, 8],
];

/** FP loads and stores: [name, funct3, size]. */
const FP_LOADS: readonly (readonly [string, number, number])[] = [
  ['flw', 2, 4],
  ['fld', 3, 8],
];
const FP_STORES: readonly (readonly [string, number, number])[] = [
  ['fsw', 2, 4],
  ['fsd', 3, 8],
];

/** Register class of an FP operand: an FP register, an integer register, or a fixed field. */
type FpOperand = 'f' | 'x' | number;

/**
 * F/D computational instructions (OP-FP, unprivileged spec chapters 20 and 21): [name, funct7,
 * destination class, rs1 class, rs2 class or fixed rs2 field, fixed funct3 or -1 for a rounding
 * mode]. Built for both formats from one table: funct7 = funct5 << 2 | fmt, and in the names `$`
 * is the format letter (s, d) and `#` the fmv one (w, d).
 */
const FP_OPS: readonly (readonly [string, number, 'f' | 'x', 'f' | 'x', FpOperand, number])[] = (() => {
  const base: [string, number, 'f' | 'x', 'f' | 'x', FpOperand, number][] = [
    ['fadd.$', 0x00, 'f', 'f', 'f', -1],
    ['fsub.$', 0x01, 'f', 'f', 'f', -1],
    ['fmul.$', 0x02, 'f', 'f', 'f', -1],
    ['fdiv.$', 0x03, 'f', 'f', 'f', -1],
    ['fsqrt.$', 0x0b, 'f', 'f', 0, -1],
    ['fsgnj.$', 0x04, 'f', 'f', 'f', 0],
    ['fsgnjn.$', 0x04, 'f', 'f', 'f', 1],
    ['fsgnjx.$', 0x04, 'f', 'f', 'f', 2],
    ['fmin.$', 0x05, 'f', 'f', 'f', 0],
    ['fmax.$', 0x05, 'f', 'f', 'f', 1],
    ['fcvt.w.$', 0x18, 'x', 'f', 0, -1],
    ['fcvt.wu.$', 0x18, 'x', 'f', 1, -1],
    ['fcvt.l.$', 0x18, 'x', 'f', 2, -1],
    ['fcvt.lu.$', 0x18, 'x', 'f', 3, -1],
    ['fmv.x.#', 0x1c, 'x', 'f', 0, 0],
    ['fclass.$', 0x1c, 'x', 'f', 0, 1],
    ['feq.$', 0x14, 'x', 'f', 'f', 2],
    ['flt.$', 0x14, 'x', 'f', 'f', 1],
    ['fle.$', 0x14, 'x', 'f', 'f', 0],
    ['fcvt.$.w', 0x1a, 'f', 'x', 0, -1],
    ['fcvt.$.wu', 0x1a, 'f', 'x', 1, -1],
    ['fcvt.$.l', 0x1a, 'f', 'x', 2, -1],
    ['fcvt.$.lu', 0x1a, 'f', 'x', 3, -1],
    ['fmv.#.x', 0x1e, 'f', 'x', 0, 0],
  ];
  const ops: (readonly [string, number, 'f' | 'x', 'f' | 'x', FpOperand, number])[] = [];
  for (const [fmt, letter, mv] of [
    [0, 's', 'w'],
    [1, 'd', 'd'],
  ] as const) {
    for (const [name, funct5, rd, rs1, rs2, funct3] of base) {
      ops.push([name.replace('$', letter).replace('#', mv), (funct5 << 2) | fmt, rd, rs1, rs2, funct3]);
    }
  }
  ops.push(['fcvt.s.d', 0x20, 'f', 'f', 1, -1]);
  ops.push(['fcvt.d.s', 0x21, 'f', 'f', 0, -1]);
  return ops;
})();

/** The double-precision operations translated code runs natively (in RNE, for some operands). */
const NATIVE_FP_OPS = FP_OPS.filter(([name]) => ['fadd.d', 'fsub.d', 'fmul.d'].includes(name));

/** Fused multiply-add: [name, opcode, fmt]. */
const FUSED_OPS: readonly (readonly [string, number, number])[] = [
  ['fmadd.s', 0x43, 0],
  ['fmsub.s', 0x47, 0],
  ['fnmsub.s', 0x4b, 0],
  ['fnmadd.s', 0x4f, 0],
  ['fmadd.d', 0x43, 1],
  ['fmsub.d', 0x47, 1],
  ['fnmsub.d', 0x4b, 1],
  ['fnmadd.d', 0x4f, 1],
];

/** A 64-bit pattern as [high word, low word] (unsigned). */
type Pattern = readonly [number, number];

const patternView = new DataView(new ArrayBuffer(8));
/** A double's bits. */
function double(x: number): Pattern {
  patternView.setFloat64(0, x, true);
  return [patternView.getUint32(4, true), patternView.getUint32(0, true)];
}
/** 16 hex digits. */
function bits64(hex: string): Pattern {
  return [parseInt(hex.slice(0, 8), 16), parseInt(hex.slice(8), 16)];
}
/** A single (a number, rounded to single, or 8 hex digits), NaN-boxed or under `high` upper bits. */
function single(x: number | string, high = 0xffffffff): Pattern {
  if (typeof x === 'string') return [high, parseInt(x, 16)];
  patternView.setFloat32(0, x, true);
  return [high, patternView.getUint32(0, true)];
}

/**
 * The values f0..f31 start from and the loop reloads now and then, with the labels failure
 * messages use. 2^995 and 2^-968 are where the JIT's native FMUL hands over to the float unit
 * (MUL_MAX_INPUT, MUL_MIN_RESULT in translate.ts); 2^27 + 1 is Veltkamp's splitter.
 */
const FP_POOL_VALUES: readonly (readonly [string, Pattern])[] = [
  ['+0', double(0)],
  ['-0', double(-0)],
  ['1', double(1)],
  ['-1', double(-1)],
  ['+inf', double(Infinity)],
  ['-inf', double(-Infinity)],
  ['qNaN', bits64('7ff8000000000000')],
  ['-qNaN(payload)', bits64('fff8000000000001')],
  ['sNaN', bits64('7ff0000000000001')],
  ['sNaN(payload)', bits64('7ff4000000000000')],
  ['-sNaN', bits64('fff000000000dead')],
  ['min subnormal', bits64('0000000000000001')],
  ['max subnormal', bits64('000fffffffffffff')],
  ['-max subnormal', bits64('800fffffffffffff')],
  ['2^-1022', double(2 ** -1022)],
  ['-(2^-1022+ulp)', bits64('8010000000000001')],
  ['DBL_MAX', double(Number.MAX_VALUE)],
  ['-DBL_MAX', double(-Number.MAX_VALUE)],
  ['2^995', double(2 ** 995)],
  ['2^995-ulp', bits64('7e1fffffffffffff')],
  ['-(2^995-ulp)', bits64('fe1fffffffffffff')],
  ['1.5*2^995', double(1.5 * 2 ** 995)],
  ['2^-968', double(2 ** -968)],
  ['2^-968+ulp', bits64('0370000000000001')],
  ['2^-968-ulp', bits64('036fffffffffffff')],
  ['2^-484', double(2 ** -484)],
  ['2^-484-ulp', bits64('21afffffffffffff')],
  ['-2^-484', double(-(2 ** -484))],
  ['2^28', double(2 ** 28)],
  ['2^29', double(2 ** 29)],
  ['2^-26', double(2 ** -26)],
  ['2^27+1', double(2 ** 27 + 1)],
  ['2', double(2)],
  ['0.5', double(0.5)],
  ['1.5', double(1.5)],
  ['2.5', double(2.5)],
  ['-1.5', double(-1.5)],
  ['-0.5', double(-0.5)],
  ['-0.75', double(-0.75)],
  ['1+ulp', double(1 + 2 ** -52)],
  ['2^-52', double(2 ** -52)],
  ['2^-53', double(2 ** -53)],
  ['3*2^-54', double(3 * 2 ** -54)],
  ['0.1', double(0.1)],
  ['0.2', double(0.2)],
  ['0.3', double(0.3)],
  ['1/3', double(1 / 3)],
  ['-2/3', double(-2 / 3)],
  ['2^53', double(2 ** 53)],
  ['2^53+2', double(2 ** 53 + 2)],
  ['2^63', double(2 ** 63)],
  ['-2^63', double(-(2 ** 63))],
  ['2^63-1024', double(2 ** 63 - 1024)],
  ['2^64', double(2 ** 64)],
  ['2^31-1', double(2 ** 31 - 1)],
  ['2^31-0.5', double(2 ** 31 - 0.5)],
  ['2^31', double(2 ** 31)],
  ['-2^31', double(-(2 ** 31))],
  ['-2^31-0.5', double(-(2 ** 31) - 0.5)],
  ['-2^31-1', double(-(2 ** 31) - 1)],
  ['2^32-1', double(2 ** 32 - 1)],
  ['2^32', double(2 ** 32)],
  ['FLT_MAX (double)', double(3.4028234663852886e38)],
  ['FLT_MAX+half ulp (double)', bits64('47effffff0000000')],
  ['2^-126 (double)', double(2 ** -126)],
  ['2^-149 (double)', double(2 ** -149)],
  ['2^-150 (double)', double(2 ** -150)],
  ['1+2^-24 (double)', double(1 + 2 ** -24)],
  // singles, NaN-boxed
  ['s +0', single(0)],
  ['s -0', single(-0)],
  ['s 1', single(1)],
  ['s -1', single(-1)],
  ['s +inf', single(Infinity)],
  ['s -inf', single(-Infinity)],
  ['s qNaN', single('7fc00000')],
  ['s -qNaN(payload)', single('ffc00123')],
  ['s sNaN', single('7f800001')],
  ['s sNaN(payload)', single('7fa00000')],
  ['s min subnormal', single('00000001')],
  ['s max subnormal', single('007fffff')],
  ['s 2^-126', single(2 ** -126)],
  ['s FLT_MAX', single('7f7fffff')],
  ['s -FLT_MAX', single('ff7fffff')],
  ['s 2^64', single(2 ** 64)],
  ['s 2^-75', single(2 ** -75)],
  ['s 1.5', single(1.5)],
  ['s 2.5', single(2.5)],
  ['s -0.5', single(-0.5)],
  ['s 0.1', single(0.1)],
  ['s 1/3', single(1 / 3)],
  ['s 1+ulp', single(1 + 2 ** -23)],
  ['s 2^-24', single(2 ** -24)],
  ['s 2^24', single(2 ** 24)],
  ['s 2^31', single(2 ** 31)],
  ['s -2^31', single(-(2 ** 31))],
  ['s 2^32', single(2 ** 32)],
  ['s 2^63', single(2 ** 63)],
  ['s -2^63', single(-(2 ** 63))],
  // singles not NaN-boxed: the single-precision instructions must read them as the canonical NaN
  ['s 1, upper bits 0', single(1, 0)],
  ['s 1, upper bits 0xfffffffe', single(1, 0xfffffffe)],
  ['s +0, upper bits 0x7fffffff', single(0, 0x7fffffff)],
  ['s qNaN, upper bits 0xffff0000', single('7fc00000', 0xffff0000)],
];

/**
 * Entries of the pool after the fixed ones, random for each program: any 64 bits, doubles with
 * interesting exponents, NaN-boxed singles likewise (a third each, in this order).
 */
const FP_POOL_RANDOM = 12;
/** FP_POOL_VALUES' labels, then the random entries': the pool entries in order. */
export const FP_POOL_LABELS: readonly string[] = [
  ...FP_POOL_VALUES.map(([label]) => label),
  ...Array.from({ length: FP_POOL_RANDOM }, (_, i) => `random ${i}`),
];
const POOL_INDEX = new Map(FP_POOL_VALUES.map(([label], i) => [label, i]));
/** Pool entries holding doubles (or any bits) and NaN-boxed singles. */
const POOL_BY_FORMAT: Record<FpFormat, readonly number[]> = {
  d: FP_POOL_LABELS.flatMap((label, i) =>
    label.startsWith('s ') || i >= FP_POOL_LABELS.length - FP_POOL_RANDOM / 3 ? [] : [i],
  ),
  s: FP_POOL_LABELS.flatMap((label, i) =>
    label.startsWith('s ') || i >= FP_POOL_LABELS.length - FP_POOL_RANDOM / 3 ? [i] : [],
  ),
};

/** Single or double precision. */
type FpFormat = 's' | 'd';

/**
 * The formats an F/D instruction reads and writes in FP registers (undefined for an integer
 * side), from its name: `op.fmt`, `fcvt.to.from`, `fmv.x.w` / `fmv.w.x` (w is single there).
 */
function fpFormats(name: string): { dest: FpFormat | undefined; src: FpFormat | undefined } {
  const parts = name.split('.');
  const format = (t: string): FpFormat | undefined =>
    t === 's' || t === 'w' ? 's' : t === 'd' ? 'd' : undefined;
  if (parts[0] === 'fcvt') {
    return { dest: parts[1] === 's' || parts[1] === 'd' ? parts[1] : undefined, src: format(parts[2]) };
  }
  if (parts[0] === 'fmv')
    return parts[1] === 'x'
      ? { dest: undefined, src: format(parts[2]) }
      : { dest: format(parts[1]), src: undefined };
  return { dest: format(parts[1]), src: format(parts[1]) };
}

/**
 * Operand pairs around the edges of the native add/sub/mul paths: exact and inexact sums and
 * products, results at and just past the FMUL bounds, overflow, underflow, signed zeros.
 */
const FP_EDGE_PAIRS: readonly (readonly [string, string])[] = [
  ['2^995-ulp', '2^28'],
  ['2^995', '2^28'],
  ['2^995-ulp', '2^29'],
  ['1.5*2^995', '2^28'],
  ['-(2^995-ulp)', '2^-968'],
  ['DBL_MAX', '1+ulp'],
  ['DBL_MAX', 'DBL_MAX'],
  ['DBL_MAX', '-DBL_MAX'],
  ['2^-484', '2^-484'],
  ['2^-484-ulp', '2^-484'],
  ['-2^-484', '2^-484'],
  ['2^-968', '1'],
  ['2^-968-ulp', '1'],
  ['2^-968+ulp', '1'],
  ['2^-968', '0.5'],
  ['2^-968', '2^-968'],
  ['2^-968', '-0.75'],
  ['2^-1022', '0.5'],
  ['min subnormal', '0.5'],
  ['min subnormal', '1.5'],
  ['max subnormal', '2^-1022'],
  ['max subnormal', 'min subnormal'],
  ['-max subnormal', '2^-1022'],
  ['-(2^-1022+ulp)', '2^-1022'],
  ['1', '2^-53'],
  ['1', '3*2^-54'],
  ['1', '2^-52'],
  ['1+ulp', '1+ulp'],
  ['1+ulp', '-1'],
  ['0.1', '0.2'],
  ['0.1', '0.3'],
  ['1/3', '-2/3'],
  ['2^53', '1'],
  ['2^53+2', '1'],
  ['2^27+1', '2^27+1'],
  ['1.5', '1.5'],
  ['1', '-1'],
  ['-0', '-0'],
  ['+0', '-0'],
  ['-0', '2'],
  ['+0', '+inf'],
  ['+inf', '-inf'],
  ['+inf', '1'],
  ['sNaN', '1'],
  ['qNaN', '1'],
  ['-qNaN(payload)', '-sNaN'],
  ['s 1', '1'],
];

const CSR_FFLAGS = 0x001;
const CSR_FRM = 0x002;
const CSR_FCSR = 0x003;
const CSR_MSTATUS = 0x300;
/** lui's 20-bit field for mstatus.FS = v (bits 13-14): v << 13 = (2 * v) << 12. */
const fsUpper = (v: number) => 2 * v;

/** Counters that must agree between the tiers: mcycle, minstret, cycle, instret (never time). */
const COUNTER_CSRS = [0xb00, 0xb02, 0xc00, 0xc02];
const CSR_MTVEC = 0x305;
const CSR_MEPC = 0x341;
const CSR_MCAUSE = 0x342;
const CSR_MTVAL = 0x343;
const CSR_MINSTRET = 0xb02;

/** Compressed arithmetic on x8..x15: [expanded name, bit 12, funct2 in bits 6:5]. */
const CA_OPS: readonly (readonly [string, number, number])[] = [
  ['sub', 0, 0],
  ['xor', 0, 1],
  ['or', 0, 2],
  ['and', 0, 3],
  ['subw', 1, 0],
  ['addw', 1, 1],
];

// ---- a tiny assembler: a listing plus label fixups ----

interface Label {
  offset: number;
}

interface Fixup {
  index: number;
  label: Label;
  /** Offset the displacement is relative to (the instruction, or the auipc of a pair). */
  from: number;
  encode: (delta: number) => { bits: number; imm: number };
}

class Assembler {
  readonly listing: ListingEntry[] = [];
  private readonly fixups: Fixup[] = [];
  offset = 0;

  label(): Label {
    return { offset: -1 };
  }

  bind(label: Label): void {
    if (label.offset !== -1) throw new Error('label bound twice');
    label.offset = this.offset;
  }

  emit(size: 2 | 4, bits: number, name: string, expect: ExpectedOperands = {}): number {
    this.listing.push({
      offset: this.offset,
      size,
      bits: size === 2 ? bits & 0xffff : bits >>> 0,
      name,
      expect,
    });
    this.offset += size;
    return this.listing.length - 1;
  }

  /** Emit an instruction whose displacement to `label` is filled in by `resolve`. */
  emitTo(
    size: 2 | 4,
    name: string,
    expect: ExpectedOperands,
    label: Label,
    fix: Fixup['encode'],
    from?: number,
  ) {
    const at = this.offset;
    const index = this.emit(size, 0, name, expect);
    this.fixups.push({ index, label, from: from ?? at, encode: fix });
  }

  resolve(): void {
    for (const f of this.fixups) {
      if (f.label.offset === -1) throw new Error('unbound label');
      const entry = this.listing[f.index];
      const { bits, imm } = f.encode(f.label.offset - f.from);
      entry.bits = entry.size === 2 ? bits & 0xffff : bits >>> 0;
      entry.expect.imm = imm;
    }
  }

  write(image: Uint8Array): void {
    for (const e of this.listing) {
      for (let i = 0; i < e.size; i++) image[e.offset + i] = (e.bits >>> (8 * i)) & 0xff;
    }
  }
}

/** Split a pc-relative displacement into auipc's upper part and the following addi's lower part. */
function splitPcRel(delta: number): { upper: number; lower: number } {
  const upper = (delta + 0x800) >> 12;
  return { upper, lower: delta - upper * 4096 };
}

// ---- the generator ----

const ALL_REGISTERS = Array.from({ length: 32 }, (_, i) => i);
const DESTINATIONS = ALL_REGISTERS.filter((r) => r !== 0 && !RESERVED.has(r));
/** x8..x15 that compressed forms may write (x8 and x9 are reserved). */
const PRIME_DESTINATIONS = [10, 11, 12, 13, 14, 15];
const PRIME_SOURCES = [8, 9, 10, 11, 12, 13, 14, 15];
/** f8..f15, the FP registers c.fld and c.fsd can name. */
const PRIME_FP_REGISTERS = [8, 9, 10, 11, 12, 13, 14, 15];

/** gp + POOL_BIAS is the base register value for pool loads (the pool is beyond a 12-bit offset). */
const POOL_BIAS = 0x7f0;

/** Program-level choices about floating point (see RandomProgramOptions). */
interface FloatPlan {
  float: boolean;
  fpStatus: 1 | 2 | 3;
  fsOff: boolean;
  /** Weight of the FP snippets relative to the integer ones. */
  scale: number;
}

type Snippet = () => void;

class Generator {
  readonly asm = new Assembler();
  private readonly callee = this.asm.label();
  /** Registers the current snippet must not write (the return address inside the function). */
  private avoid = new Set<number>();
  /**
   * Trapping instructions still allowed in the body. The handler runs in the interpreter (CSR
   * accesses and mret are not translated), so too many traps per iteration would leave the JIT
   * little to do.
   */
  trapBudget = 0;
  /** Patch targets of selfModify waiting to be placed later in the body. */
  private readonly pendingTargets: { label: Label; rd: number }[] = [];
  /** FS resets (back to Initial/Clean) and FS-off stretches still to place in the body. */
  fsResets = 0;
  fsOffStretches = 0;

  constructor(
    private readonly rng: Rng,
    private readonly compressed: boolean,
    private readonly dataPages: number,
    private readonly fp: FloatPlan = { float: false, fpStatus: 3, fsOff: false, scale: 0 },
  ) {}

  // -- operand choice --

  /** A destination: any register but the reserved ones, x0 now and then (writes to it vanish). */
  private dest(): number {
    if (this.rng.chance(0.04)) return 0;
    return this.nonZeroDest();
  }

  private nonZeroDest(exclude: readonly number[] = []): number {
    for (;;) {
      const r = this.rng.pick(DESTINATIONS);
      if (!this.avoid.has(r) && !exclude.includes(r)) return r;
    }
  }

  /** A source: any register (reserved ones included: reading them is harmless), x0 a bit more often. */
  private src(): number {
    return this.rng.chance(0.06) ? 0 : this.rng.pick(ALL_REGISTERS);
  }

  /**
   * An FP register (f0 is an ordinary register). f0..f15 mostly hold doubles and f16..f31 NaN-boxed
   * singles: an operation of one format mostly takes its registers from its half, so that not
   * every input is a NaN to it (a double as a single, or a boxed single as a double, is one), but
   * one time in six from anywhere.
   */
  private freg(format?: FpFormat, exclude: readonly number[] = []): number {
    for (;;) {
      const r =
        format === undefined || this.rng.chance(1 / 6)
          ? this.rng.below(32)
          : this.rng.below(16) + (format === 's' ? 16 : 0);
      if (!exclude.includes(r)) return r;
    }
  }

  /** The format register r mostly holds (see freg). */
  private static formatOf(r: number): FpFormat {
    return r < 16 ? 'd' : 's';
  }

  /** A static rounding mode (0..4), mostly RNE, or dynamic (7); rarely a reserved one (a trap). */
  private roundingMode(): number {
    if (this.trapBudget > 0 && this.rng.chance(0.01)) {
      this.trapBudget--;
      return this.rng.range(5, 6);
    }
    return this.rng.weighted([
      [4, 0],
      [1, 1],
      [1, 2],
      [1, 3],
      [1, 4],
      [4, 7],
    ]);
  }

  /** A valid frm, mostly RNE (where the JIT's native paths apply). */
  private validFrm(): number {
    return this.rng.weighted([
      [6, 0],
      [1, 1],
      [1, 2],
      [1, 3],
      [1, 4],
    ]);
  }

  private primeDest(): number {
    for (;;) {
      const r = this.rng.pick(PRIME_DESTINATIONS);
      if (!this.avoid.has(r)) return r;
    }
  }

  /** A 12-bit immediate, biased towards the edges. */
  private imm12(): number {
    return this.rng.weighted<() => number>([
      [1, () => 0],
      [1, () => -1],
      [1, () => 2047],
      [1, () => -2048],
      [3, () => this.rng.range(-16, 16)],
      [8, () => this.rng.range(-2048, 2047)],
    ])();
  }

  private shamt(bits: 5 | 6): number {
    const max = (1 << bits) - 1;
    if (this.rng.chance(0.3)) return this.rng.pick([0, 1, max >> 1, (max >> 1) + 1, max]);
    return this.rng.range(0, max);
  }

  private imm6(nonZero: boolean): number {
    for (;;) {
      const v = this.rng.range(-32, 31);
      if (!nonZero || v !== 0) return v;
    }
  }

  // -- single instructions --

  r(name: string, opcode: number, funct3: number, funct7: number, rd: number, rs1: number, rs2: number) {
    this.asm.emit(4, encR(opcode, funct3, funct7, rd, rs1, rs2), name, { rd, rs1, rs2 });
  }

  i(name: string, opcode: number, funct3: number, rd: number, rs1: number, imm: number) {
    this.asm.emit(4, encI(opcode, funct3, rd, rs1, imm), name, { rd, rs1, imm });
  }

  addi(rd: number, rs1: number, imm: number): void {
    this.i('addi', OPC_OP_IMM, 0, rd, rs1, imm);
  }

  add(rd: number, rs1: number, rs2: number): void {
    this.r('add', OPC_OP, 0, 0, rd, rs1, rs2);
  }

  slli(rd: number, rs1: number, shamt: number): void {
    this.i('slli', OPC_OP_IMM, 1, rd, rs1, shamt);
  }

  lui(rd: number, upper: number): void {
    this.asm.emit(4, encU(OPC_LUI, rd, upper), 'lui', { rd, imm: (upper << 12) | 0 });
  }

  load(name: string, rd: number, rs1: number, imm: number): void {
    const [, funct3] = LOADS.find(([n]) => n === name)!;
    this.i(name, OPC_LOAD, funct3, rd, rs1, imm);
  }

  store(name: string, rs2: number, rs1: number, imm: number): void {
    const [, funct3] = STORES.find(([n]) => n === name)!;
    this.asm.emit(4, encS(OPC_STORE, funct3, rs1, rs2, imm), name, { rs1, rs2, imm });
  }

  fload(name: string, rd: number, rs1: number, imm: number): void {
    const [, funct3] = FP_LOADS.find(([n]) => n === name)!;
    this.asm.emit(4, encI(OPC_LOAD_FP, funct3, rd, rs1, imm), name, { rd, rs1, imm });
  }

  fstore(name: string, rs2: number, rs1: number, imm: number): void {
    const [, funct3] = FP_STORES.find(([n]) => n === name)!;
    this.asm.emit(4, encS(OPC_STORE_FP, funct3, rs1, rs2, imm), name, { rs1, rs2, imm });
  }

  /** An OP-FP instruction; rs2 is ignored when the operation has a fixed rs2 field, rm when funct3 is fixed. */
  fpOp(op: (typeof FP_OPS)[number], rd: number, rs1: number, rs2: number, rm: number): void {
    const [name, funct7, , , rs2Class, funct3] = op;
    const field = typeof rs2Class === 'number' ? rs2Class : rs2;
    const f3 = funct3 >= 0 ? funct3 : rm;
    this.asm.emit(4, encR(OPC_OP_FP, f3, funct7, rd, rs1, field), name, { rd, rs1, rs2: field, rm: f3 });
  }

  /** csrrw/csrrs/csrrc (funct3 1..3, rs1 a register) or csrrwi/csrrsi/csrrci (5..7, rs1 a 5-bit value). */
  csr(funct3: number, rd: number, csr: number, rs1: number): void {
    const name = ['', 'csrrw', 'csrrs', 'csrrc', '', 'csrrwi', 'csrrsi', 'csrrci'][funct3];
    this.asm.emit(4, encI(OPC_SYSTEM, funct3, rd, rs1, csr), name, { rd, rs1, imm: csr });
  }

  csrr(rd: number, csr: number): void {
    this.asm.emit(4, encI(OPC_SYSTEM, 2, rd, 0, csr), 'csrrs', { rd, rs1: 0, imm: csr });
  }

  csrw(csr: number, rs1: number): void {
    this.asm.emit(4, encI(OPC_SYSTEM, 1, 0, rs1, csr), 'csrrw', { rd: 0, rs1, imm: csr });
  }

  jalr(rd: number, rs1: number, imm: number): void {
    this.i('jalr', OPC_JALR, 0, rd, rs1, imm);
  }

  jal(rd: number, label: Label): void {
    this.asm.emitTo(4, 'jal', { rd }, label, (delta) => ({ bits: encJ(rd, delta), imm: delta }));
  }

  branch(name: string, funct3: number, rs1: number, rs2: number, label: Label): void {
    this.asm.emitTo(4, name, { rs1, rs2 }, label, (delta) => ({
      bits: encB(funct3, rs1, rs2, delta),
      imm: delta,
    }));
  }

  /** auipc + addi: rd = address of `label`. */
  la(rd: number, label: Label): void {
    const from = this.asm.offset;
    this.asm.emitTo(4, 'auipc', { rd }, label, (delta) => {
      const { upper } = splitPcRel(delta);
      return { bits: encU(OPC_AUIPC, rd, upper), imm: (upper << 12) | 0 };
    });
    this.asm.emitTo(
      4,
      'addi',
      { rd, rs1: rd },
      label,
      (delta) => {
        const { lower } = splitPcRel(delta);
        return { bits: encI(OPC_OP_IMM, 0, rd, rd, lower), imm: lower };
      },
      from,
    );
  }

  /** auipc + addi: rd = a physical address outside the code (known now, so no fixup). */
  laAbsolute(rd: number, address: number): void {
    const { upper, lower } = splitPcRel(address - (CODE_BASE + this.asm.offset));
    this.asm.emit(4, encU(OPC_AUIPC, rd, upper), 'auipc', { rd, imm: (upper << 12) | 0 });
    this.addi(rd, rd, lower);
  }

  // -- building blocks --

  /** Load a random 64-bit value (or an interesting one) into rd with lui/addi(w)/slli/xori. */
  loadRandomValue(rd: number): void {
    const kind = this.rng.weighted<string>([
      [10, 'random64'],
      [3, 'random32'],
      [2, 'small'],
      [1, 'zero'],
      [1, 'minus1'],
      [1, 'int64min'],
      [1, 'int32min'],
      [1, 'int64max'],
    ]);
    switch (kind) {
      case 'random64':
        // 20 + 12 bits, then three rounds of 11 more: every bit of the result is random.
        this.lui(rd, this.rng.below(1 << 20));
        this.i('addiw', OPC_OP_IMM_32, 0, rd, rd, this.rng.range(-2048, 2047));
        for (let k = 0; k < 3; k++) {
          this.slli(rd, rd, 11);
          this.i('xori', OPC_OP_IMM, 4, rd, rd, this.rng.range(-2048, 2047));
        }
        return;
      case 'random32':
        this.lui(rd, this.rng.below(1 << 20));
        this.i('addiw', OPC_OP_IMM_32, 0, rd, rd, this.rng.range(-2048, 2047));
        return;
      case 'small':
        this.addi(rd, 0, this.rng.range(-64, 64));
        return;
      case 'zero':
        this.addi(rd, 0, 0);
        return;
      case 'minus1':
        this.addi(rd, 0, -1);
        return;
      case 'int64min':
        this.addi(rd, 0, -1);
        this.slli(rd, rd, 63);
        return;
      case 'int32min':
        this.lui(rd, 0x80000); // 0xffffffff80000000: INT32_MIN for the W forms
        return;
      case 'int64max':
        this.addi(rd, 0, -1);
        this.i('srli', OPC_OP_IMM, 5, rd, rd, 1);
        return;
    }
  }

  /** One straight-line ALU instruction (no memory, no control flow). */
  simple(): void {
    const choices: [number, Snippet][] = [
      [30, () => this.aluReg()],
      [12, () => this.aluImm()],
      [10, () => this.shift()],
      [6, () => this.unary()],
      [2, () => this.upper()],
    ];
    if (this.compressed) choices.push([10, () => this.compressedAlu()]);
    this.rng.weighted(choices)();
  }

  private aluReg(): void {
    const [name, opcode, funct3, funct7] = this.rng.pick(REG_OPS);
    const rs1 = this.src();
    // Same-register operands hit identities (x - x, x ^ x, x / x) that a translator may fold.
    const rs2 = this.rng.chance(0.08) ? rs1 : this.src();
    this.r(name, opcode, funct3, funct7, this.dest(), rs1, rs2);
  }

  private aluImm(): void {
    const [name, opcode, funct3] = this.rng.pick(IMM_OPS);
    this.i(name, opcode, funct3, this.dest(), this.src(), this.imm12());
  }

  private shift(): void {
    if (this.rng.chance(0.65)) {
      const [name, opcode, funct3, high] = this.rng.pick(SHIFT64_OPS);
      const shamt = this.shamt(6);
      this.i(name, opcode, funct3, this.dest(), this.src(), (high << 6) | shamt);
      this.asm.listing[this.asm.listing.length - 1].expect.imm = shamt;
    } else {
      const [name, funct3, funct7] = this.rng.pick(SHIFT32_OPS);
      const shamt = this.shamt(5);
      const rd = this.dest();
      const rs1 = this.src();
      this.asm.emit(4, encR(OPC_OP_IMM_32, funct3, funct7, rd, rs1, shamt), name, { rd, rs1, imm: shamt });
    }
  }

  private unary(): void {
    const [name, opcode, funct3, imm] = this.rng.pick(UNARY_OPS);
    const rd = this.dest();
    const rs1 = this.src();
    this.asm.emit(4, encI(opcode, funct3, rd, rs1, imm), name, { rd, rs1 });
  }

  private upper(): void {
    const rd = this.dest();
    const upper = this.rng.below(1 << 20);
    if (this.rng.chance(0.5)) this.lui(rd, upper);
    else this.asm.emit(4, encU(OPC_AUIPC, rd, upper), 'auipc', { rd, imm: (upper << 12) | 0 });
  }

  /** Compressed ALU forms (only encodings that are neither reserved nor HINTs). */
  private compressedAlu(): void {
    const emit = (bits: number, name: string, expect: ExpectedOperands) =>
      this.asm.emit(2, bits, name, expect);
    switch (this.rng.below(10)) {
      case 0: {
        const rd = this.nonZeroDest();
        const imm = this.imm6(true);
        emit(encCI(0, rd, imm, 1), 'addi', { rd, rs1: rd, imm }); // c.addi
        return;
      }
      case 1: {
        const rd = this.nonZeroDest();
        const imm = this.imm6(false);
        emit(encCI(1, rd, imm, 1), 'addiw', { rd, rs1: rd, imm }); // c.addiw
        return;
      }
      case 2: {
        const rd = this.nonZeroDest();
        const imm = this.imm6(false);
        emit(encCI(2, rd, imm, 1), 'addi', { rd, rs1: 0, imm }); // c.li
        return;
      }
      case 3: {
        const rd = this.nonZeroDest([2]); // rd = sp is c.addi16sp
        const field = this.rng.range(1, 63);
        emit(encCI(3, rd, field, 1), 'lui', { rd, imm: (field << 26) >> 14 }); // c.lui
        return;
      }
      case 4: {
        const rd = this.nonZeroDest();
        const shamt = this.rng.range(1, 63);
        emit(encCI(0, rd, shamt, 2), 'slli', { rd, rs1: rd, imm: shamt }); // c.slli
        return;
      }
      case 5: {
        const rd = this.primeDest();
        const shamt = this.rng.range(1, 63);
        const funct2 = this.rng.below(2);
        emit(encCB2(funct2, rd, shamt), funct2 === 0 ? 'srli' : 'srai', { rd, rs1: rd, imm: shamt });
        return;
      }
      case 6: {
        const rd = this.primeDest();
        const imm = this.imm6(false);
        emit(encCB2(2, rd, imm), 'andi', { rd, rs1: rd, imm }); // c.andi
        return;
      }
      case 7: {
        const [name, bit12, funct2] = this.rng.pick(CA_OPS);
        const rd = this.primeDest();
        const rs2 = this.rng.pick(PRIME_SOURCES);
        const bits =
          (4 << 13) | (bit12 << 12) | (3 << 10) | ((rd - 8) << 7) | (funct2 << 5) | ((rs2 - 8) << 2) | 1;
        emit(bits, name, { rd, rs1: rd, rs2 });
        return;
      }
      case 8: {
        const rd = this.nonZeroDest();
        const rs2 = this.rng.range(1, 31);
        emit((4 << 13) | (rd << 7) | (rs2 << 2) | 2, 'add', { rd, rs1: 0, rs2 }); // c.mv
        return;
      }
      default: {
        const rd = this.nonZeroDest();
        const rs2 = this.rng.range(1, 31);
        emit((4 << 13) | (1 << 12) | (rd << 7) | (rs2 << 2) | 2, 'add', { rd, rs1: rd, rs2 }); // c.add
        return;
      }
    }
  }

  /** An M operation with the corner-case operands set up right before it. */
  private divMulEdge(): void {
    const [name, opcode, funct3, funct7] = this.rng.pick(DIV_MUL_OPS);
    let rs1 = this.src();
    let rs2 = this.src();
    const dividend = this.rng.below(4);
    if (dividend < 3) {
      rs1 = this.nonZeroDest();
      if (dividend === 0) {
        this.addi(rs1, 0, -1);
        this.slli(rs1, rs1, 63); // INT64_MIN
      } else if (dividend === 1)
        this.lui(rs1, 0x80000); // INT32_MIN (sign-extended)
      else this.loadRandomValue(rs1);
    }
    const divisor = this.rng.below(4);
    if (divisor === 0) rs2 = 0;
    else if (divisor === 1 || divisor === 2) {
      rs2 = this.nonZeroDest([rs1]);
      // -1, or a register whose low word is zero but the whole is not (W forms divide by 0).
      if (divisor === 1) this.addi(rs2, 0, -1);
      else {
        this.addi(rs2, 0, 1);
        this.slli(rs2, rs2, 32);
      }
    }
    this.r(name, opcode, funct3, funct7, this.dest(), rs1, rs2);
  }

  /** A forward branch (or jump) over 1..4 straight-line instructions. */
  private forwardBranch(): void {
    const skip = this.asm.label();
    const form = this.compressed ? this.rng.below(10) : this.rng.below(8);
    if (form < 6) {
      const [name, funct3] = BRANCHES[form];
      const rs1 = this.src();
      const rs2 = this.rng.chance(0.15) ? rs1 : this.rng.chance(0.15) ? 0 : this.src();
      this.branch(name, funct3, rs1, rs2, skip);
    } else if (form === 6) {
      this.jal(this.dest(), skip); // a jal that links to a random register
    } else if (form === 7) {
      // jalr to a computed target: auipc + addi + jalr with a random link register.
      const base = this.nonZeroDest();
      this.la(base, skip);
      this.jalr(this.dest(), base, 0);
    } else if (form === 8) {
      const rs1 = this.rng.pick(PRIME_SOURCES);
      const funct3 = this.rng.chance(0.5) ? 6 : 7;
      this.asm.emitTo(2, funct3 === 6 ? 'beq' : 'bne', { rs1, rs2: 0 }, skip, (delta) => ({
        bits: encCBranch(funct3, rs1, delta),
        imm: delta,
      }));
    } else {
      this.asm.emitTo(2, 'jal', { rd: 0 }, skip, (delta) => ({ bits: encCJ(delta), imm: delta })); // c.j
    }
    const n = this.rng.range(1, 4);
    for (let k = 0; k < n; k++) {
      if (this.fp.float && this.rng.chance(0.2)) this.fpCompute();
      else this.simple();
    }
    this.asm.bind(skip);
  }

  /**
   * A load or store inside the data buffer, with one of several addressing patterns; `float`: an
   * FP one (flw, fld, fsw, fsd, c.fld, c.fsd).
   */
  private memory(float = false): void {
    const isStore = this.rng.chance(0.4);
    const [name, , size] = float
      ? this.rng.pick(isStore ? FP_STORES : FP_LOADS)
      : isStore
        ? this.rng.pick(STORES)
        : this.rng.pick(LOADS);
    const aligned = this.rng.chance(0.5);
    const align = (v: number) => (aligned ? v - (((v % size) + size) % size) : v);
    const access = (base: number, imm: number) => {
      if (float) {
        const format = size === 4 ? 's' : 'd';
        if (isStore) this.fstore(name, this.freg(format), base, imm);
        else this.fload(name, this.freg(format), base, imm);
      } else if (isStore) this.store(name, this.src(), base, imm);
      else this.load(name, this.dest(), base, imm);
    };
    const page = () => this.rng.range(1, this.dataPages - 1);
    switch (
      this.rng.weighted<string>([
        [3, 'direct'],
        [3, 'paged'],
        [2, 'dependent'],
        [2, 'crossing'],
        [this.compressed ? 2 : 0, 'compressed'],
      ])
    ) {
      case 'direct':
        // s1 + [0, 2048 - size]: the first page of the buffer.
        access(DATA_BASE_REGISTER, align(this.rng.range(0, 2048 - size)));
        return;
      case 'paged': {
        // s1 + page * 4096 + [-2048, 2048 - size]: anywhere around a page boundary of the buffer.
        const t = this.nonZeroDest();
        this.lui(t, page());
        this.add(t, t, DATA_BASE_REGISTER);
        access(t, align(this.rng.range(-2048, 2048 - size)));
        return;
      }
      case 'dependent': {
        // s1 + (random register & mask) + imm: the alignment changes with the data.
        const t = this.nonZeroDest();
        this.i('andi', OPC_OP_IMM, 7, t, this.src(), this.rng.pick([0x7ff, 0x7f8, 0x3ff, 0x7]));
        this.add(t, t, DATA_BASE_REGISTER);
        access(t, this.rng.range(0, 2048 - size));
        return;
      }
      case 'crossing': {
        // s1 + page * 4096 + (s0 & 7) - k: whether the access straddles the page boundary depends
        // on the loop counter, so the same instruction crosses in some iterations and not others.
        const t = this.nonZeroDest();
        const u = this.nonZeroDest([t]);
        this.lui(t, page());
        this.add(t, t, DATA_BASE_REGISTER);
        this.i('andi', OPC_OP_IMM, 7, u, LOOP_COUNTER_REGISTER, 7);
        this.add(t, t, u);
        access(t, -this.rng.range(1, size + 6));
        return;
      }
      default: {
        if (float) {
          // c.fld / c.fsd with s1 (x9) as base and f8..f15.
          const off = this.rng.range(0, 31) * 8;
          const f = this.rng.pick(PRIME_FP_REGISTERS);
          if (isStore) {
            this.asm.emit(2, encCD(5, DATA_BASE_REGISTER, f, off), 'fsd', {
              rs1: DATA_BASE_REGISTER,
              rs2: f,
              imm: off,
            });
          } else {
            const bits = encCD(1, DATA_BASE_REGISTER, f, off);
            this.asm.emit(2, bits, 'fld', { rd: f, rs1: DATA_BASE_REGISTER, imm: off });
          }
          return;
        }
        // c.lw / c.ld / c.sw / c.sd with s1 (x9) as base.
        const wide = this.rng.chance(0.5);
        const off = wide ? this.rng.range(0, 31) * 8 : this.rng.range(0, 31) * 4;
        if (isStore) {
          const rs2 = this.rng.pick(PRIME_SOURCES);
          const bits = wide ? encCD(7, DATA_BASE_REGISTER, rs2, off) : encCW(6, DATA_BASE_REGISTER, rs2, off);
          this.asm.emit(2, bits, wide ? 'sd' : 'sw', { rs1: DATA_BASE_REGISTER, rs2, imm: off });
        } else {
          const rd = this.primeDest();
          const bits = wide ? encCD(3, DATA_BASE_REGISTER, rd, off) : encCW(2, DATA_BASE_REGISTER, rd, off);
          this.asm.emit(2, bits, wide ? 'ld' : 'lw', { rd, rs1: DATA_BASE_REGISTER, imm: off });
        }
        return;
      }
    }
  }

  /** An access to an address where nothing is mapped: an access fault the handler skips. */
  private faultingAccess(): void {
    const isStore = this.rng.chance(0.35);
    const float = this.fp.float && this.rng.chance(0.25);
    const [name, , size] = float
      ? this.rng.pick(isStore ? FP_STORES : FP_LOADS)
      : isStore
        ? this.rng.pick(STORES)
        : this.rng.pick(LOADS);
    let base = 0; // physical 0..0x7ff: below the first device (the test finisher at 0x100000)
    let imm = this.rng.range(0, 2048 - size);
    const where = this.rng.below(3);
    if (where === 1) {
      base = this.nonZeroDest();
      this.addi(base, 0, 1);
      this.slli(base, base, 32); // 0x1_0000_0000: where the largest RAM (2 GiB) ends
      imm = this.rng.range(0, 64);
    } else if (where === 2) {
      base = this.nonZeroDest();
      this.addi(base, 0, -1); // the top of the address space
      imm = this.rng.range(-64, 0);
    }
    if (float) {
      if (isStore) this.fstore(name, this.freg(), base, imm);
      else this.fload(name, this.freg(size === 4 ? 's' : 'd'), base, imm);
    } else if (isStore) this.store(name, this.src(), base, imm);
    else this.load(name, this.dest(), base, imm);
  }

  /**
   * A load from the test finisher's page: MMIO, which translated code leaves to the interpreter.
   * It reads as zero and has no side effects (unlike a store there, which could end the run).
   */
  private deviceLoad(): void {
    const float = this.fp.float && this.rng.chance(0.3);
    const [name, , size] = this.rng.pick(float ? FP_LOADS : LOADS);
    const t = this.nonZeroDest();
    this.lui(t, 0x100);
    const imm = this.rng.range(0, 2047 >> Math.log2(size)) * size;
    if (float) this.fload(name, this.freg(size === 4 ? 's' : 'd'), t, imm);
    else this.load(name, this.dest(), t, imm);
  }

  private system(): void {
    switch (this.rng.below(4)) {
      case 0:
        this.asm.emit(4, 0x0000_0073, 'ecall');
        return;
      case 1:
        this.asm.emit(4, 0x0010_0073, 'ebreak');
        return;
      case 2:
        if (this.compressed) {
          this.asm.emit(2, 0x9002, 'ebreak'); // c.ebreak: the handler must skip 2 bytes
          return;
        }
        this.asm.emit(4, 0x0010_0073, 'ebreak');
        return;
      default:
        // The all-zero halfword is the defined illegal instruction (16 bits long, so this also
        // checks the handler's length computation). Without compressed code a second one keeps
        // the 32-bit instructions 4-byte aligned; the handler skips each (two traps).
        this.asm.emit(2, 0x0000, 'illegal');
        if (!this.compressed) this.asm.emit(2, 0x0000, 'illegal');
        return;
    }
  }

  private call(): void {
    if (this.rng.chance(0.5)) {
      this.jal(RA, this.callee);
    } else {
      // The base may be ra itself: jalr reads rs1 before writing rd.
      const base = this.nonZeroDest();
      this.la(base, this.callee);
      this.jalr(RA, base, 0);
    }
  }

  /**
   * Once every `period` iterations (a power of two), add 1 to the immediate of an `addi` in the
   * loop: a word store into the code, so the JIT must drop the page's translation before the new
   * instruction runs. The target is either a few instructions ahead, often in the same translated
   * block as the store, or placed later in the body. The few rewrites per run stay well below the
   * JIT's per-page limits, so the loop keeps being translated.
   */
  selfModify(period: number): void {
    const target = { label: this.asm.label(), rd: this.nonZeroDest() };
    const t = this.nonZeroDest();
    const w = this.nonZeroDest([t]);
    const x = this.nonZeroDest([t, w]);
    const skip = this.asm.label();
    this.i('andi', OPC_OP_IMM, 7, t, LOOP_COUNTER_REGISTER, period - 1);
    this.branch('bne', 1, t, 0, skip);
    this.la(t, target.label);
    this.load('lw', w, t, 0);
    this.lui(x, 0x100); // 1 << 20: the lowest bit of the I-type immediate
    this.add(w, w, x);
    this.store('sw', w, t, 0);
    this.asm.bind(skip);
    if (this.rng.chance(0.5)) {
      const n = this.rng.range(0, 3);
      for (let k = 0; k < n; k++) this.simple();
      this.patchTarget(target);
    } else this.pendingTargets.push(target);
  }

  private patchTarget(target: { label: Label; rd: number }): void {
    this.asm.bind(target.label);
    this.addi(target.rd, target.rd, this.rng.range(-2048, 2047));
  }

  /** Place the patch targets not placed yet (at the end of the body at the latest). */
  flushPatchTargets(): void {
    while (this.pendingTargets.length > 0) this.patchTarget(this.pendingTargets.shift()!);
  }

  // -- floating point --

  /** One F/D computational instruction with random operands (`rm` overrides the rounding mode). */
  private fpCompute(op = this.rng.pick(FP_OPS), rm?: number): void {
    const [name, , rdClass, rs1Class, rs2Class, funct3] = op;
    const { dest, src } = fpFormats(name);
    const rd = rdClass === 'f' ? this.freg(dest) : this.dest();
    const rs1 = rs1Class === 'f' ? this.freg(src) : this.src();
    // Same-register operands: fsgnj rd, rs, rs is fmv/fabs/fneg; x - x, x * x, x == x.
    const rs2 = rs2Class === 'f' ? (this.rng.chance(0.08) ? rs1 : this.freg(src)) : 0;
    this.fpOp(op, rd, rs1, rs2, funct3 >= 0 ? funct3 : (rm ?? this.roundingMode()));
  }

  private fpFused(rm = this.roundingMode()): void {
    const [name, opcode, fmt] = this.rng.pick(FUSED_OPS);
    const format = fmt === 0 ? 's' : 'd';
    const rd = this.freg(format);
    const rs1 = this.freg(format);
    const rs2 = this.freg(format);
    const rs3 = this.rng.chance(0.1) ? rs1 : this.freg(format);
    this.asm.emit(4, encR4(opcode, fmt, rm, rd, rs1, rs2, rs3), name, { rd, rs1, rs2, rs3, rm });
  }

  /** A register holding gp + POOL_BIAS, for poolLoad. */
  private poolBase(): number {
    const t = this.nonZeroDest();
    this.addi(t, TRAP_AREA_REGISTER, POOL_BIAS);
    return t;
  }

  /**
   * fld of pool entry `index` into fd, or (one time in six) flw of one of its halves: the low
   * word of a single entry is the same single, the high word of any is something else.
   */
  private poolLoad(base: number, fd: number, index: number): void {
    const offset = FP_POOL - POOL_BIAS + 8 * index;
    if (this.rng.chance(1 / 6)) this.fload('flw', fd, base, offset + 4 * this.rng.below(2));
    else this.fload('fld', fd, base, offset);
  }

  /** A pool entry for a register of `format`'s half (see freg), one time in six any entry. */
  private poolIndex(format?: FpFormat): number {
    if (format === undefined || this.rng.chance(1 / 6)) return this.rng.below(FP_POOL_LABELS.length);
    return this.rng.pick(POOL_BY_FORMAT[format]);
  }

  /** Interesting values back into a few registers (the loop's arithmetic drifts away from them). */
  private fpReload(): void {
    const base = this.poolBase();
    const n = this.rng.range(1, 3);
    for (let k = 0; k < n; k++) {
      const f = this.freg();
      this.poolLoad(base, f, this.poolIndex(Generator.formatOf(f)));
    }
  }

  /**
   * Two pool values (mostly a pair from FP_EDGE_PAIRS) and an operation on them: mostly
   * fadd/fsub/fmul.d in RNE (static or dynamic), the cases the JIT runs natively or hands over.
   */
  private fpEdge(): void {
    const base = this.poolBase();
    const a = this.freg('d');
    const b = this.freg('d', [a]);
    let i: number;
    let j: number;
    if (this.rng.chance(0.7)) {
      const [p, q] = this.rng.pick(FP_EDGE_PAIRS);
      [i, j] = this.rng.chance(0.5)
        ? [POOL_INDEX.get(p)!, POOL_INDEX.get(q)!]
        : [POOL_INDEX.get(q)!, POOL_INDEX.get(p)!];
    } else {
      i = this.poolIndex('d');
      j = this.poolIndex('d');
    }
    this.fload('fld', a, base, FP_POOL - POOL_BIAS + 8 * i);
    this.fload('fld', b, base, FP_POOL - POOL_BIAS + 8 * j);
    const op = this.rng.chance(0.75)
      ? this.rng.pick(NATIVE_FP_OPS)
      : this.rng.pick(FP_OPS.filter(([, , , rs1]) => rs1 === 'f'));
    const rm = this.rng.weighted<() => number>([
      [6, () => 0],
      [3, () => 7],
      [2, () => this.rng.range(1, 4)],
    ])();
    this.isolatingFlags(() =>
      this.fpOp(op, op[2] === 'f' ? this.freg(fpFormats(op[0]).dest) : this.dest(), a, b, rm),
    );
  }

  /**
   * Half the time, clear fflags before `emit` and fold them into the checksum after it: the
   * flags are sticky and most are set most of the time, so a flag the JIT fails to raise (or
   * raises wrongly) would otherwise rarely show.
   */
  private isolatingFlags(emit: Snippet): void {
    if (!this.rng.chance(0.5)) {
      emit();
      return;
    }
    this.csr(5, 0, CSR_FFLAGS, 0); // fsflagsi 0
    emit();
    this.foldFlags();
  }

  /** An FP comparison deciding a forward branch over a few instructions. */
  private fpCompareBranch(): void {
    const op = this.rng.pick(FP_OPS.filter(([name]) => /^f(eq|lt|le)\./.test(name)));
    const rd = this.nonZeroDest();
    const { src } = fpFormats(op[0]);
    this.isolatingFlags(() => this.fpOp(op, rd, this.freg(src), this.freg(src), 0));
    const skip = this.asm.label();
    if (this.rng.chance(0.5)) this.branch('bne', 1, rd, 0, skip);
    else this.branch('beq', 0, rd, 0, skip);
    const n = this.rng.range(1, 3);
    for (let k = 0; k < n; k++) {
      if (this.rng.chance(0.5)) this.fpCompute();
      else this.simple();
    }
    this.asm.bind(skip);
  }

  /** fcsr accesses: fsrm, fsflags, frflags, frcsr, fscsr and the set/clear forms. */
  private fpCsr(): void {
    switch (this.rng.below(8)) {
      case 0: {
        // fsrmi / fsrm with a valid mode (a reserved one is fpReservedFrm's business)
        const mode = this.validFrm();
        if (this.rng.chance(0.5)) this.csr(5, this.dest(), CSR_FRM, mode);
        else {
          const t = this.nonZeroDest();
          this.addi(t, 0, mode);
          this.csr(1, this.dest(), CSR_FRM, t);
        }
        return;
      }
      case 1:
        // fsflagsi, or fsflags from a random register (only its low 5 bits count)
        if (this.rng.chance(0.5)) this.csr(5, this.dest(), CSR_FFLAGS, this.rng.range(0, 31));
        else this.csr(1, this.dest(), CSR_FFLAGS, this.src());
        return;
      case 2:
        this.csr(this.rng.pick([6, 7]), this.dest(), CSR_FFLAGS, this.rng.range(0, 31));
        return;
      case 3:
        this.csr(2, this.dest(), CSR_FFLAGS, 0); // frflags
        return;
      case 4:
        this.csr(2, this.dest(), this.rng.pick([CSR_FCSR, CSR_FRM]), 0); // frcsr, frrm
        return;
      case 5: {
        // fscsr: a valid mode, random flags
        const t = this.nonZeroDest();
        this.addi(t, 0, (this.validFrm() << 5) | this.rng.range(0, 31));
        this.csr(1, this.dest(), CSR_FCSR, t);
        return;
      }
      default:
        this.foldFlags();
        return;
    }
  }

  /**
   * Read and clear fflags and fold the value into the checksum at FFLAGS_SUM, so that flags that
   * differ between the tiers show at the end even when later instructions would raise them too.
   */
  private foldFlags(): void {
    const t = this.nonZeroDest();
    this.csr(1, t, CSR_FFLAGS, 0); // csrrw t, fflags, x0
    this.fold(t);
  }

  /** Fold register t into the checksum at FFLAGS_SUM. */
  private fold(t: number): void {
    const u = this.nonZeroDest([t]);
    this.load('ld', u, TRAP_AREA_REGISTER, FFLAGS_SUM);
    this.i('rori', OPC_OP_IMM, 5, u, u, (0x18 << 6) | 59); // rotate left by 5
    this.asm.listing[this.asm.listing.length - 1].expect.imm = 59;
    this.r('xor', OPC_OP, 4, 0, u, u, t);
    this.store('sd', u, TRAP_AREA_REGISTER, FFLAGS_SUM);
  }

  /** frm := 5..7, one or two dynamic-rm instructions (illegal: traps), frm back to a valid mode. */
  private fpReservedFrm(): void {
    this.csr(5, this.dest(), CSR_FRM, this.rng.range(5, 7));
    const n = this.rng.range(1, 2);
    for (let k = 0; k < n; k++) {
      if (this.rng.chance(0.25)) this.fpFused(7);
      else this.fpCompute(this.rng.pick(FP_OPS.filter(([, , , , , funct3]) => funct3 < 0)), 7);
    }
    if (this.rng.chance(0.5)) this.fpCompute(); // often legal: a static mode, or no mode at all
    this.csr(5, 0, CSR_FRM, this.validFrm());
  }

  /** mstatus.FS := v (through off: csrc then csrs), in temporary t. */
  private setFs(t: number, v: number): void {
    this.lui(t, fsUpper(3));
    this.csr(3, 0, CSR_MSTATUS, t);
    if (v !== 0) {
      this.lui(t, fsUpper(v));
      this.csr(2, 0, CSR_MSTATUS, t);
    }
  }

  /**
   * FS back to Initial or Clean (as a kernel does after saving the FP state), every iteration or
   * every fourth: the next FP instruction must go through the interpreter's path and dirty it
   * (FP loads and computations do, stores do not). Mostly a few FP accesses follow, then a look
   * at mstatus, folded into the checksum.
   */
  private fsReset(): void {
    const t = this.nonZeroDest();
    const skip = this.asm.label();
    const guarded = this.rng.chance(0.5);
    if (guarded) {
      this.i('andi', OPC_OP_IMM, 7, t, LOOP_COUNTER_REGISTER, 3);
      this.branch('bne', 1, t, 0, skip);
    }
    this.setFs(t, this.rng.chance(0.5) ? this.fp.fpStatus : this.rng.range(1, 2));
    if (this.rng.chance(0.75)) {
      const n = this.rng.range(1, 2);
      for (let k = 0; k < n; k++) this.memory(true);
      const u = this.nonZeroDest();
      this.csrr(u, CSR_MSTATUS);
      this.fold(u);
    }
    this.asm.bind(skip);
  }

  /** FS off for a few FP instructions, each an illegal-instruction trap, then on again. */
  private fsOffStretch(): void {
    const t = this.nonZeroDest();
    this.setFs(t, 0);
    const n = this.rng.range(1, 3);
    for (let k = 0; k < n; k++) {
      switch (this.rng.below(5)) {
        case 0:
          this.memory(true);
          break;
        case 1:
          this.fpFused();
          break;
        case 2:
          this.csr(2, this.dest(), this.rng.pick([CSR_FFLAGS, CSR_FRM, CSR_FCSR]), 0);
          break;
        default:
          this.fpCompute();
      }
    }
    const u = this.nonZeroDest();
    const on = this.rng.weighted<number>([
      [3, 3],
      [1, 2],
      [1, 1],
    ]);
    this.setFs(u, on);
    if (on !== 3 && this.rng.chance(0.5)) {
      this.memory(true);
      this.csrr(u, CSR_MSTATUS);
      this.fold(u);
    }
  }

  /** Place the FS snippets not placed yet (at the end of the body at the latest). */
  flushFloatSnippets(): void {
    for (; this.fsResets > 0; this.fsResets--) this.fsReset();
    for (; this.fsOffStretches > 0; this.fsOffStretches--) this.fsOffStretch();
  }

  /**
   * The FP part of the prologue: FS Dirty, f0..f31 from the pool, fcsr, then FS as the plan says.
   * Runs after gp is set; uses t0 and t1 (loaded with random values later).
   */
  fpPrologue(): void {
    this.setFs(T0, 3);
    this.addi(T1, TRAP_AREA_REGISTER, POOL_BIAS);
    for (let f = 0; f < 32; f++) this.poolLoad(T1, f, this.poolIndex(Generator.formatOf(f)));
    const flags = this.rng.chance(0.5) ? 0 : this.rng.range(0, 31);
    this.addi(T0, 0, (this.validFrm() << 5) | flags);
    this.csr(1, 0, CSR_FCSR, T0);
    if (this.fp.fpStatus !== 3) this.setFs(T0, this.fp.fpStatus);
  }

  /** The FP part of the epilogue: f0..f31 and fcsr into the result area (t0 is stored already). */
  fpEpilogue(): void {
    for (let f = 0; f < 32; f++) this.fstore('fsd', f, TRAP_AREA_REGISTER, FP_RESULT + 8 * f);
    this.csr(2, T0, CSR_FCSR, 0);
    this.store('sd', T0, TRAP_AREA_REGISTER, FCSR_RESULT);
  }

  /** One element of the loop body. */
  bodySnippet(): void {
    const choices: [number, Snippet][] = [
      [60, () => this.simple()],
      [5, () => this.divMulEdge()],
      [7, () => this.forwardBranch()],
      [14, () => this.memory()],
      [1.5, () => this.csrr(this.dest(), this.rng.pick(COUNTER_CSRS))],
      [1, () => this.call()],
      [0.3, () => this.deviceLoad()],
      [0.3, () => this.asm.emit(4, encI(OPC_MISC_MEM, 0, 0, 0, 0x0ff), 'fence')],
    ];
    if (this.fp.float) {
      const k = this.fp.scale;
      choices.push(
        [12 * k, () => this.fpCompute()],
        [3 * k, () => this.isolatingFlags(() => this.fpCompute())],
        [3 * k, () => this.fpFused()],
        [1.5 * k, () => this.foldFlags()],
        [6 * k, () => this.memory(true)],
        [4 * k, () => this.fpEdge()],
        [2 * k, () => this.fpReload()],
        [1.5 * k, () => this.fpCompareBranch()],
        [1.5 * k, () => this.fpCsr()],
      );
      if (this.fsResets > 0) {
        choices.push([
          1,
          () => {
            this.fsResets--;
            this.fsReset();
          },
        ]);
      }
      if (this.fsOffStretches > 0) {
        choices.push([
          1,
          () => {
            this.fsOffStretches--;
            this.fsOffStretch();
          },
        ]);
      }
    }
    if (this.pendingTargets.length > 0) {
      choices.push([3, () => this.patchTarget(this.pendingTargets.shift()!)]);
    }
    if (this.trapBudget > 0) {
      const trap = (emit: Snippet) => () => {
        this.trapBudget--;
        emit();
      };
      choices.push([0.6, trap(() => this.faultingAccess())]);
      choices.push([0.4, trap(() => this.system())]);
      if (this.fp.float) choices.push([0.3, trap(() => this.fpReservedFrm())]);
    }
    this.rng.weighted(choices)();
  }

  /**
   * The trap handler: counts the trap, logs mcause/mepc/mtval/minstret in a ring, and resumes
   * after the trapping instruction (2 or 4 bytes, from the low bits of its first halfword).
   */
  handler(): void {
    const gp = TRAP_AREA_REGISTER;
    this.store('sd', T0, gp, TRAP_SAVE_T0);
    this.store('sd', T1, gp, TRAP_SAVE_T1);
    this.load('ld', T1, gp, TRAP_COUNT);
    this.addi(T0, T1, 1);
    this.store('sd', T0, gp, TRAP_COUNT);
    this.i('andi', OPC_OP_IMM, 7, T1, T1, TRAP_LOG_ENTRIES - 1);
    this.slli(T1, T1, 5);
    this.add(T1, T1, gp);
    const logged: [number, number][] = [
      [CSR_MCAUSE, 0],
      [CSR_MEPC, 8],
      [CSR_MTVAL, 16],
      [CSR_MINSTRET, 24],
    ];
    for (const [csr, at] of logged) {
      this.csrr(T0, csr);
      this.store('sd', T0, T1, TRAP_LOG + at);
    }
    this.csrr(T0, CSR_MEPC);
    this.load('lhu', T1, T0, 0);
    this.i('andi', OPC_OP_IMM, 7, T1, T1, 3);
    this.i('xori', OPC_OP_IMM, 4, T1, T1, 3);
    this.i('sltiu', OPC_OP_IMM, 3, T1, T1, 1); // 1 for a 32-bit instruction
    this.slli(T1, T1, 1);
    this.addi(T1, T1, 2);
    this.add(T0, T0, T1);
    this.csrw(CSR_MEPC, T0);
    this.load('ld', T0, gp, TRAP_SAVE_T0);
    this.load('ld', T1, gp, TRAP_SAVE_T1);
    this.asm.emit(4, 0x3020_0073, 'mret');
  }

  /** The called function: a few ALU instructions that leave ra alone, then return. */
  functionBody(): void {
    this.asm.bind(this.callee);
    this.avoid = new Set([RA]);
    const n = this.rng.range(1, 6);
    for (let k = 0; k < n; k++) this.simple();
    this.avoid = new Set();
    this.jalr(0, RA, 0);
  }
}

/** Generate the program for `seed` (deterministic: the same seed and options give the same bytes). */
export function generateProgram(seed: number, options: RandomProgramOptions = {}): GeneratedProgram {
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const rng = new Rng(seed);
  // Mostly bodies within a page or two; one in four spans several pages, so that the loop crosses
  // page boundaries (and, with compressed code, has 32-bit instructions straddling them).
  const long = rng.chance(0.25);
  const drawnBody = long ? rng.range(320, 1400) : rng.range(80, 320);
  const drawnIterations = long ? rng.range(50, 120) : rng.range(50, 300);
  const drawnSelfModifying = rng.chance(0.2);
  const drawnPatchAt = rng.below(1 << 20);
  const drawnFloat = rng.below(7) !== 0;
  const drawnFpStatus = rng.weighted<1 | 2 | 3>([
    [6, 3],
    [1, 2],
    [1, 1],
  ]);
  const drawnFsOff = rng.chance(1 / 8);
  const drawnFpScale = rng.weighted([
    [1, 0.4],
    [2, 1],
    [1, 2.5],
  ]);
  // Drawn even when overridden, so that changing only the iteration count keeps the same body
  // (a failing seed can be rerun with fewer iterations to see when the tiers start to differ).
  const bodyInstructions = options.bodyInstructions ?? drawnBody;
  const iterations = options.iterations ?? drawnIterations;
  const dataBase = options.dataBase ?? 0x8010_0000;
  const dataPages = options.dataPages ?? 4;
  if (iterations < 1 || iterations > 2047)
    throw new RangeError(`iterations must be 1..2047, got ${iterations}`);
  if (dataPages < 2) throw new RangeError(`dataPages must be at least 2, got ${dataPages}`);
  if (dataBase % 4096 !== 0 || dataBase <= CODE_BASE)
    throw new RangeError('dataBase must be page aligned, above the code');
  const dataSize = dataPages * 4096;
  const trapArea = dataBase + dataSize;

  const float = options.float ?? drawnFloat;
  const fpStatus = float ? (options.fpStatus ?? drawnFpStatus) : 3;
  const fsOff = float && (options.fsOff ?? drawnFsOff);
  const g = new Generator(rng, options.compressed ?? true, dataPages, {
    float,
    fpStatus,
    fsOff,
    scale: drawnFpScale,
  });
  const asm = g.asm;
  const main = asm.label();
  const handler = asm.label();

  g.jal(0, main);
  asm.bind(handler); // offset 4: 4-byte aligned as mtvec (direct mode) requires
  g.handler();
  // The rest of the first page is never executed: the handler gets a page of its own, so the
  // JIT's per-page bookkeeping (hotness, exits per call) sees the loop's page without it.
  while (asm.offset < 4096) g.addi(0, 0, 0);

  asm.bind(main);
  g.la(T0, handler);
  g.csrw(CSR_MTVEC, T0);
  g.laAbsolute(TRAP_AREA_REGISTER, trapArea);
  g.laAbsolute(DATA_BASE_REGISTER, dataBase);
  if (float) g.fpPrologue();
  for (const r of DESTINATIONS) g.loadRandomValue(r);
  g.addi(LOOP_COUNTER_REGISTER, 0, iterations);

  const loop = asm.label();
  asm.bind(loop);
  const firstBodyEntry = asm.listing.length;
  if (options.traps ?? true) g.trapBudget = Math.max(1, Math.floor(bodyInstructions / 120));
  // Programs starting with FS Initial/Clean go back to it in the loop (else only the first,
  // interpreted iteration would see it); FS-off stretches trap every iteration, so few of them.
  if (fpStatus !== 3) g.fsResets = bodyInstructions > 600 ? 2 : 1;
  if (fsOff) g.fsOffStretches = bodyInstructions > 600 ? 2 : 1;
  // Where the self-modifying snippet goes (if any), and how often it rewrites: at least once, at
  // most about five times per run.
  const selfModifying = options.selfModifying ?? drawnSelfModifying;
  let patchAt = selfModifying ? drawnPatchAt % bodyInstructions : -1;
  const period = iterations < 128 ? 32 : 64;
  while (asm.listing.length - firstBodyEntry < bodyInstructions || patchAt >= 0) {
    if (patchAt >= 0 && asm.listing.length - firstBodyEntry >= patchAt) {
      g.selfModify(period);
      patchAt = -1;
    } else g.bodySnippet();
  }
  g.flushPatchTargets();
  g.flushFloatSnippets();
  g.addi(LOOP_COUNTER_REGISTER, LOOP_COUNTER_REGISTER, -1);
  if (asm.offset - loop.offset < 4000) {
    g.branch('bne', 1, LOOP_COUNTER_REGISTER, 0, loop);
  } else {
    // Out of a branch's reach: beqz over a backward jal.
    const done = asm.label();
    g.branch('beq', 0, LOOP_COUNTER_REGISTER, 0, done);
    g.jal(0, loop);
    asm.bind(done);
  }
  const loopEnd = asm.offset;

  // Every register (gp included) into the result area, then PASS to the test finisher.
  for (let r = 1; r < 32; r++) g.store('sd', r, TRAP_AREA_REGISTER, RESULT + 8 * r);
  if (float) g.fpEpilogue();
  g.lui(T0, 0x100);
  g.lui(T1, 0x5);
  g.i('addiw', OPC_OP_IMM_32, 0, T1, T1, 0x555);
  g.store('sw', T1, T0, 0);
  const halt = asm.label();
  asm.bind(halt);
  g.jal(0, halt);

  g.functionBody();
  asm.resolve();

  const codeSize = asm.offset;
  if (CODE_BASE + codeSize > dataBase)
    throw new RangeError(`the code (${codeSize} bytes) overlaps the data buffer`);
  const bytes = new Uint8Array(trapArea + 4096 - CODE_BASE);
  asm.write(bytes);
  // The data buffer starts with random bytes so that loads see varied values from the start.
  const data = dataBase - CODE_BASE;
  for (let i = 0; i < dataSize; i++) bytes[data + i] = rng.below(256);
  // The FP pool: the fixed values, then this program's random ones.
  const pool = [...FP_POOL_VALUES.map(([, value]) => value)];
  for (let k = 0; k < FP_POOL_RANDOM; k++)
    pool.push(randomFloatPattern(rng, Math.floor((3 * k) / FP_POOL_RANDOM)));
  const view = new DataView(bytes.buffer);
  pool.forEach(([high, low], k) => {
    view.setUint32(trapArea - CODE_BASE + FP_POOL + 8 * k, low, true);
    view.setUint32(trapArea - CODE_BASE + FP_POOL + 8 * k + 4, high, true);
  });

  return {
    seed,
    bytes,
    layout: { codeBase: CODE_BASE, codeSize, loopStart: loop.offset, loopEnd, dataBase, dataSize, trapArea },
    listing: asm.listing,
    iterations,
    bodyInstructions,
    selfModifying,
    float,
    fpStatus,
    fsOff,
  };
}

/**
 * A random pool entry: any 64 bits (kind 0), a double with an exponent near an interesting one
 * (the native FMUL bounds, the subnormal range, 1, the top, infinity/NaN) and a random
 * significand (1), or a NaN-boxed single likewise (2).
 */
function randomFloatPattern(rng: Rng, kind: number): Pattern {
  const significandHigh = rng.below(1 << 20);
  const low = rng.next();
  switch (kind) {
    case 0:
      return [rng.next(), low];
    case 1: {
      const exponent = rng.pick([2018, 2017, 55, 56, 0, 1, 1023, 1022, 2046, 2047]) + rng.range(-1, 1);
      const e = Math.min(2047, Math.max(0, exponent));
      return [((rng.below(2) << 31) | (e << 20) | significandHigh) >>> 0, low];
    }
    default: {
      const e = Math.min(255, Math.max(0, rng.pick([0, 1, 127, 254, 255, 64, 190]) + rng.range(-1, 1)));
      return [0xffffffff, ((rng.below(2) << 31) | (e << 23) | (low & 0x7fffff)) >>> 0];
    }
  }
}

/** The flat binary for `seed`: load it at CODE_BASE (see generateProgram for the layout). */
export function randomProgram(seed: number, options?: RandomProgramOptions): Uint8Array {
  return generateProgram(seed, options).bytes;
}
