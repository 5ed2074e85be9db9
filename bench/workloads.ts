// Section "workloads": the bare-metal programs of bench/programs/ under rvisor, and under QEMU for
// comparison. rvisor reports the instructions it retired and its time; QEMU runs the same binary,
// hence the same instructions, so its effective MIPS is rvisor's instruction count over QEMU's time.
import { readFileSync } from 'node:fs';
import type { BenchContext, BenchSection, Column, SectionReport } from './section.js';
import { WORKLOADS, buildPrograms, emptyElf, workloadElf, type Variant } from './programs.js';
import { findQemuBy, runQemuBy, type QemuInfo } from './qemu.js';
import { Spawner } from './spawner.js';
import {
  loadRunBareMetal,
  loadWarmUp,
  runWithConsole,
  type JitFigures,
  type RunBareMetal,
} from './rvisor.js';
import { grouped, sig } from './table.js';

/**
 * Best of 5, as QEMU's: noise only adds time, and on the 2-core development machine a slow minute
 * took a third off single workloads' MIPS (best of 3 left bignum at 0.42-0.62x QEMU from one run
 * of the bench to the next). Each run builds its machine and translates its pages anew
 * (bench/main.ts turns V8's module cache off), with V8's code for rvisor itself warm after the
 * first, as in a daemon running many VMs.
 */
const DEFAULT_RVISOR_RUNS = 5;
/** QEMU runs are cheap (well under a second each), and its net times are short: take more of them. */
const DEFAULT_QEMU_RUNS = 5;
const MEMORY_BYTES = 128 * 1024 * 1024;
/** Far above what any workload needs (about 1e9 full, 1e7 small): a runaway program stops here. */
const MAX_INSTRUCTIONS: Record<Variant, number> = { full: 10_000_000_000, small: 100_000_000 };
const QEMU_TIMEOUT_SECONDS = 120;
/** Below this, QEMU's time less its start-up is noise: no QEMU MIPS and no ratio then. */
const MIN_NET_SECONDS = 0.02;

export interface RvisorMeasurement {
  /** Best (lowest) of the runs, as runBareMetal reports it: machine set-up included. */
  grossSeconds: number;
  /** grossSeconds less rvisor's set-up (the time of a program that exits at once). */
  seconds: number;
  /** The first run's time less the set-up: the process's first translations, by cold code. */
  firstSeconds: number;
  /** instret / seconds. */
  mips: number;
  runs: number;
  /** The JIT's figures of the best run: translation time, code-cache size, share of instructions. */
  jit: JitFigures | null;
  /** The same program with the interpreter only (--no-jit), one run. */
  interpreterMips: number | null;
}

export interface QemuMeasurement {
  /** Best wall-clock time, start-up included. */
  grossSeconds: number;
  /** Best time of the empty program, run alternately with the workload. */
  startupSeconds: number;
  /** grossSeconds less startupSeconds (may be ~0 or below for tiny programs). */
  seconds: number;
  /** rvisor's instret / seconds; null when rvisor did not run or seconds < MIN_NET_SECONDS. */
  mips: number | null;
  runs: number;
}

export interface WorkloadResult {
  name: string;
  variant: Variant;
  /** 'pass' when every run of every engine passed the workload's self-check. */
  status: 'pass' | 'fail';
  /** Why it failed, per engine. */
  problems: string[];
  /** Instructions retired, from rvisor (null when rvisor did not run). */
  instret: number | null;
  /** The line the program printed (rvisor's, else QEMU's). */
  output: string | null;
  rvisor: RvisorMeasurement | null;
  qemu: QemuMeasurement | null;
  /** rvisor MIPS / QEMU MIPS (= QEMU seconds / rvisor seconds). */
  ratio: number | null;
}

/** A workload prints one line ending in PASS and exits with 0x5555 through the finisher. */
function printedPass(output: string): boolean {
  return / PASS\r?$/m.test(output);
}

function firstLine(output: string): string {
  return output.split('\n').find((l) => l.trim() !== '') ?? '';
}

/** rvisor's runs of one workload so far. */
interface RvisorTally {
  best: number;
  first: number;
  runs: number;
  /** The JIT's figures of the best run. */
  jit: JitFigures | null;
}

/** One rvisor run of the workload; false (a problem recorded) when it failed. */
async function rvisorRun(
  run: RunBareMetal,
  kernel: Uint8Array,
  variant: Variant,
  result: WorkloadResult,
  tally: RvisorTally,
): Promise<boolean> {
  const { result: r, console } = await runWithConsole(run, {
    kernel,
    memoryBytes: MEMORY_BYTES,
    maxInstructions: MAX_INSTRUCTIONS[variant],
  });
  result.output ??= firstLine(console);
  if (r.error !== undefined || r.finisher !== 'pass' || r.exitCode !== 0 || !printedPass(console)) {
    const why = r.error ?? `finisher ${r.finisher}, exit code ${r.exitCode}`;
    result.problems.push(`rvisor: ${why}${console ? `; printed: ${firstLine(console)}` : ''}`);
    return false;
  }
  if (result.instret !== null && result.instret !== r.instret) {
    result.problems.push(`rvisor: instret differs between runs (${result.instret}, ${r.instret})`);
  }
  result.instret = r.instret;
  if (tally.runs === 0) tally.first = r.seconds;
  tally.runs++;
  if (r.seconds < tally.best) {
    tally.best = r.seconds;
    tally.jit = r.jit ?? null;
  }
  return true;
}

/** rvisor's figures from its runs, and one run of the small build with the interpreter only. */
async function rvisorMeasurement(
  run: RunBareMetal,
  small: Uint8Array,
  startup: number,
  tally: RvisorTally,
  result: WorkloadResult,
): Promise<RvisorMeasurement> {
  const seconds = Math.max(tally.best - startup, tally.best / 100);
  // The interpreter alone, once, on the small build (its speed does not change with the length
  // of a run, and the full one would take minutes): what the JIT gains. That both tiers end in
  // the same state is bench/workloads-tiers.test.ts's business.
  const { result: slow, console } = await runWithConsole(run, {
    kernel: small,
    memoryBytes: MEMORY_BYTES,
    maxInstructions: MAX_INSTRUCTIONS.small,
    jit: false,
  });
  let interpreterMips: number | null = null;
  if (slow.finisher !== 'pass' || !printedPass(console)) {
    result.problems.push(
      `rvisor --no-jit: ${slow.error ?? `finisher ${slow.finisher}, instret ${slow.instret}`}`,
    );
  } else {
    interpreterMips = slow.instret / Math.max(slow.seconds - startup, slow.seconds / 100) / 1e6;
  }
  return {
    grossSeconds: tally.best,
    seconds,
    firstSeconds: Math.max(tally.first - startup, tally.first / 100),
    mips: (result.instret ?? 0) / seconds / 1e6,
    runs: tally.runs,
    jit: tally.jit,
    interpreterMips,
  };
}

/** QEMU's runs of one workload so far: the best, and the best of the empty program's runs. */
interface QemuTally {
  best: number;
  startup: number;
  runs: number;
}

/**
 * One QEMU run of the workload, after one of the empty program (whose best time is the start-up
 * subtracted: measured side by side, both see the same load on the machine); false (a problem
 * recorded) when either failed.
 */
async function qemuRun(
  spawner: Spawner,
  elf: string,
  result: WorkloadResult,
  tally: QemuTally,
): Promise<boolean> {
  const s = await measureQemuStartup(spawner);
  if ('error' in s) {
    result.problems.push(`qemu: ${s.error}`);
    return false;
  }
  tally.startup = Math.min(tally.startup, s.seconds);
  const r = await runQemuBy(spawner, elf, QEMU_TIMEOUT_SECONDS);
  if (r.timedOut || r.exitCode !== 0 || !printedPass(r.output)) {
    const why = r.timedOut
      ? `timed out after ${QEMU_TIMEOUT_SECONDS} s`
      : (r.error ?? `exit status ${r.exitCode}`);
    result.problems.push(`qemu: ${why}; printed: ${firstLine(r.output)}`);
    return false;
  }
  result.output ??= firstLine(r.output);
  tally.best = Math.min(tally.best, r.seconds);
  tally.runs++;
  return true;
}

function qemuMeasurement(tally: QemuTally, result: WorkloadResult): QemuMeasurement {
  const seconds = tally.best - tally.startup;
  return {
    grossSeconds: tally.best,
    startupSeconds: tally.startup,
    seconds,
    mips: result.instret === null || seconds < MIN_NET_SECONDS ? null : result.instret / seconds / 1e6,
    runs: tally.runs,
  };
}

/** rvisor's set-up (machine, memory, loading): the best time of a program that exits at once. */
async function measureRvisorStartup(
  run: RunBareMetal,
  runs: number,
): Promise<{ seconds: number } | { error: string }> {
  const kernel = new Uint8Array(readFileSync(emptyElf()));
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const { result } = await runWithConsole(run, {
      kernel,
      memoryBytes: MEMORY_BYTES,
      maxInstructions: 1_000_000,
    });
    if (result.error !== undefined || result.finisher !== 'pass') {
      return { error: `the empty program did not pass under rvisor (${result.error ?? result.finisher})` };
    }
    best = Math.min(best, result.seconds);
  }
  return { seconds: best };
}

/** QEMU's start-up and shut-down: the time of a program that exits at once. */
async function measureQemuStartup(spawner: Spawner): Promise<{ seconds: number } | { error: string }> {
  const r = await runQemuBy(spawner, emptyElf(), 30);
  if (r.timedOut || r.exitCode !== 0) {
    return {
      error: `the empty program did not exit cleanly under QEMU (${r.error ?? `exit status ${r.exitCode}`})`,
    };
  }
  return { seconds: r.seconds };
}

function geomean(values: number[]): number | null {
  if (values.length === 0) return null;
  return Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}

const COLUMNS: readonly Column[] = [
  { header: 'workload', align: 'left' },
  { header: 'check', align: 'left' },
  { header: 'instructions', align: 'right' },
  { header: 'rvisor s', align: 'right' },
  { header: '1st run s', align: 'right' },
  { header: 'rvisor MIPS', align: 'right' },
  { header: 'no-JIT MIPS', align: 'right' },
  { header: 'JIT ms', align: 'right' },
  { header: 'opt', align: 'right' },
  { header: 'code KiB', align: 'right' },
  { header: 'QEMU s', align: 'right' },
  { header: 'QEMU MIPS', align: 'right' },
  { header: 'rvisor/QEMU', align: 'right' },
];

function opt(value: number | null | undefined, format: (v: number) => string): string {
  return value === null || value === undefined ? '-' : format(value);
}

/** Runs rvisor's once-per-process warm-up; its milliseconds, or null when there is none. */
type WarmUp = () => Promise<number | null>;

async function defaultWarmUp(): Promise<number | null> {
  const warmUp = await loadWarmUp();
  return warmUp === undefined ? null : warmUp(true);
}

async function run(
  ctx: BenchContext,
  load: () => Promise<RunBareMetal | string>,
  warmUp: WarmUp,
): Promise<SectionReport> {
  const variant: Variant = ctx.small ? 'small' : 'full';
  const rvisorRuns = ctx.runs ?? DEFAULT_RVISOR_RUNS;
  const qemuRuns = ctx.runs ?? DEFAULT_QEMU_RUNS;
  const notes: string[] = [];
  const title = `Bare-metal workloads (bench/programs, ${variant === 'small' ? 'small inputs' : 'full size'})`;

  const buildError = buildPrograms(ctx.log);
  if (buildError !== undefined) {
    return {
      title,
      columns: COLUMNS,
      rows: [],
      notes: [buildError],
      data: { error: buildError },
      failed: true,
    };
  }

  // Before rvisor makes this process big (see spawner.ts): every QEMU run goes through it.
  const spawner = new Spawner();
  try {
    return await measureAll(ctx, load, warmUp, spawner, { variant, rvisorRuns, qemuRuns, notes, title });
  } finally {
    await spawner.close();
  }
}

/** What run() settled before measuring: the build, the runs per engine, the report's title and notes. */
interface Plan {
  variant: Variant;
  rvisorRuns: number;
  qemuRuns: number;
  notes: string[];
  title: string;
}

async function measureAll(
  ctx: BenchContext,
  load: () => Promise<RunBareMetal | string>,
  warmUp: WarmUp,
  spawner: Spawner,
  plan: Plan,
): Promise<SectionReport> {
  const { variant, rvisorRuns, qemuRuns, notes, title } = plan;
  const loaded = await load();
  /** rvisor's runner and set-up time, once both are known good. */
  let ready: { run: RunBareMetal; startup: number } | null = null;
  let rvisorWarmUpMs: number | null = null;
  let rvisorProblem: string | null = null;
  if (typeof loaded === 'string') {
    notes.push(`rvisor not measured: ${loaded}; without its instruction count there is no QEMU MIPS either`);
  } else {
    // As `rvisor run` before a boot: V8's training (engine/warm-up.ts), a fixed cost of the
    // process like QEMU's start-up, reported but not in any workload's time.
    ctx.log('rvisor: warm-up (V8 training run)');
    rvisorWarmUpMs = await warmUp();
    ctx.log(`rvisor: timing set-up with bench/build/empty.elf (best of ${rvisorRuns})`);
    const s = await measureRvisorStartup(loaded, rvisorRuns);
    if ('error' in s) {
      rvisorProblem = s.error;
      notes.push(`rvisor not measured: ${s.error}`);
    } else {
      ready = { run: loaded, startup: s.seconds };
    }
  }

  const qemu: QemuInfo | undefined = await findQemuBy(spawner);
  let qemuUsable = false;
  if (qemu === undefined) {
    notes.push('qemu-system-riscv64 not installed: ratios skipped');
  } else {
    ctx.log('qemu: checking start-up with bench/build/empty.elf');
    const s = await measureQemuStartup(spawner);
    if ('error' in s) notes.push(`QEMU skipped: ${s.error}`);
    else qemuUsable = true;
  }

  const selected = WORKLOADS.filter((w) => ctx.only === undefined || w.name === ctx.only);
  const results: WorkloadResult[] = [];
  for (const w of selected) {
    const elf = workloadElf(w.name, variant);
    const kernel = new Uint8Array(readFileSync(elf));
    const small = new Uint8Array(readFileSync(workloadElf(w.name, 'small')));
    const result: WorkloadResult = {
      name: w.name,
      variant,
      status: 'pass',
      problems: [],
      instret: null,
      output: null,
      rvisor: null,
      qemu: null,
      ratio: null,
    };
    const rv: RvisorTally = { best: Infinity, first: Infinity, runs: 0, jit: null };
    const q: QemuTally = { best: Infinity, startup: Infinity, runs: 0 };
    // Each engine stops at its first failed run (a problem recorded): null, false.
    let rvisor = ready;
    let qemuOk = qemuUsable;
    const what = [rvisor ? `rvisor ${rvisorRuns}` : '', qemuOk ? `QEMU ${qemuRuns}` : ''];
    ctx.log(`${w.name}: ${what.filter((x) => x !== '').join(', ') || 'no'} runs, alternately`);
    // Alternately, so that a slow minute of the host (they happen: rvisor's and QEMU's own times
    // both 1.4-1.5x for a minute on the development machine) falls on both engines' runs, not on
    // the block of one of them.
    for (let i = 0; i < Math.max(rvisorRuns, qemuRuns); i++) {
      if (rvisor !== null && i < rvisorRuns && !(await rvisorRun(rvisor.run, kernel, variant, result, rv))) {
        rvisor = null;
      }
      if (qemuOk && i < qemuRuns) qemuOk = await qemuRun(spawner, elf, result, q);
    }
    if (rvisor !== null)
      result.rvisor = await rvisorMeasurement(rvisor.run, small, rvisor.startup, rv, result);
    if (qemuOk) result.qemu = qemuMeasurement(q, result);
    if (result.rvisor !== null && result.qemu !== null && result.qemu.mips !== null) {
      result.ratio = result.qemu.seconds / result.rvisor.seconds;
    }
    if (result.problems.length > 0) result.status = 'fail';
    results.push(result);
  }

  const rows = results.map((r) => [
    r.name,
    r.status === 'pass' ? (r.rvisor || r.qemu ? 'pass' : '-') : 'FAIL',
    opt(r.instret, grouped),
    opt(r.rvisor?.seconds, (v) => v.toFixed(3)),
    opt(r.rvisor?.firstSeconds, (v) => v.toFixed(3)),
    opt(r.rvisor?.mips, (v) => sig(v, 3)),
    opt(r.rvisor?.interpreterMips, (v) => sig(v, 3)),
    opt(r.rvisor?.jit?.translateMs, (v) => v.toFixed(0)),
    opt(r.rvisor?.jit?.optimized, String),
    opt(r.rvisor?.jit?.codeBytes, (v) => (v / 1024).toFixed(0)),
    opt(r.qemu?.seconds, (v) => (v < MIN_NET_SECONDS ? `<${MIN_NET_SECONDS}` : v.toFixed(3))),
    opt(r.qemu?.mips, (v) => sig(v, 3)),
    opt(r.ratio, (v) => sig(v, 3)),
  ]);

  const measured = results.filter((r) => r.rvisor !== null);
  const totalInstret = measured.reduce((s, r) => s + (r.instret ?? 0), 0);
  const totalRvisor = measured.reduce((s, r) => s + (r.rvisor?.seconds ?? 0), 0);
  const geoRatio = geomean(results.flatMap((r) => (r.ratio === null ? [] : [r.ratio])));
  if (measured.length > 1) {
    rows.push([
      'total',
      '',
      grouped(totalInstret),
      totalRvisor.toFixed(3),
      '',
      sig(totalInstret / totalRvisor / 1e6, 3),
      '',
      '',
      '',
      '',
      '',
      '',
      geoRatio === null ? '' : `${sig(geoRatio, 3)} (geomean)`,
    ]);
  }

  for (const r of results) for (const p of r.problems) notes.push(`${r.name}: ${p}`);
  if (ready !== null) {
    notes.push(
      `rvisor: runBareMetalAsync in this process (${MEMORY_BYTES >> 20} MiB RAM, both JIT tiers on worker threads as in \`rvisor run\`), best of ${rvisorRuns} ` +
        `run${rvisorRuns === 1 ? '' : 's'}, less its set-up (${ready.startup.toFixed(3)} s: best time of an ` +
        `empty program)${rvisorWarmUpMs === null ? '' : `, after its once-per-process V8 training run (${Math.round(rvisorWarmUpMs)} ms, as \`rvisor run\` does before a boot; like QEMU's start-up, in no workload's time)`}; every run translates and compiles anew (V8's module cache is off); 1st run s: the first of them, with the process's first translations (the translator's own code still cold); MIPS = instructions retired / the best time; no-JIT MIPS: the same with the ` +
        `interpreter only (one run of the small build); JIT ms: the first tier's time translating to ` +
        `WebAssembly (on its worker, in parallel with the guest); opt: pages the second tier ` +
        `recompiled with V8's optimizing compiler; code KiB: wasm bytes in the code cache at the end`,
    );
  }
  if (qemu !== undefined && qemuUsable) {
    const startups = results.flatMap((r) => (r.qemu === null ? [] : [r.qemu.startupSeconds]));
    const [low, high] = [Math.min(...startups, Infinity), Math.max(...startups, -Infinity)];
    const range =
      startups.length === 0
        ? '-'
        : low.toFixed(3) === high.toFixed(3)
          ? low.toFixed(3)
          : `${low.toFixed(3)}-${high.toFixed(3)}`;
    notes.push(
      `QEMU: ${qemu.version}, '-M virt -bios none -nographic -kernel', best of ${qemuRuns} runs, ` +
        `less QEMU's own start-up and exit (${range} s: best of ${qemuRuns} runs of an empty program, ` +
        `alternating with the workload's); QEMU MIPS = rvisor's instruction count / that time (same ` +
        `binary, same instructions)`,
    );
    notes.push(
      `each workload's runs alternate: an rvisor run, then QEMU's empty program and the workload, ` +
        `and again (a slow minute of the host falls on both engines); QEMU is spawned by a helper ` +
        `process, so that no fork of the process running rvisor slows its next run (bench/spawner.ts)`,
    );
    notes.push('rvisor/QEMU: rvisor MIPS as a fraction of QEMU MIPS (1 = as fast as QEMU)');
    if (results.some((r) => r.qemu !== null && r.qemu.seconds < MIN_NET_SECONDS)) {
      notes.push(
        `QEMU times under ${MIN_NET_SECONDS} s are lost in its start-up: no QEMU MIPS or ratio for those`,
      );
    }
  }

  return {
    title,
    columns: COLUMNS,
    rows,
    notes,
    failed: rvisorProblem !== null || results.some((r) => r.status === 'fail'),
    data: {
      variant,
      rvisor:
        ready === null
          ? { available: false, reason: typeof loaded === 'string' ? loaded : rvisorProblem }
          : {
              available: true,
              runs: rvisorRuns,
              memoryBytes: MEMORY_BYTES,
              startupSeconds: ready.startup,
              warmUpMs: rvisorWarmUpMs,
            },
      qemu:
        qemu === undefined
          ? { available: false, reason: 'qemu-system-riscv64 not installed' }
          : {
              available: qemuUsable,
              version: qemu.version,
              runs: qemuRuns,
            },
      workloads: results,
      total:
        measured.length > 0
          ? {
              instret: totalInstret,
              rvisorSeconds: totalRvisor,
              rvisorMips: totalInstret / totalRvisor / 1e6,
            }
          : null,
      geomeanRatio: geoRatio,
    },
  };
}

/** The section; `load` supplies rvisor's runner (replaceable to exercise the harness itself). */
export function createWorkloadsSection(
  load: () => Promise<RunBareMetal | string> = () => loadRunBareMetal(),
  warmUp: WarmUp = defaultWarmUp,
): BenchSection {
  return {
    name: 'workloads',
    description: 'bare-metal CPU and memory workloads, rvisor against QEMU',
    items: WORKLOADS.map((w) => w.name),
    run: (ctx) => run(ctx, load, warmUp),
  };
}

export const workloadsSection = createWorkloadsSection();
