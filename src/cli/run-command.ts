// `rvisor run`: start one VM in the foreground with the serial console on this terminal.

import { readFileSync } from 'node:fs';
import { Machine } from '../engine/machine.js';
import { bootBareMetal, parseBareMetalImage } from '../engine/boot.js';
import { LoaderError } from '../engine/loader.js';
import { RAM_BASE } from '../engine/memmap.js';
import { HostConsole } from '../host/console.js';
import { runVm } from '../host/vm-runner.js';
import { parseSize } from '../host/size.js';
import { parseOptions, usageText, UsageError, type OptionSpec } from './args.js';

const RUN_OPTIONS: Record<string, OptionSpec> = {
  bios: { value: true, help: "firmware file, or 'none' to start the kernel directly in M-mode" },
  kernel: { value: true, help: 'program or kernel to load (ELF, or a flat binary at 0x80000000)' },
  memory: { value: true, help: 'guest RAM, e.g. 128M (default), 1G' },
  m: { value: true, help: 'same as --memory' },
  smp: { value: true, help: 'number of harts, 1..8 (default 1)' },
  icount: { value: false, help: 'derive guest time from retired instructions (deterministic runs)' },
  nographic: { value: false, help: 'accepted for QEMU compatibility (the console is always here)' },
  help: { value: false, help: 'show this help' },
};

function readGuestFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read the ${what} '${path}'${code ? ` (${code})` : ''}`);
  }
}

export async function runCommand(argv: string[]): Promise<number> {
  const { options, positional } = parseOptions(argv, RUN_OPTIONS);
  if (options.has('help')) {
    process.stdout.write(usageText('run', RUN_OPTIONS) + '\n');
    return 0;
  }
  if (positional.length > 0) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const kernelPath = options.get('kernel');
  if (typeof kernelPath !== 'string') throw new UsageError('--kernel FILE is required');
  const bios = options.get('bios') ?? 'none';
  if (bios !== 'none') {
    throw new UsageError(
      "booting through firmware (--bios FILE) is not available yet; use '--bios none' for bare-metal programs",
    );
  }
  const memoryText = (options.get('memory') ?? options.get('m') ?? '128M') as string;
  const memoryBytes = parseSize(memoryText);
  if (memoryBytes % 4096 !== 0 || memoryBytes > 2 * 1024 ** 3) {
    throw new UsageError(`--memory must be a multiple of 4 KiB and at most 2G, got ${memoryText}`);
  }
  const smpText = (options.get('smp') ?? '1') as string;
  const harts = Number(smpText);
  if (!Number.isInteger(harts) || harts < 1 || harts > 8)
    throw new UsageError(`--smp must be 1..8, got ${smpText}`);

  const kernel = readGuestFile(kernelPath, 'kernel');
  // The console needs the machine's UART and the machine needs the console's output: tie the knot.
  const sink: { console?: HostConsole } = {};
  const machine = new Machine({
    memoryBytes,
    harts,
    clock: options.has('icount') ? 'icount' : 'host',
    onConsoleOutput: (byte) => sink.console?.write(byte),
  });
  let image;
  try {
    image = parseBareMetalImage(kernel, RAM_BASE);
    bootBareMetal(machine, image);
  } catch (err) {
    if (err instanceof LoaderError) throw new UsageError(`${kernelPath}: ${err.message}`);
    throw err;
  }
  const stop = { stopped: false, exitCode: 0 };
  const hostConsole = new HostConsole(machine.uart, {
    input: process.stdin,
    output: process.stdout,
    onQuit: () => {
      stop.stopped = true;
    },
  });
  sink.console = hostConsole;
  try {
    const exit = await runVm(machine, {
      afterBurst: () => hostConsole.flush(),
      onReset: () => bootBareMetal(machine, image, true),
      stopSignal: stop,
    });
    if (exit.message !== undefined) process.stderr.write(`rvisor: ${exit.message}\n`);
    return exit.exitCode;
  } finally {
    hostConsole.close();
  }
}
