// Boot benchmark: time from power-on to the first shell prompt of the Debian guest (Debian's
// OpenSBI + kernel + rvisor's initramfs), under rvisor in this process and, when installed, under
// `qemu-system-riscv64 -M virt` with the very same files.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { BenchContext, BenchSection, SectionReport } from './section.js';
import { findQemu, QEMU } from './qemu.js';
import { sig } from './table.js';
import { Machine } from '../src/engine/machine.js';
import { warmUpInterpreter } from '../src/engine/warm-up.js';
import { bootWithFirmware } from '../src/engine/boot-linux.js';
import { defaultGuestPaths } from '../src/cli/default-guest.js';
import { WorkerTranslator } from '../src/host/translation-worker.js';

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
  error?: string;
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
    jitOptions: { translator: new WorkerTranslator() },
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

function bootQemu(
  files: { firmware: string; kernel: string; initrd: string },
  harts: number,
): Promise<BootResult> {
  return new Promise((resolve) => {
    const args = ['-M', 'virt', '-m', '512M', '-smp', String(harts), '-nographic', '-bios', files.firmware];
    args.push('-kernel', files.kernel, '-initrd', files.initrd, '-append', APPEND);
    const start = performance.now();
    const child = spawn(QEMU, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const done = (result: BootResult) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(result);
    };
    const timer = setTimeout(() => done({ seconds: TIMEOUT_S, error: 'timed out' }), TIMEOUT_S * 1000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes(READY)) done({ seconds: (performance.now() - start) / 1000 });
    });
    child.on('exit', () => done({ seconds: (performance.now() - start) / 1000, error: 'QEMU exited early' }));
  });
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
    for (const harts of [1, 2]) {
      if (ctx.only !== undefined && ctx.only !== 'boot' && ctx.only !== `boot-${harts}`) continue;
      ctx.log(`boot: rvisor, ${harts} hart(s)...`);
      const ours = await bootRvisor(guest, harts, harts === 1 && !ctx.small);
      let theirs: BootResult | undefined;
      if (qemu !== undefined) {
        ctx.log(`boot: QEMU, ${harts} hart(s)...`);
        theirs = await bootQemu(guest, harts);
      }
      failed ||= ours.error !== undefined || theirs?.error !== undefined;
      const mips = ours.instructions !== undefined ? ours.instructions / ours.seconds / 1e6 : undefined;
      rows.push([
        `${harts} hart${harts > 1 ? 's' : ''}`,
        ours.error ?? sig(ours.seconds),
        ours.instructions !== undefined ? sig(ours.instructions / 1e6) : '-',
        mips !== undefined ? sig(mips) : '-',
        theirs === undefined ? '-' : (theirs.error ?? sig(theirs.seconds)),
        theirs && !theirs.error && !ours.error ? sig(ours.seconds / theirs.seconds) : '-',
        ours.idleCpuPercent !== undefined ? sig(ours.idleCpuPercent, 2) : '-',
        ours.jit ? `${(ours.jit.translateMs / 1000).toFixed(1)} s / ${ours.jit.translations}` : '-',
        ours.jit ? `${ours.jit.pages} / ${(ours.jit.codeBytes / 1048576).toFixed(1)} MiB` : '-',
        ours.jit ? `${(ours.jit.jitShare * 100).toFixed(1)} %` : '-',
      ]);
      data.push({ harts, rvisor: ours, qemu: theirs });
    }
    return {
      title: 'Boot to the shell (Debian kernel + OpenSBI + initramfs)',
      columns: [
        { header: 'machine', align: 'left' },
        { header: 'rvisor s', align: 'right' },
        { header: 'M instr', align: 'right' },
        { header: 'MIPS', align: 'right' },
        { header: 'QEMU s', align: 'right' },
        { header: 'rvisor/QEMU time', align: 'right' },
        { header: 'idle CPU %', align: 'right' },
        { header: 'JIT time / translations', align: 'right' },
        { header: 'code pages / size', align: 'right' },
        { header: 'in JIT code', align: 'right' },
      ],
      rows,
      notes: [
        `time from loading the images to "${READY}" on the console; kernel ${guest.kernelVersion}`,
        'JIT time: translating guest pages to WebAssembly (part of the boot time); code pages / size: ' +
          'the code cache at the prompt; in JIT code: share of the instructions run as translated code',
        qemu
          ? `QEMU: ${qemu.version} (TCG), same firmware, kernel and initramfs`
          : `${QEMU} not installed: ratios skipped`,
      ],
      data,
      failed,
    };
  },
};
