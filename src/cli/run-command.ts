// `rvisor run`: start one VM in the foreground with the serial console on this terminal. With
// `--bios none` the kernel is a bare-metal program started in M-mode (QEMU `-bios none`);
// otherwise the firmware (OpenSBI by default) boots a Linux kernel, by default the Debian guest
// that `rvisor guest fetch` downloads.

import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Machine } from '../engine/machine.js';
import { bootBareMetal, parseBareMetalImage } from '../engine/boot.js';
import { bootWithFirmware } from '../engine/boot-linux.js';
import { LoaderError } from '../engine/loader.js';
import { RAM_BASE } from '../engine/memmap.js';
import { HostConsole } from '../host/console.js';
import { runVm } from '../host/vm-runner.js';
import { parseSize } from '../host/size.js';
import { defaultGuestPaths } from './default-guest.js';
import { parseOptions, usageText, UsageError, type OptionSpec } from './args.js';

const RUN_OPTIONS: Record<string, OptionSpec> = {
  bios: { value: true, help: "firmware file (default: the fetched OpenSBI), or 'none' for bare metal" },
  kernel: { value: true, help: 'kernel Image or ELF (default: the fetched Debian kernel)' },
  initrd: { value: true, help: 'initial ramdisk (default with the Debian kernel: the built initramfs)' },
  append: { value: true, help: "kernel command line (default 'console=ttyS0')" },
  memory: { value: true, help: 'guest RAM, e.g. 512M (default 512M with firmware, 128M bare metal)' },
  m: { value: true, help: 'same as --memory' },
  smp: { value: true, help: 'number of harts, 1..8 (default 1)' },
  icount: { value: false, help: 'derive guest time from retired instructions (reproducible runs)' },
  nographic: { value: false, help: 'accepted for QEMU compatibility (the console is always here)' },
  help: { value: false, help: 'show this help' },
};

const DEFAULT_APPEND = 'console=ttyS0';

function readGuestFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read the ${what} '${path}'${code ? ` (${code})` : ''}`);
  }
}

function text(options: Map<string, string | true>, name: string): string | undefined {
  const v = options.get(name);
  return typeof v === 'string' ? v : undefined;
}

export async function runCommand(argv: string[]): Promise<number> {
  const { options, positional } = parseOptions(argv, RUN_OPTIONS);
  if (options.has('help')) {
    process.stdout.write(usageText('run', RUN_OPTIONS) + '\n');
    return 0;
  }
  if (positional.length > 0) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const bios = text(options, 'bios');
  const bareMetal = bios === 'none';
  let kernelPath = text(options, 'kernel');
  let initrdPath = text(options, 'initrd');
  let firmwarePath = bareMetal ? undefined : bios;
  if (bareMetal && kernelPath === undefined) throw new UsageError('--bios none needs --kernel FILE');
  if (!bareMetal && (firmwarePath === undefined || kernelPath === undefined)) {
    // Defaults: the Debian guest software, fetched (once) into the cache.
    const guest = await defaultGuestPaths();
    firmwarePath ??= guest.firmware;
    if (kernelPath === undefined) {
      kernelPath = guest.kernel;
      initrdPath ??= guest.initrd;
    }
  }
  const memoryText = text(options, 'memory') ?? text(options, 'm') ?? (bareMetal ? '128M' : '512M');
  const memoryBytes = parseSize(memoryText);
  if (memoryBytes % 4096 !== 0 || memoryBytes > 2 * 1024 ** 3) {
    throw new UsageError(`--memory must be a multiple of 4 KiB and at most 2G, got ${memoryText}`);
  }
  const smpText = text(options, 'smp') ?? '1';
  const harts = Number(smpText);
  if (!Number.isInteger(harts) || harts < 1 || harts > 8)
    throw new UsageError(`--smp must be 1..8, got ${smpText}`);
  const icount = options.has('icount');

  const kernel = readGuestFile(kernelPath!, 'kernel');
  const firmware = firmwarePath === undefined ? undefined : readGuestFile(firmwarePath, 'firmware');
  const initrd = initrdPath === undefined ? undefined : readGuestFile(initrdPath, 'initrd');
  // The console needs the machine's UART and the machine needs the console's output: tie the knot.
  const sink: { console?: HostConsole } = {};
  const machine = new Machine({
    memoryBytes,
    harts,
    clock: icount ? 'icount' : 'host',
    onConsoleOutput: (byte) => sink.console?.write(byte),
  });
  // Reproducible runs get a fixed seed; otherwise the kernel gets real entropy.
  const rngSeed = icount ? new Uint8Array(64) : new Uint8Array(randomBytes(64));
  const boot = (clearRam: boolean) => {
    if (firmware === undefined) {
      bootBareMetal(machine, parseBareMetalImage(kernel, RAM_BASE), clearRam);
    } else {
      bootWithFirmware(
        machine,
        { firmware, kernel, initrd, bootargs: text(options, 'append') ?? DEFAULT_APPEND, rngSeed },
        clearRam,
      );
    }
  };
  try {
    boot(false);
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
      onReset: () => boot(true),
      stopSignal: stop,
    });
    if (exit.message !== undefined) process.stderr.write(`rvisor: ${exit.message}\n`);
    return exit.exitCode;
  } finally {
    hostConsole.close();
  }
}
