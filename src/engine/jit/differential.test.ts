// Differential test of the two execution tiers: random programs (random-program.ts) run once on
// the interpreter alone and once with the JIT, and everything architectural must come out the
// same — registers, pc, privilege, trap CSRs, the retired-instruction count and every byte of RAM
// (the programs log each trap and store all registers to RAM, so a divergence in the middle of a
// run is visible at the end even when later instructions overwrite the registers involved).
// The interpreter is the reference.
//
// RVISOR_DIFF_SEEDS=n runs seeds 1..n (default 40); RVISOR_DIFF_SEED=a,b,c runs just those.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../machine.js';
import { bootBareMetal, parseBareMetalImage } from '../boot.js';
import { decodeInstruction } from '../cpu/decoder.js';
import { disassemble, INT_REGISTER_NAMES } from '../cpu/disassembler.js';
import { expandCompressed } from '../cpu/compressed.js';
import { Op } from '../cpu/opcodes.js';
import { SINK_REGISTER } from '../cpu/registers.js';
import type { JitOptions } from './jit.js';
import {
  CODE_BASE,
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
}

const STANDARD: Variant = { jitOptions: { hotThreshold: HOT_THRESHOLD }, minShare: 0.5 };

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
};

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

/** Body instructions that write register r, disassembled (where to look first). */
function writersOf(program: GeneratedProgram, r: number): string[] {
  const { loopStart, loopEnd } = program.layout;
  const lines: string[] = [];
  for (const e of program.listing) {
    if (e.offset < loopStart || e.offset >= loopEnd) continue;
    // Stores and branches decode with rd 0 and x0 destinations as the sink, so rd === r (r > 0)
    // is exactly "writes r".
    if (r > 0 && decodeInstruction(e.bits).rd === r) {
      lines.push(`  ${hex(CODE_BASE + e.offset)}: ${disassemble(e.bits, CODE_BASE + e.offset)}`);
    }
  }
  return lines.length > 12 ? [...lines.slice(0, 12), `  ... ${lines.length - 12} more`] : lines;
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
    ['finish', JSON.stringify(ref.finishEvent), JSON.stringify(jit.finishEvent)],
    ['retired', a.retired(), b.retired()],
    ['pc', a.pc, b.pc],
    ['priv', a.priv, b.priv],
    ['mcause', a.mcause, b.mcause],
    ['mepc', a.mepc, b.mepc],
    ['mtval', a.mtval, b.mtval],
    ['mstatus', a.mstatus, b.mstatus],
  ];
  for (let r = 0; r < 32; r++) scalar.push([`x${r}`, a.regs.x[r], b.regs.x[r]]);
  for (const [name, x, y] of scalar) {
    if (x === y) continue;
    const show = (v: bigint | number | string) => (typeof v === 'string' ? v : `${hex(v)} (${v})`);
    let text = `${name}: interpreter ${show(x)}, jit ${show(y)}`;
    if (name.startsWith('x')) {
      const writers = writersOf(program, Number(name.slice(1)));
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
    const { rd, rs1, rs2, imm } = e.expect;
    if (rd !== undefined) assert.equal(d.rd, rd === 0 ? SINK_REGISTER : rd, `${where}: rd`);
    if (rs1 !== undefined) assert.equal(d.rs1, rs1, `${where}: rs1`);
    if (rs2 !== undefined) assert.equal(d.rs2, rs2, `${where}: rs2`);
    if (imm !== undefined) assert.equal(d.imm, imm, `${where}: imm`);
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
    'lb lh lw ld lbu lhu lwu sb sh sw sd csrrs csrrw ecall ebreak mret fence illegal';
  for (const name of expected.split(' ')) assert.ok(seen.has(name), `no ${name} in 40 programs`);
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

/** Major opcodes whose rs2 field is a register operand (R, S and B formats). */
const READS_RS2 = new Set([0x33, 0x3b, 0x23, 0x63]);

/** The registers an instruction reads (x0 included: it shows as zero). */
function sourcesOf(bits: number): number[] {
  const d = decodeInstruction(bits);
  const word = (bits & 3) !== 3 ? expandCompressed(bits & 0xffff) : bits;
  // zext.h is an OP-32 encoding whose rs2 field is fixed, not an operand.
  return READS_RS2.has(word & 0x7f) && d.op !== Op.ZEXT_H ? [d.rs1, d.rs2] : [d.rs1];
}

/** An instruction with the values of its source registers, as in the reference before it ran. */
function describeStep(bits: number, pc: number, before: BigInt64Array): string {
  const values = sourcesOf(bits).map((r) => `${INT_REGISTER_NAMES[r]} = ${hex(before[r])}`);
  return `${hex(pc)}: ${disassemble(bits, pc)}   [${values.join(', ')}]`;
}

/**
 * Find where the tiers part: the JIT machine runs in chunks of `chunk` attempted instructions,
 * the reference is stepped to the same retired count after each, and the first chunk after which
 * registers, pc or the data/trap pages differ is reported instruction by instruction (as the
 * reference executed it, with source operand values), starting with the earliest last writer of a
 * differing register or byte. The states agreed before that chunk, so the culprit is in it.
 * Only used once a seed is known to fail.
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
    const steps: { pc: number; bits: number; before: BigInt64Array }[] = [];
    const step = () => {
      steps.push({ pc: a.pc, bits: instructionAt(ref, a.pc), before: a.regs.x.slice() });
      ref.run(1);
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
    const lastWriter = (
      match: (d: ReturnType<typeof decodeInstruction>, before: BigInt64Array) => boolean,
    ) => {
      let j = steps.length - 1;
      while (j >= 0 && !match(decodeInstruction(steps[j].bits), steps[j].before)) j--;
      return j;
    };
    for (let r = 1; r < 32; r++) {
      if (a.regs.x[r] === b.regs.x[r]) continue;
      const j = lastWriter((d) => d.rd === r);
      const values = `interpreter ${hex(a.regs.x[r])}, jit ${hex(b.regs.x[r])}`;
      suspects.push({ j: j < 0 ? Infinity : j, text: `${INT_REGISTER_NAMES[r]} differs (${values})` });
    }
    let i = from;
    while (i < to && ref.ram.u8[i] === fast.ram.u8[i]) i++;
    if (i < to) {
      const address = BigInt(CODE_BASE + i);
      const j = lastWriter((d, before) => {
        const size = { [Op.SB]: 1, [Op.SH]: 2, [Op.SW]: 4, [Op.SD]: 8 }[d.op as number];
        if (size === undefined) return false;
        const start = before[d.rs1] + BigInt(d.imm);
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
      s.j === Infinity
        ? `  ${s.text}`
        : `  ${s.text}, last written by ${describeStep(steps[s.j].bits, steps[s.j].pc, steps[s.j].before)}`,
    );
    // The earliest suspect may only have passed a wrong value on (a store of a register the JIT
    // computed wrongly): list where its operands came from, a few levels back.
    if (suspects[0].j !== Infinity) {
      const work = [suspects[0].j];
      const seen = new Set<number>();
      while (work.length > 0 && seen.size < 8) {
        const j = work.shift()!;
        for (const r of sourcesOf(steps[j].bits)) {
          if (r === 0) continue;
          let k = j - 1;
          while (k >= 0 && decodeInstruction(steps[k].bits).rd !== r) k--;
          if (k < 0 || seen.has(k)) continue;
          seen.add(k);
          work.push(k);
          lines.push(
            `    ${INT_REGISTER_NAMES[r]} of ${hex(steps[j].pc)} comes from ${hex(steps[k].pc)}: ${disassemble(steps[k].bits, steps[k].pc)}`,
          );
        }
      }
    }
    const trace = steps.map((st) => `    ${describeStep(st.bits, st.pc, st.before)}`);
    return (
      `with ${iterations} iterations, the states first differ after the JIT chunk ending at retired count ` +
      `${target}:\n${lines.join('\n')}\n  the chunk as the reference ran it:\n${trace.join('\n')}`
    );
  }
  return undefined;
}

/** Run seed's program on both tiers and fail with the first difference; returns traps and translations. */
function checkSeed(seed: number, variant: Variant): { traps: number; translations: number } {
  const { program, ref, fast, difference } = compare(seed, variant);
  const context =
    `seed ${seed} (RVISOR_DIFF_SEED=${seed} reproduces it): ${program.iterations} iterations of ` +
    `${program.bodyInstructions} body instructions${program.selfModifying ? ' (self-modifying)' : ''}, ` +
    `loop at ${hex(CODE_BASE + program.layout.loopStart)}..${hex(CODE_BASE + program.layout.loopEnd)}`;
  assert.ok(ref.finished, `${context}: the interpreter did not finish (pc ${hex(ref.machine.harts[0].pc)})`);
  assert.equal(ref.machine.finishEvent?.kind, 'pass', context);
  const stats = fast.machine.jit!.stats;
  if (difference !== undefined) {
    const fewest = fewestFailingIterations(seed, variant, program.iterations);
    assert.fail(
      `${context}\nfirst difference: ${difference}\n` +
        `traps: interpreter ${trapCount(ref.machine, program)}, jit ${trapCount(fast.machine, program)}; ` +
        `jit stats: ${JSON.stringify(stats)}\n` +
        (locate(seed, variant, fewest, 64) ??
          locate(seed, variant, fewest, 1024) ??
          'stepping the two machines side by side found no difference'),
    );
  }
  // Not vacuous: most instructions must have run as translated code.
  const retired = fast.machine.harts[0].retired();
  assert.ok(
    stats.instructions > variant.minShare * retired,
    `${context}: translated code executed ${stats.instructions} of ${retired} instructions; ` +
      `jit stats: ${JSON.stringify(stats)}`,
  );
  return { traps: trapCount(ref.machine, program), translations: stats.translations };
}

test('the JIT and the interpreter agree on random programs', async (t) => {
  let traps = 0;
  let translations = 0;
  let passed = 0;
  const seeds = seedsToRun();
  for (const seed of seeds) {
    await t.test(`seed ${seed}`, () => {
      const result = checkSeed(seed, STANDARD);
      traps += result.traps;
      translations += result.translations;
      passed++;
    });
  }
  // Only meaningful when every seed ran to the end (a failed seed reports for itself).
  if (passed === seeds.length) {
    assert.ok(translations > 0, 'nothing was translated');
    if (seeds.length >= 10) assert.ok(traps > 0, 'no program took a trap');
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
