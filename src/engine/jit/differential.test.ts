// Differential test of the two execution tiers: random programs (random-program.ts) run once on
// the interpreter alone and once with the JIT, and everything architectural must come out the
// same — registers (integer and FP), fflags and frm, pc, privilege, trap CSRs, the
// retired-instruction count and every byte of RAM (the programs log each trap, fold the FP flags
// they read into a checksum and store all registers and fcsr to RAM, so a divergence in the middle
// of a run is visible at the end even when later instructions overwrite the registers involved).
// The interpreter is the reference.
//
// RVISOR_DIFF_SEEDS=n runs seeds 1..n (default 40); RVISOR_DIFF_SEED=a,b,c runs just those.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../machine.js';
import { bootBareMetal, parseBareMetalImage } from '../boot.js';
import { decodeInstruction } from '../cpu/decoder.js';
import { disassemble, FP_REGISTER_NAMES, INT_REGISTER_NAMES } from '../cpu/disassembler.js';
import { expandCompressed } from '../cpu/compressed.js';
import { Op } from '../cpu/opcodes.js';
import { FpOp, fpReadsInteger, fpWritesInteger } from '../cpu/fpu/fp-ops.js';
import { usesRoundingMode } from '../cpu/fpu/float-unit.js';
import { SINK_REGISTER } from '../cpu/registers.js';
import type { JitOptions } from './jit.js';
import { configureV8Tiers } from '../../host/v8-tiers.js';
import {
  CODE_BASE,
  FCSR_RESULT,
  FFLAGS_SUM,
  FP_POOL,
  FP_POOL_LABELS,
  FP_RESULT,
  RESULT,
  TRAP_COUNT,
  TRAP_LOG,
  TRAP_LOG_ENTRIES,
  generateProgram,
  randomProgram,
  type GeneratedProgram,
  type RandomProgramOptions,
} from './random-program.js';

const RAM_BYTES = 4 << 20;
/** Far above what any generated program needs (a few hundred thousand instructions). */
const INSTRUCTION_CAP = 20_000_000;
const SLICE = 100_000;
/** Small, so that the loop's pages are translated after a few iterations. */
const HOT_THRESHOLD = 50;

function seedsToRun(): number[] {
  const explicit = process.env.RVISOR_DIFF_SEED;
  if (explicit !== undefined && explicit !== '') return explicit.split(',').map((s) => Number(s.trim()));
  const count = Number(process.env.RVISOR_DIFF_SEEDS ?? 40);
  return Array.from({ length: count }, (_, i) => i + 1);
}

/** How the JIT side is configured (the reference is always the plain interpreter). */
interface Variant {
  jitOptions: JitOptions;
  /** Machine.sliceSize of the JIT machine: small values make translated code run out of budget. */
  sliceSize?: number;
  /** Least share of the retired instructions that translated code must have executed. */
  minShare: number;
  /**
   * The same for programs that turn FS off for a stretch of the loop: every FP instruction there
   * is an illegal-instruction trap, whose handler (CSR accesses, mret) runs in the interpreter.
   */
  minShareFsOff: number;
}

const STANDARD: Variant = { jitOptions: { hotThreshold: HOT_THRESHOLD }, minShare: 0.5, minShareFsOff: 0.25 };

/**
 * Tiny blocks and few of them per page (so blocks are split, jumps leave for blocks that are not in
 * the translation, and pages are retranslated with new entries until the per-page limit leaves
 * them to the interpreter), short interpreter bursts and short slices (so translated code often
 * stops for lack of budget). Less of the run is translated, hence the lower bar.
 */
const CRAMPED: Variant = {
  jitOptions: { hotThreshold: HOT_THRESHOLD, burst: 16, limits: { maxBlockInstructions: 4, maxBlocks: 100 } },
  sliceSize: 97,
  minShare: 0.01,
  minShareFsOff: 0.01,
};

/**
 * The same with V8's optimizing compiler (the JIT's second tier: jit.ts JitOptions.optimizer) for
 * every page: the wasm is the same, but a compiler bug or a reliance of the translation on
 * unspecified behaviour would show here. This process runs with rvisor's V8 settings (Liftoff
 * only, compilation hints read), so the other variants get Liftoff's code and this one TurboFan's.
 */
const OPTIMIZED: Variant = { ...STANDARD, jitOptions: { hotThreshold: HOT_THRESHOLD, optimizeAll: true } };
configureV8Tiers();

interface Run {
  machine: Machine;
  finished: boolean;
}

function boot(program: GeneratedProgram, variant: Variant | undefined): Machine {
  const machine = new Machine({
    memoryBytes: RAM_BYTES,
    clock: 'icount',
    jit: variant !== undefined,
    jitOptions: variant?.jitOptions,
  });
  if (variant?.sliceSize !== undefined) machine.sliceSize = variant.sliceSize;
  bootBareMetal(machine, parseBareMetalImage(program.bytes, CODE_BASE));
  return machine;
}

function run(program: GeneratedProgram, variant: Variant | undefined): Run {
  const machine = boot(program, variant);
  let attempted = 0;
  while (machine.finishEvent === undefined && attempted < INSTRUCTION_CAP) {
    const state = machine.run(SLICE);
    attempted += SLICE;
    if (state === 'idle') break;
  }
  return { machine, finished: machine.finishEvent !== undefined };
}

const hex = (v: bigint | number): string => '0x' + BigInt.asUintN(64, BigInt(v)).toString(16);

function trapCount(m: Machine, program: GeneratedProgram): number {
  const at = program.layout.trapArea - CODE_BASE + TRAP_COUNT;
  return Number(new DataView(m.ram.u8.buffer, m.ram.u8.byteOffset).getBigUint64(at, true));
}

/** F/D operations with an rs2 operand (the fused ones have rs3 too). */
const FP_BINARY = new Set<FpOp>([
  FpOp.FADD_S,
  FpOp.FSUB_S,
  FpOp.FMUL_S,
  FpOp.FDIV_S,
  FpOp.FSGNJ_S,
  FpOp.FSGNJN_S,
  FpOp.FSGNJX_S,
  FpOp.FMIN_S,
  FpOp.FMAX_S,
  FpOp.FEQ_S,
  FpOp.FLT_S,
  FpOp.FLE_S,
  FpOp.FADD_D,
  FpOp.FSUB_D,
  FpOp.FMUL_D,
  FpOp.FDIV_D,
  FpOp.FSGNJ_D,
  FpOp.FSGNJN_D,
  FpOp.FSGNJX_D,
  FpOp.FMIN_D,
  FpOp.FMAX_D,
  FpOp.FEQ_D,
  FpOp.FLT_D,
  FpOp.FLE_D,
]);
const FP_FUSED = new Set<FpOp>([
  FpOp.FMADD_S,
  FpOp.FMSUB_S,
  FpOp.FNMSUB_S,
  FpOp.FNMADD_S,
  FpOp.FMADD_D,
  FpOp.FMSUB_D,
  FpOp.FNMSUB_D,
  FpOp.FNMADD_D,
]);

/** A register of either file: x (integer) or f (FP). */
interface Register {
  file: 'x' | 'f';
  r: number;
}

const registerName = ({ file, r }: Register): string =>
  file === 'x' ? INT_REGISTER_NAMES[r] : FP_REGISTER_NAMES[r];

/** Major opcodes whose rs2 field is a register operand (R, S and B formats). */
const READS_RS2 = new Set([0x33, 0x3b, 0x23, 0x63]);

/**
 * The registers an instruction writes (x0 and the sink excluded) and reads (x0 included: it shows
 * as zero), by register file.
 */
function registerUse(bits: number): { writes: Register | undefined; reads: Register[] } {
  const d = decodeInstruction(bits);
  const x = (r: number): Register => ({ file: 'x', r });
  const f = (r: number): Register => ({ file: 'f', r });
  switch (d.op) {
    case Op.FLW:
    case Op.FLD:
      return { writes: f(d.rd), reads: [x(d.rs1)] };
    case Op.FSW:
    case Op.FSD:
      return { writes: undefined, reads: [x(d.rs1), f(d.rs2)] };
    case Op.FP: {
      const op = d.aux as FpOp;
      const reads = [fpReadsInteger(op) ? x(d.rs1) : f(d.rs1)];
      if (FP_BINARY.has(op) || FP_FUSED.has(op)) reads.push(f(d.rs2));
      if (FP_FUSED.has(op)) reads.push(f(d.rs3));
      if (!fpWritesInteger(op)) return { writes: f(d.rd), reads };
      return { writes: d.rd === 0 ? undefined : x(d.rd), reads };
    }
  }
  const word = (bits & 3) !== 3 ? expandCompressed(bits & 0xffff) : bits;
  // zext.h is an OP-32 encoding whose rs2 field is fixed, not an operand.
  const reads = READS_RS2.has(word & 0x7f) && d.op !== Op.ZEXT_H ? [x(d.rs1), x(d.rs2)] : [x(d.rs1)];
  // Stores and branches decode with rd 0 and x0 destinations as the sink.
  return { writes: d.rd === 0 || d.rd === SINK_REGISTER ? undefined : x(d.rd), reads };
}

const writes = (bits: number, reg: Register): boolean => {
  const w = registerUse(bits).writes;
  return w !== undefined && w.file === reg.file && w.r === reg.r;
};

/** Body instructions that write register `reg`, disassembled (where to look first). */
function writersOf(program: GeneratedProgram, reg: Register): string[] {
  const { loopStart, loopEnd } = program.layout;
  const lines: string[] = [];
  for (const e of program.listing) {
    if (e.offset < loopStart || e.offset >= loopEnd) continue;
    if (writes(e.bits, reg))
      lines.push(`  ${hex(CODE_BASE + e.offset)}: ${disassemble(e.bits, CODE_BASE + e.offset)}`);
  }
  return lines.length > 12 ? [...lines.slice(0, 12), `  ... ${lines.length - 12} more`] : lines;
}

/** An FP register's bits, and the value they hold as a double or (NaN-boxed) single. */
function describeFloat(bits: bigint): string {
  const u = BigInt.asUintN(64, bits);
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, u, true);
  const value =
    u >> 32n === 0xffffffffn ? `single ${view.getFloat32(0, true)}` : `${view.getFloat64(0, true)}`;
  return `${hex(u)} (${value})`;
}

/** Where a RAM offset is, in the program's terms. */
function describeRamOffset(program: GeneratedProgram, offset: number): string {
  const address = CODE_BASE + offset;
  const { dataBase, dataSize, trapArea } = program.layout;
  const instruction = program.listing.find((e) => offset >= e.offset && offset < e.offset + e.size);
  if (instruction !== undefined) return `code, originally ${disassemble(instruction.bits, address)}`;
  if (address >= dataBase && address < dataBase + dataSize) return `data buffer +${hex(address - dataBase)}`;
  const t = address - trapArea;
  if (t >= RESULT && t < RESULT + 256) return `result area: x${(t - RESULT) >> 3} (byte ${(t - RESULT) & 7})`;
  if (t >= FP_RESULT && t < FP_RESULT + 256) {
    return `result area: f${(t - FP_RESULT) >> 3} (byte ${(t - FP_RESULT) & 7})`;
  }
  if (t >= FCSR_RESULT && t < FCSR_RESULT + 8) return 'result area: fcsr';
  if (t >= FFLAGS_SUM && t < FFLAGS_SUM + 8) return 'checksum of the fflags values read in the loop';
  if (t >= FP_POOL && t < FP_POOL + 8 * FP_POOL_LABELS.length) {
    return `FP pool entry ${(t - FP_POOL) >> 3} (${FP_POOL_LABELS[(t - FP_POOL) >> 3]})`;
  }
  if (t >= TRAP_LOG && t < TRAP_LOG + 32 * TRAP_LOG_ENTRIES) {
    const field = ['mcause', 'mepc', 'mtval', 'minstret'][((t - TRAP_LOG) >> 3) & 3];
    const entry = (t - TRAP_LOG) >> 5;
    return `trap log entry ${entry} (traps number ${entry} mod ${TRAP_LOG_ENTRIES}), ${field}`;
  }
  if (t >= TRAP_COUNT && t < TRAP_COUNT + 8) return 'trap count';
  if (t >= 0 && t < TRAP_COUNT) return 'trap handler save area';
  return hex(address);
}

/** The first architectural difference between the reference and the JIT run, if any. */
function firstDifference(program: GeneratedProgram, ref: Machine, jit: Machine): string | undefined {
  const a = ref.harts[0];
  const b = jit.harts[0];
  const scalar: [string, bigint | number | string, bigint | number | string][] = [
    ['finish', String(JSON.stringify(ref.finishEvent)), String(JSON.stringify(jit.finishEvent))],
    ['retired', a.retired(), b.retired()],
    ['pc', a.pc, b.pc],
    ['priv', a.priv, b.priv],
    ['mcause', a.mcause, b.mcause],
    ['mepc', a.mepc, b.mepc],
    ['mtval', a.mtval, b.mtval],
    ['mstatus', a.mstatus, b.mstatus],
  ];
  scalar.push(['fflags', a.fpu.fflags, b.fpu.fflags], ['frm', a.fpu.frm, b.fpu.frm]);
  for (let r = 0; r < 32; r++) scalar.push([`x${r}`, a.regs.x[r], b.regs.x[r]]);
  for (let r = 0; r < 32; r++) scalar.push([`f${r}`, a.fregs.bits[r], b.fregs.bits[r]]);
  for (const [name, x, y] of scalar) {
    if (x === y) continue;
    const float = /^f\d/.test(name);
    const show = (v: bigint | number | string) =>
      typeof v === 'string' ? v : float ? describeFloat(BigInt(v)) : `${hex(v)} (${v})`;
    let text = `${name}: interpreter ${show(x)}, jit ${show(y)}`;
    if (/^[xf]\d/.test(name)) {
      const writers = writersOf(program, { file: float ? 'f' : 'x', r: Number(name.slice(1)) });
      if (writers.length > 0) text += `\nloop-body instructions writing ${name}:\n${writers.join('\n')}`;
    }
    return text;
  }
  const u = ref.ram.u8;
  const v = jit.ram.u8;
  if (Buffer.from(u.buffer, u.byteOffset, u.length).equals(Buffer.from(v.buffer, v.byteOffset, v.length))) {
    return undefined;
  }
  let i = 0;
  while (u[i] === v[i]) i++;
  const word = i & ~7;
  const read = (m: Uint8Array) => new DataView(m.buffer, m.byteOffset).getBigUint64(word, true);
  return (
    `RAM byte ${hex(CODE_BASE + i)} (${describeRamOffset(program, i)}): interpreter ${hex(u[i])}, jit ${hex(v[i])}; ` +
    `doubleword ${hex(CODE_BASE + word)}: interpreter ${hex(read(u))}, jit ${hex(read(v))}`
  );
}

test('the random program generator is deterministic', () => {
  for (let seed = 1; seed <= 20; seed++) {
    assert.deepEqual(randomProgram(seed), randomProgram(seed), `seed ${seed}`);
  }
  assert.notDeepEqual(randomProgram(1), randomProgram(2));
  assert.deepEqual(
    generateProgram(7, { iterations: 3 }).listing,
    generateProgram(7, { iterations: 3 }).listing,
  );
});

/** Every listed instruction decodes as the generator meant it: name, length and operands. */
function checkListing(program: GeneratedProgram): void {
  const { listing, bytes, layout } = program;
  let offset = 0;
  for (const e of listing) {
    const where = `seed ${program.seed} at ${hex(CODE_BASE + e.offset)} (${e.name})`;
    assert.equal(e.offset, offset, `${where}: listing not contiguous`);
    offset += e.size;
    const inImage =
      e.size === 2
        ? bytes[e.offset] | (bytes[e.offset + 1] << 8)
        : new DataView(bytes.buffer).getUint32(e.offset, true);
    assert.equal(inImage, e.bits, `${where}: image bytes differ from the listing`);
    const d = decodeInstruction(e.bits);
    if (e.name === 'illegal') {
      assert.equal(d.op, Op.ILLEGAL, `${where}: meant to be illegal`);
      continue;
    }
    assert.notEqual(d.op, Op.ILLEGAL, `${where}: ${hex(e.bits)} decodes as illegal`);
    assert.equal(d.name, e.name, `${where}: ${hex(e.bits)} decodes as ${d.name}`);
    assert.equal(d.length, e.size, `${where}: length`);
    const { rd, rs1, rs2, rs3, imm, rm } = e.expect;
    // The F/D forms report rd as written (f0 is a register; the float unit itself skips x0).
    const rawRd = d.op === Op.FP || d.op === Op.FLW || d.op === Op.FLD;
    if (rd !== undefined) assert.equal(d.rd, rd === 0 && !rawRd ? SINK_REGISTER : rd, `${where}: rd`);
    if (rs1 !== undefined) assert.equal(d.rs1, rs1, `${where}: rs1`);
    if (rs2 !== undefined) assert.equal(d.rs2, rs2, `${where}: rs2`);
    if (rs3 !== undefined) assert.equal(d.rs3, rs3, `${where}: rs3`);
    if (imm !== undefined) assert.equal(d.imm, imm, `${where}: imm`);
    if (rm !== undefined) assert.equal(d.rm, rm, `${where}: rm`);
  }
  assert.equal(offset, layout.codeSize);
}

test('generated instructions decode as the generator encoded them', () => {
  const variants: RandomProgramOptions[] = [
    {},
    { compressed: false },
    { traps: false },
    { selfModifying: true },
    { bodyInstructions: 1500 },
    { float: true, fpStatus: 1, fsOff: true },
    { float: false },
  ];
  for (const options of variants) {
    for (let seed = 1; seed <= 25; seed++) {
      const program = generateProgram(seed, options);
      checkListing(program);
      if (options.compressed === false) {
        assert.ok(program.listing.every((e) => e.size === 4 || e.name === 'illegal'));
      }
      if (options.traps === false) {
        assert.ok(!program.listing.some((e) => e.name === 'illegal' || e.name === 'ecall'));
      }
      if (options.float === false) {
        assert.ok(!program.listing.some((e) => /^f(?!ence)/.test(e.name)), 'FP instructions');
      }
    }
  }
  // The generator must cover what it promises: every mnemonic of the lists below appears.
  const seen = new Set<string>();
  for (let seed = 1; seed <= 40; seed++) for (const e of generateProgram(seed).listing) seen.add(e.name);
  const expected =
    'add sub sll slt sltu xor srl sra or and addw subw sllw srlw sraw addi slti sltiu xori ori andi addiw ' +
    'slli srli srai slliw srliw sraiw lui auipc mul mulh mulhsu mulhu div divu rem remu mulw divw divuw ' +
    'remw remuw add.uw sh1add sh2add sh3add sh1add.uw sh2add.uw sh3add.uw slli.uw andn orn xnor clz clzw ' +
    'ctz ctzw cpop cpopw max maxu min minu sext.b sext.h zext.h rol rolw ror rorw rori roriw orc.b rev8 ' +
    'bclr bclri bext bexti binv binvi bset bseti czero.eqz czero.nez beq bne blt bge bltu bgeu jal jalr ' +
    'lb lh lw ld lbu lhu lwu sb sh sw sd csrrs csrrw ecall ebreak mret fence illegal ' +
    'csrrc csrrwi csrrsi csrrci flw fld fsw fsd fmadd.s fmsub.s fnmsub.s fnmadd.s fmadd.d fmsub.d fnmsub.d ' +
    'fnmadd.d fcvt.s.d fcvt.d.s';
  const perFormat =
    'fadd fsub fmul fdiv fsqrt fsgnj fsgnjn fsgnjx fmin fmax fcvt.w fcvt.wu fcvt.l fcvt.lu fclass ' +
    'feq flt fle';
  const names = expected.split(' ');
  for (const letter of ['s', 'd']) {
    for (const name of perFormat.split(' ')) names.push(`${name}.${letter}`);
    for (const int of ['w', 'wu', 'l', 'lu']) names.push(`fcvt.${letter}.${int}`);
  }
  names.push('fmv.x.w', 'fmv.w.x', 'fmv.x.d', 'fmv.d.x');
  for (const name of names) assert.ok(seen.has(name), `no ${name} in 40 programs`);
  // Every static rounding mode, the dynamic one and the reserved ones occur.
  const modes = new Set<number>();
  for (let seed = 1; seed <= 40; seed++) {
    for (const e of generateProgram(seed).listing) {
      const d = decodeInstruction(e.bits);
      if (d.op === Op.FP && usesRoundingMode(d.aux as FpOp)) modes.add(d.rm);
    }
  }
  for (let rm = 0; rm < 8; rm++) assert.ok(modes.has(rm), `no rounding mode ${rm} in 40 programs`);
});

interface Comparison {
  program: GeneratedProgram;
  ref: Run;
  fast: Run;
  /** The first difference, or undefined when the runs agree. */
  difference: string | undefined;
}

function compare(seed: number, variant: Variant, options: RandomProgramOptions = {}): Comparison {
  const program = generateProgram(seed, options);
  const ref = run(program, undefined);
  const fast = run(program, variant);
  let difference = firstDifference(program, ref.machine, fast.machine);
  if (!fast.finished)
    difference = `the JIT run did not finish (pc ${hex(fast.machine.harts[0].pc)}); ${difference}`;
  return { program, ref, fast, difference };
}

/**
 * The fewest loop iterations with which the tiers still differ (the body stays the same: see
 * generateProgram), found by bisection; it tells how soon after translation things go wrong.
 */
function fewestFailingIterations(seed: number, variant: Variant, failing: number): number {
  let lo = 0; // agrees (or assumed to: no iterations, nothing translated)
  let hi = failing;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (compare(seed, variant, { iterations: mid }).difference !== undefined) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The instruction bits at a physical code address. */
function instructionAt(m: Machine, pc: number): number {
  const u = m.ram.u8;
  const o = pc - CODE_BASE;
  const low = u[o] | (u[o + 1] << 8);
  return (low & 3) !== 3 ? low : (low | (u[o + 2] << 16) | (u[o + 3] << 24)) >>> 0;
}

/** What the reference looked like before (and, for fflags, after) one instruction. */
interface Step {
  pc: number;
  bits: number;
  before: BigInt64Array;
  fbefore: BigInt64Array;
  flags: number;
  flagsAfter: number;
  frm: number;
}

/** An instruction with the values of its source registers (and fcsr), as in the reference before it ran. */
function describeStep(st: Step): string {
  const values = registerUse(st.bits).reads.map(
    (reg) =>
      `${registerName(reg)} = ${reg.file === 'x' ? hex(st.before[reg.r]) : describeFloat(st.fbefore[reg.r])}`,
  );
  const d = decodeInstruction(st.bits);
  if (d.op === Op.FP) {
    if (d.rm === 7 && usesRoundingMode(d.aux as FpOp)) values.push(`frm = ${st.frm}`);
    values.push(`fflags ${hex(st.flags)} -> ${hex(st.flagsAfter)}`);
  }
  return `${hex(st.pc)}: ${disassemble(st.bits, st.pc)}   [${values.join(', ')}]`;
}

/** Bytes written by a store instruction, by operation. */
const STORE_SIZES: Partial<Record<number, number>> = {
  [Op.SB]: 1,
  [Op.SH]: 2,
  [Op.SW]: 4,
  [Op.SD]: 8,
  [Op.FSW]: 4,
  [Op.FSD]: 8,
};

/**
 * Find where the tiers part: the JIT machine runs in chunks of `chunk` attempted instructions,
 * the reference is stepped to the same retired count after each, and the first chunk after which
 * registers, fflags/frm, pc or the data/trap pages differ is reported instruction by instruction
 * (as the reference executed it, with source operand values), starting with the earliest last
 * writer of a differing register or byte. The states agreed before that chunk, so the culprit is
 * in it. Only used once a seed is known to fail.
 */
function locate(seed: number, variant: Variant, iterations: number, chunk: number): string | undefined {
  const program = generateProgram(seed, { iterations });
  const ref = boot(program, undefined);
  const fast = boot(program, variant);
  const a = ref.harts[0];
  const b = fast.harts[0];
  const from = program.layout.dataBase - CODE_BASE;
  const to = program.layout.trapArea + 4096 - CODE_BASE;
  for (let attempted = 0; attempted < INSTRUCTION_CAP && fast.finishEvent === undefined; attempted += chunk) {
    fast.run(chunk);
    const target = b.retired();
    const steps: Step[] = [];
    const step = () => {
      const st: Step = {
        pc: a.pc,
        bits: instructionAt(ref, a.pc),
        before: a.regs.x.slice(),
        fbefore: a.fregs.bits.slice(),
        flags: a.fpu.fflags,
        flagsAfter: 0,
        frm: a.fpu.frm,
      };
      ref.run(1);
      st.flagsAfter = a.fpu.fflags;
      steps.push(st);
    };
    while (a.retired() < target && ref.finishEvent === undefined) step();
    // Equal retired counts leave one ambiguity: a trapping instruction retires nothing, so the
    // JIT side may already be in the handler. Let the reference take such traps too.
    while (
      a.pc !== b.pc &&
      a.retired() === target &&
      steps.length < 4 * chunk &&
      ref.finishEvent === undefined
    ) {
      const before = a.retired();
      step();
      if (a.retired() !== before) break; // it retired something: the pcs really differ
    }
    const suspects: { j: number; text: string }[] = [];
    const lastWhere = (match: (st: Step) => boolean) => {
      let j = steps.length - 1;
      while (j >= 0 && !match(steps[j])) j--;
      return j;
    };
    for (const file of ['x', 'f'] as const) {
      for (let r = file === 'x' ? 1 : 0; r < 32; r++) {
        const [u, v] = file === 'x' ? [a.regs.x[r], b.regs.x[r]] : [a.fregs.bits[r], b.fregs.bits[r]];
        if (u === v) continue;
        const reg = { file, r };
        const j = lastWhere((st) => writes(st.bits, reg));
        const show = file === 'x' ? hex : describeFloat;
        const values = `interpreter ${show(u)}, jit ${show(v)}`;
        suspects.push({ j: j < 0 ? Infinity : j, text: `${registerName(reg)} differs (${values})` });
      }
    }
    for (const [name, u, v] of [
      ['fflags', a.fpu.fflags, b.fpu.fflags],
      ['frm', a.fpu.frm, b.fpu.frm],
    ] as const) {
      if (u === v) continue;
      // The last instruction that changed it in the reference, else the last FP computation or
      // fcsr access (one that should have changed it and did not in the reference, or did in the JIT).
      let j = lastWhere((st) => name === 'fflags' && st.flags !== st.flagsAfter);
      if (j < 0) {
        j = lastWhere((st) => {
          const d = decodeInstruction(st.bits);
          return d.op === Op.FP || (d.op >= Op.CSRRW && d.op <= Op.CSRRCI && d.imm >= 1 && d.imm <= 3);
        });
      }
      const text = `${name} differs (interpreter ${hex(u)}, jit ${hex(v)})`;
      suspects.push({ j: j < 0 ? Infinity : j, text });
    }
    let i = from;
    while (i < to && ref.ram.u8[i] === fast.ram.u8[i]) i++;
    if (i < to) {
      const address = BigInt(CODE_BASE + i);
      const j = lastWhere((st) => {
        const d = decodeInstruction(st.bits);
        const size = STORE_SIZES[d.op];
        if (size === undefined) return false;
        const start = st.before[d.rs1] + BigInt(d.imm);
        return address >= start && address < start + BigInt(size);
      });
      const values = `interpreter ${hex(ref.ram.u8[i])}, jit ${hex(fast.ram.u8[i])}`;
      const text = `byte ${hex(address)} (${describeRamOffset(program, i)}) differs (${values})`;
      suspects.push({
        j: j < 0 ? Infinity : j,
        text: j < 0 ? `${text}; the reference stored nothing there` : text,
      });
    }
    if (a.pc !== b.pc)
      suspects.push({ j: Infinity, text: `pc differs (interpreter ${hex(a.pc)}, jit ${hex(b.pc)})` });
    if (suspects.length === 0) continue;
    suspects.sort((p, q) => p.j - q.j);
    const lines = suspects.map((s) =>
      s.j === Infinity ? `  ${s.text}` : `  ${s.text}, last written by ${describeStep(steps[s.j])}`,
    );
    // The earliest suspect may only have passed a wrong value on (a store of a register the JIT
    // computed wrongly): list where its operands came from, a few levels back.
    if (suspects[0].j !== Infinity) {
      const work = [suspects[0].j];
      const seen = new Set<number>();
      while (work.length > 0 && seen.size < 8) {
        const j = work.shift()!;
        for (const reg of registerUse(steps[j].bits).reads) {
          if (reg.file === 'x' && reg.r === 0) continue;
          let k = j - 1;
          while (k >= 0 && !writes(steps[k].bits, reg)) k--;
          if (k < 0 || seen.has(k)) continue;
          seen.add(k);
          work.push(k);
          lines.push(
            `    ${registerName(reg)} of ${hex(steps[j].pc)} comes from ${hex(steps[k].pc)}: ${disassemble(steps[k].bits, steps[k].pc)}`,
          );
        }
      }
    }
    const trace = steps.map((st) => `    ${describeStep(st)}`);
    return (
      `with ${iterations} iterations, the states first differ after the JIT chunk ending at retired count ` +
      `${target}:\n${lines.join('\n')}\n  the chunk as the reference ran it:\n${trace.join('\n')}`
    );
  }
  return undefined;
}

/** Whether an instruction is a CSR instruction on fflags or fcsr (one that may read the flags). */
function readsFlags(bits: number): boolean {
  const csr = bits >>> 20;
  return (bits & 0x7f) === 0x73 && ((bits >>> 12) & 3) !== 0 && (csr === 1 || csr === 3);
}

/**
 * Run the program and record every value of fflags that a CSR instruction read, with its pc and
 * the retired count before it. The flags are read through the float unit's `fflags` accessor, so
 * wrapping it on the instance sees them without changing what runs.
 */
function flagReads(program: GeneratedProgram, variant: Variant | undefined): [number, number, number][] {
  const machine = boot(program, variant);
  const h = machine.harts[0];
  const unit = h.fpu;
  const accessor = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(unit), 'fflags')!;
  const reads: [number, number, number][] = [];
  Object.defineProperty(unit, 'fflags', {
    get(): number {
      const value = accessor.get!.call(unit) as number;
      if (readsFlags(instructionAt(machine, h.pc))) reads.push([h.pc, value, Number(h.retired())]);
      return value;
    },
    set(value: number) {
      accessor.set!.call(unit, value);
    },
  });
  for (
    let attempted = 0;
    machine.finishEvent === undefined && attempted < INSTRUCTION_CAP;
    attempted += SLICE
  ) {
    if (machine.run(SLICE) === 'idle') break;
  }
  return reads;
}

/**
 * The first fflags value read by a CSR instruction that differs between the tiers, with what the
 * reference ran since the read before it (the programs clear the flags before the instructions
 * they check and read them right after, so this names the instruction whose flags differ; the
 * chunks of `locate` cannot, since fflags are sticky and what differs first is a checksum).
 */
function firstFlagsReadDifference(seed: number, variant: Variant, iterations: number): string | undefined {
  const program = generateProgram(seed, { iterations });
  const a = flagReads(program, undefined);
  const b = flagReads(program, variant);
  let i = 0;
  while (i < a.length && i < b.length && a[i][0] === b[i][0] && a[i][1] === b[i][1]) i++;
  if (i === a.length && i === b.length) return undefined;
  if (i === a.length || i === b.length) return `the tiers read fflags ${a.length} and ${b.length} times`;
  const [pc, value, retired] = a[i];
  const since = i > 0 ? a[i - 1][2] + 1 : 0;
  const ref = boot(program, undefined);
  const h = ref.harts[0];
  while (Number(h.retired()) < since && ref.finishEvent === undefined)
    ref.run(Math.min(SLICE, since - Number(h.retired())));
  const steps: Step[] = [];
  while (Number(h.retired()) <= retired && ref.finishEvent === undefined && steps.length < 4096) {
    const st: Step = {
      pc: h.pc,
      bits: instructionAt(ref, h.pc),
      before: h.regs.x.slice(),
      fbefore: h.fregs.bits.slice(),
      flags: h.fpu.fflags,
      flagsAfter: 0,
      frm: h.fpu.frm,
    };
    ref.run(1);
    st.flagsAfter = h.fpu.fflags;
    steps.push(st);
  }
  const shown = steps.slice(-40).map((st) => `    ${describeStep(st)}`);
  return (
    `with ${iterations} iterations, fflags read number ${i} (at ${hex(pc)}, retired count ${retired}) differs: ` +
    `interpreter ${hex(value)}, jit ${hex(b[i][1])}${b[i][0] !== pc ? ` (the jit read it at ${hex(b[i][0])})` : ''}; ` +
    `the reference since the previous read${steps.length > 40 ? ' (the last 40 instructions)' : ''}:\n${shown.join('\n')}`
  );
}

/** Run seed's program on both tiers and fail with the first difference; returns traps and translations. */
function checkSeed(seed: number, variant: Variant): { traps: number; translations: number; float: boolean } {
  const { program, ref, fast, difference } = compare(seed, variant);
  const float = program.float
    ? `, floating point (FS ${['off', 'Initial', 'Clean', 'Dirty'][program.fpStatus]} at the start` +
      `${program.fsOff ? ', off for a stretch' : ''})`
    : '';
  const context =
    `seed ${seed} (RVISOR_DIFF_SEED=${seed} reproduces it): ${program.iterations} iterations of ` +
    `${program.bodyInstructions} body instructions${program.selfModifying ? ' (self-modifying)' : ''}${float}, ` +
    `loop at ${hex(CODE_BASE + program.layout.loopStart)}..${hex(CODE_BASE + program.layout.loopEnd)}`;
  assert.ok(ref.finished, `${context}: the interpreter did not finish (pc ${hex(ref.machine.harts[0].pc)})`);
  assert.equal(ref.machine.finishEvent?.kind, 'pass', context);
  const stats = fast.machine.jit!.stats;
  if (difference !== undefined) {
    const fewest = fewestFailingIterations(seed, variant, program.iterations);
    const flags = program.float ? firstFlagsReadDifference(seed, variant, fewest) : undefined;
    assert.fail(
      `${context}\nfirst difference: ${difference}\n` +
        `traps: interpreter ${trapCount(ref.machine, program)}, jit ${trapCount(fast.machine, program)}; ` +
        `jit stats: ${JSON.stringify(stats)}\n` +
        (flags === undefined ? '' : `${flags}\n`) +
        (locate(seed, variant, fewest, 64) ??
          locate(seed, variant, fewest, 1024) ??
          'stepping the two machines side by side found no difference'),
    );
  }
  // Not vacuous: most instructions must have run as translated code (FP instructions included:
  // those translated code does not run natively it hands to the float unit without leaving).
  const retired = fast.machine.harts[0].retired();
  const minShare = program.fsOff ? variant.minShareFsOff : variant.minShare;
  assert.ok(
    stats.instructions > 0 && stats.instructions > minShare * retired,
    `${context}: translated code executed ${stats.instructions} of ${retired} instructions; ` +
      `jit stats: ${JSON.stringify(stats)}`,
  );
  return { traps: trapCount(ref.machine, program), translations: stats.translations, float: program.float };
}

test('the JIT and the interpreter agree on random programs', async (t) => {
  let traps = 0;
  let translations = 0;
  let float = 0;
  let passed = 0;
  const seeds = seedsToRun();
  for (const seed of seeds) {
    await t.test(`seed ${seed}`, () => {
      const result = checkSeed(seed, STANDARD);
      traps += result.traps;
      translations += result.translations;
      if (result.float) float++;
      passed++;
    });
  }
  // Only meaningful when every seed ran to the end (a failed seed reports for itself).
  if (passed === seeds.length) {
    assert.ok(translations > 0, 'nothing was translated');
    if (seeds.length >= 10) assert.ok(traps > 0, 'no program took a trap');
    if (seeds.length >= 10) assert.ok(float > 0, 'no program used floating point');
  }
});

test('the JIT and the interpreter agree with cramped translation limits and short slices', async (t) => {
  // A quarter of the seeds: the programs are the same, only the JIT's configuration differs.
  const seeds = seedsToRun();
  for (const seed of seeds.slice(0, Math.max(1, Math.ceil(seeds.length / 4)))) {
    await t.test(`seed ${seed}`, () => {
      checkSeed(seed, CRAMPED);
    });
  }
});

test('the JIT and the interpreter agree with every page compiled by the optimizing tier', async (t) => {
  // A quarter of the seeds, as above: TurboFan takes ~10x Liftoff's time to compile a page.
  const seeds = seedsToRun();
  for (const seed of seeds.slice(0, Math.max(1, Math.ceil(seeds.length / 4)))) {
    await t.test(`seed ${seed}`, () => {
      checkSeed(seed, OPTIMIZED);
    });
  }
});
