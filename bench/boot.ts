// Boot benchmark: time from power-on to the first shell prompt of the Debian guest (Debian's
// OpenSBI + kernel + rvisor's initramfs), under rvisor and, when installed, under
// `qemu-system-riscv64 -M virt` with the very same files.
//
// The ratio compares whole processes started the same way: `rvisor run` (the product, a fresh
// Node process each time) and QEMU, each timed from spawn to the prompt on its console, best of
// several runs taken alternately so that a noisy spell hits both. One more boot in this process
// gives what a child cannot report: instructions, the JIT's figures, the idle host CPU.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext, BenchSection, SectionReport } from './section.js';
import { findQemu, QEMU } from './qemu.js';
import { sig } from './table.js';
import { Machine } from '../src/engine/machine.js';
import { warmUpInterpreter } from '../src/engine/warm-up.js';
import { bootWithFirmware } from '../src/engine/boot-linux.js';
import { defaultGuestPaths } from '../src/cli/default-guest.js';
import { workerTranslators } from '../src/host/translation-worker.js';

/** The initramfs prints this just before it starts the shell. */
const READY = 'rvisor-initramfs: ready';
const APPEND = 'console=ttyS0';
const MEMORY = 512 * 1024 * 1024;
const TIMEOUT_S = 900;

interface BootResult {
  seconds: number;
  instructions?: number;
  /** Host CPU used while the guest sat at its shell prompt, in percent of one core. */
  idleCpuPercent?: number;
  /** The JIT at the prompt: translation time, translations, code-cache pages and bytes. */
  jit?: { translateMs: number; translations: number; pages: number; codeBytes: number; jitShare: number };
  /** A spawned process at the prompt (Linux): CPU of all its threads, and of its main thread. */
  cpu?: ProcessCpu;
  error?: string;
}

/**
 * CPU seconds of a process at a moment: all threads, and its main thread's run time and time spent
 * runnable but waiting for a core (schedstat). rvisor's guest runs on the main thread; on the
 * 2-core development machine that thread waited 0.6-0.7 s of a 5.5 s 2-hart boot while the
 * translation worker and V8's background compiles held the cores.
 */
interface ProcessCpu {
  seconds: number;
  mainSeconds: number;
  mainWaitSeconds: number;
}

/** ProcessCpu of `pid` from /proc; undefined where there is none (not Linux, process gone). */
function processCpu(pid: number): ProcessCpu | undefined {
  try {
    // /proc/PID/stat: utime and stime (fields 14 and 15, in clock ticks: 100 a second on Linux)
    // are the whole process's; the comm field before them may hold spaces, hence the ')'.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    if (![ticks, run, wait].every(Number.isFinite)) return undefined;
    return { seconds: ticks / 100, mainSeconds: run / 1e9, mainWaitSeconds: wait / 1e9 };
  } catch {
    return undefined;
  }
}

/** Let a booted guest settle, then measure the host CPU it costs while it idles at the prompt. */
function measureIdle(machine: Machine, sleeper: Int32Array, settleSeconds: number, seconds: number): number {
  const step = (until: number) => {
    while (performance.now() < until) {
      if (machine.run(200_000) === 'idle')
        Atomics.wait(sleeper, 0, 0, Math.max(1, machine.idleMilliseconds(50)));
    }
  };
  step(performance.now() + settleSeconds * 1000);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  step(wall0 + seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  return ((cpu.user + cpu.system) / 1000 / (performance.now() - wall0)) * 100;
}

async function bootRvisor(
  files: { firmware: string; kernel: string; initrd: string },
  harts: number,
  idle: boolean,
): Promise<BootResult> {
  let console = '';
  // From before the machine exists, as QEMU's time includes its start: the training run of V8
  // that `rvisor run` does first (engine/warm-up.ts) counts.
  const start = performance.now();
  warmUpInterpreter();
  const machine = new Machine({
    memoryBytes: MEMORY,
    harts,
    // As `rvisor run`: pages are translated on a worker thread.
    jitOptions: workerTranslators(),
    onConsoleOutput: (byte) => {
      console += String.fromCharCode(byte);
      if (console.length > 4096) console = console.slice(-2048);
    },
  });
  bootWithFirmware(machine, {
    firmware: readFileSync(files.firmware),
    kernel: readFileSync(files.kernel),
    initrd: readFileSync(files.initrd),
    bootargs: APPEND,
  });
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (!console.includes(READY)) {
    const seconds = (performance.now() - start) / 1000;
    if (seconds > TIMEOUT_S) return { seconds, error: 'timed out' };
    if (machine.finishEvent !== undefined)
      return { seconds, error: `guest stopped (${machine.finishEvent.kind})` };
    if (machine.run(200_000) === 'idle')
      Atomics.wait(sleeper, 0, 0, Math.max(1, machine.idleMilliseconds(10)));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const result: BootResult = { seconds: (performance.now() - start) / 1000, instructions: machine.retired() };
  const stats = machine.jit?.stats;
  if (stats !== undefined) {
    result.jit = {
      translateMs: stats.translateMs,
      translations: stats.translations,
      pages: stats.pages,
      codeBytes: stats.codeBytes,
      jitShare: stats.instructions / machine.retired(),
    };
  }
  if (idle) result.idleCpuPercent = measureIdle(machine, sleeper, 60, 20);
  return result;
}

/** Default runs of each engine for the ratio (the product and QEMU, alternately). */
const DEFAULT_RUNS = 3;

/** `rvisor run` in a fresh process, as a user starts it: spawn to the prompt. */
function bootProduct(root: string, harts: number, profile?: string): Promise<BootResult> {
  return timeToPrompt(process.execPath, productArgs(root, harts, profile), 'rvisor run');
}

/**
 * `rvisor run`'s arguments: no virtio-rng or network card (QEMU's virt machine gets neither
 * without options either); cold (no JIT profile, whatever earlier runs on this host left) or
 * with the profile file `profile`.
 */
function productArgs(root: string, harts: number, profile: string | undefined): string[] {
  const args = [join(root, 'bin', 'rvisor.js'), 'run', '--smp', String(harts), '--no-rng', '--nic', 'none'];
  return [...args, ...(profile === undefined ? ['--no-jit-profile'] : ['--jit-profile', profile])];
}

/**
 * Boot once with the JIT profile file `profile` and power the guest off at its prompt, so that
 * `rvisor run` writes the profile (at exit) for the warm runs. Resolves with an error, if any.
 */
function primeProfile(root: string, harts: number, profile: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, productArgs(root, harts, profile), {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let output = '';
    // A child that is gone before it reads its input: the exit handler reports it.
    child.stdin.on('error', () => undefined);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('priming the JIT profile timed out');
    }, TIMEOUT_S * 1000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const before = output.includes(READY);
      output = (output + chunk).slice(-4096);
      if (!before && output.includes(READY)) child.stdin.write('poweroff -f\n');
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? undefined : `priming the JIT profile: rvisor run exited with ${code}`);
    });
  });
}

/** Seconds from spawning `command` to READY on its standard output; the process is then killed. */
function timeToPrompt(command: string, args: string[], what: string): Promise<BootResult> {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    const done = (result: BootResult) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(result);
    };
    const timer = setTimeout(() => done({ seconds: TIMEOUT_S, error: 'timed out' }), TIMEOUT_S * 1000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output = (output + chunk).slice(-4096);
      if (output.includes(READY)) {
        const seconds = (performance.now() - start) / 1000;
        done({ seconds, cpu: child.pid === undefined ? undefined : processCpu(child.pid) });
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (errors = (errors + chunk).slice(-2048)));
    child.on('error', (err) => done({ seconds: 0, error: `${what}: ${err.message}` }));
    child.on('exit', () =>
      done({
        seconds: (performance.now() - start) / 1000,
        error: `${what} exited early${errors ? `: ${errors.trim().split('\n').pop()}` : ''}`,
      }),
    );
  });
}

/** The best (shortest) successful run, else the last failure. */
function best(results: BootResult[]): BootResult {
  const ok = results.filter((r) => r.error === undefined);
  if (ok.length === 0) return results[results.length - 1];
  return ok.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

function bootQemu(
  files: { firmware: string; kernel: string; initrd: string },
  harts: number,
): Promise<BootResult> {
  const args = ['-M', 'virt', '-m', '512M', '-smp', String(harts), '-nographic', '-bios', files.firmware];
  args.push('-kernel', files.kernel, '-initrd', files.initrd, '-append', APPEND);
  return timeToPrompt(QEMU, args, 'QEMU');
}

export const bootSection: BenchSection = {
  name: 'boot',
  description: 'Debian kernel + initramfs: time from power-on to the shell',
  items: ['boot-1', 'boot-2'],
  async run(ctx: BenchContext): Promise<SectionReport> {
    const guest = await defaultGuestPaths();
    const qemu = findQemu();
    const rows: string[][] = [];
    const data: unknown[] = [];
    let failed = false;
    const runs = ctx.runs ?? (ctx.small ? 1 : DEFAULT_RUNS);
    for (const harts of [1, 2]) {
      if (ctx.only !== undefined && ctx.only !== 'boot' && ctx.only !== `boot-${harts}`) continue;
      ctx.log(`boot: rvisor in this process, ${harts} hart(s)...`);
      const inside = await bootRvisor(guest, harts, harts === 1 && !ctx.small);
      const products: BootResult[] = [];
      const qemus: BootResult[] = [];
      const warmRuns: BootResult[] = [];
      // Warm runs: with the JIT profile a boot leaves (host/jit-profile.ts), made first.
      const profileDir = mkdtempSync(join(tmpdir(), 'rvisor-bench-profile-'));
      const profile = join(profileDir, 'jit-profile.json');
      ctx.log(`boot: rvisor run, ${harts} hart(s), making a JIT profile...`);
      const primed = await primeProfile(ctx.root, harts, profile);
      for (let run = 0; run < runs; run++) {
        ctx.log(`boot: rvisor run, ${harts} hart(s), run ${run + 1} of ${runs}...`);
        products.push(await bootProduct(ctx.root, harts));
        if (qemu !== undefined) {
          ctx.log(`boot: QEMU, ${harts} hart(s), run ${run + 1} of ${runs}...`);
          qemus.push(await bootQemu(guest, harts));
        }
        if (primed === undefined) {
          ctx.log(`boot: rvisor run with the JIT profile, ${harts} hart(s), run ${run + 1} of ${runs}...`);
          warmRuns.push(await bootProduct(ctx.root, harts, profile));
        }
      }
      rmSync(profileDir, { recursive: true, force: true });
      const warm = primed === undefined ? best(warmRuns) : { seconds: 0, error: primed };
      const ours = best(products);
      const theirs = qemu === undefined ? undefined : best(qemus);
      failed ||=
        inside.error !== undefined ||
        ours.error !== undefined ||
        theirs?.error !== undefined ||
        warm.error !== undefined;
      const mips = inside.instructions !== undefined ? inside.instructions / inside.seconds / 1e6 : undefined;
      rows.push([
        `${harts} hart${harts > 1 ? 's' : ''}`,
        ours.error ?? sig(ours.seconds),
        inside.error ?? sig(inside.seconds),
        inside.instructions !== undefined ? sig(inside.instructions / 1e6) : '-',
        mips !== undefined ? sig(mips) : '-',
        theirs === undefined ? '-' : (theirs.error ?? sig(theirs.seconds)),
        theirs && !theirs.error && !ours.error ? sig(ours.seconds / theirs.seconds) : '-',
        inside.idleCpuPercent !== undefined ? sig(inside.idleCpuPercent, 2) : '-',
        inside.jit ? `${(inside.jit.translateMs / 1000).toFixed(1)} s / ${inside.jit.translations}` : '-',
        inside.jit ? `${inside.jit.pages} / ${(inside.jit.codeBytes / 1048576).toFixed(1)} MiB` : '-',
        inside.jit ? `${(inside.jit.jitShare * 100).toFixed(1)} %` : '-',
        ours.cpu ? `${sig(ours.cpu.seconds)} / ${theirs?.cpu ? sig(theirs.cpu.seconds) : '-'}` : '-',
        ours.cpu ? `${sig(ours.cpu.mainSeconds)} / ${sig(ours.cpu.mainWaitSeconds)}` : '-',
      ]);
      rows.push([
        `${harts} hart${harts > 1 ? 's' : ''}, warm`,
        warm.error ?? sig(warm.seconds),
        ...['-', '-', '-'],
        theirs === undefined ? '-' : (theirs.error ?? sig(theirs.seconds)),
        theirs && !theirs.error && !warm.error ? sig(warm.seconds / theirs.seconds) : '-',
        ...['-', '-', '-', '-'],
        warm.cpu ? `${sig(warm.cpu.seconds)} / ${theirs?.cpu ? sig(theirs.cpu.seconds) : '-'}` : '-',
        warm.cpu ? `${sig(warm.cpu.mainSeconds)} / ${sig(warm.cpu.mainWaitSeconds)}` : '-',
      ]);
      data.push({
        harts,
        runs,
        rvisor: ours,
        rvisorRuns: products,
        rvisorWarm: warm,
        rvisorWarmRuns: warmRuns,
        inProcess: inside,
        qemu: theirs,
        qemuRuns: qemus,
      });
    }
    return {
      title: 'Boot to the shell (Debian kernel + OpenSBI + initramfs)',
      columns: [
        { header: 'machine', align: 'left' },
        { header: 'rvisor run s', align: 'right' },
        { header: 'in-process s', align: 'right' },
        { header: 'M instr', align: 'right' },
        { header: 'MIPS', align: 'right' },
        { header: 'QEMU s', align: 'right' },
        { header: 'rvisor/QEMU time', align: 'right' },
        { header: 'idle CPU %', align: 'right' },
        { header: 'JIT time / translations', align: 'right' },
        { header: 'code pages / size', align: 'right' },
        { header: 'in JIT code', align: 'right' },
        { header: 'CPU s rvisor / QEMU', align: 'right' },
        { header: 'guest thread CPU / wait s', align: 'right' },
      ],
      rows,
      notes: [
        `rvisor run s, QEMU s: best of ${runs} runs each, alternately, from spawning the process to ` +
          `"${READY}" on its console (rvisor run --no-rng --nic none --no-jit-profile: Node's start, the ` +
          `V8 training run and the translation worker's start included); kernel ${guest.kernelVersion}`,
        'warm: rvisor run --jit-profile FILE, the profile a boot of the same guest left (its hot pages are ' +
          'translated when they first run; host/jit-profile.ts), in the same alternation',
        'in-process s: one boot in the benchmark process itself, from loading the images; M instr, MIPS, ' +
          'idle CPU and the JIT columns come from it',
        'JIT time: translating guest pages to WebAssembly (part of the boot time); code pages / size: ' +
          'the code cache at the prompt; in JIT code: share of the instructions run as translated code',
        "CPU s: all threads of the best runs at the prompt; guest thread: rvisor run's main thread (the " +
          'harts), the CPU it had and the time it waited, runnable, for a core (Linux /proc)',
        qemu
          ? `QEMU: ${qemu.version} (TCG), same firmware, kernel and initramfs`
          : `${QEMU} not installed: ratios skipped`,
      ],
      data,
      failed,
    };
  },
};
