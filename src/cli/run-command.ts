// `rvisor run`: start one VM in the foreground with the serial console on this terminal. With
// `--bios none` the kernel is a bare-metal program started in M-mode (QEMU `-bios none`);
// otherwise the firmware (OpenSBI by default) boots a Linux kernel, by default the Debian guest
// that `rvisor guest fetch` downloads.

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { constants as osConstants } from 'node:os';
import { Machine } from '../engine/machine.js';
import { warmUpInterpreter } from '../engine/warm-up.js';
import { bootBareMetal, parseBareMetalImage } from '../engine/boot.js';
import { bootWithFirmware, topOfRamLayout } from '../engine/boot-linux.js';
import { LoaderError, parseLinuxImageHeader } from '../engine/loader.js';
import { RAM_BASE } from '../engine/memmap.js';
import { HostConsole } from '../host/console.js';
import { VirtioConsoleDevice } from '../engine/devices/virtio/console.js';
import { VirtioRngDevice, deterministicEntropy } from '../engine/devices/virtio/rng.js';
import type { Drive } from '../host/disk/drive.js';
import { runVm } from '../host/vm-runner.js';
import { workerTranslators } from '../host/translation-worker.js';
import { readFileIntoRam, readLinuxImageIntoRam } from '../host/image-into-ram.js';
import { linuxPrefaultRanges, prefaultMemory } from '../host/ram-prefault.js';
import type { NicSpec, OpenNic } from '../host/net/nic.js';
import { parseSize } from '../host/size.js';
import {
  defaultJitProfilePath,
  loadJitProfile,
  mergeJitProfile,
  saveJitProfile,
} from '../host/jit-profile.js';
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
  'no-jit': { value: false, help: 'run guest code in the interpreter only (debugging, differential runs)' },
  'jit-profile': {
    value: true,
    help: "the JIT's profile of hot guest pages, read at start and updated at exit (default: jit-profile.json in rvisor's cache directory)",
  },
  'no-jit-profile': { value: false, help: 'neither read nor update a JIT profile (every page starts cold)' },
  'jit-stats': {
    value: false,
    help: "print the JIT's counters (translations, pages optimized by its second tier, exits...) on stderr at the end",
  },
  drive: {
    value: true,
    repeatable: true,
    help: 'virtio disk, e.g. file=disk.img,format=raw[,readonly=on][,snapshot=on]; format=rvcow for overlays',
  },
  'virtio-console': { value: false, help: 'add a virtio console on this terminal too (console=hvc0)' },
  'no-rng': { value: false, help: 'leave out the virtio-rng entropy device' },
  nic: {
    value: true,
    repeatable: true,
    help:
      'virtio network card: user[,hostfwd=tcp:127.0.0.1:2222-:22,...] (NAT, the default: guest 10.0.2.15 by DHCP, ' +
      'gateway/host 10.0.2.2, DNS 10.0.2.3), switch,socket=PATH (a port of `rvisor switch`), or none; ' +
      'each also takes mac=52:54:00:xx:xx:xx',
  },
  name: { value: true, help: 'VM name: the default MAC addresses derive from it (stable across runs)' },
  nographic: { value: false, help: 'accepted for QEMU compatibility (the console is always here)' },
  help: { value: false, help: 'show this help' },
};

const DEFAULT_APPEND = 'console=ttyS0';

/**
 * Start reading a guest file (on libuv's threads: the Debian kernel is 31 MB, ~0.2 s to read,
 * which then overlaps the V8 training run and the machine's construction).
 */
function readGuestFile(path: string, what: string): Promise<Uint8Array> {
  const reading = readFile(path).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read the ${what} '${path}'${code ? ` (${code})` : ''}`);
  });
  // Handled where it is awaited; until then an early failure must not count as unhandled.
  reading.catch(() => undefined);
  return reading;
}

/** The kernel's /dev/console is its last console= argument: typed input goes to that device. */
function consoleIsHvc(bootargs: string): boolean {
  const consoles = bootargs.split(/\s+/).filter((arg) => arg.startsWith('console='));
  return consoles.length > 0 && consoles[consoles.length - 1].startsWith('console=hvc');
}

/** A logger for a device's guest errors: reported once per device on stderr. */
type DeviceLog = (message: string) => void;

/** Open the --drive images and attach a virtio disk for each, in order (vda, vdb, ...). */
async function attachDrives(machine: Machine, specs: string[], log: DeviceLog): Promise<Drive[]> {
  if (specs.length === 0) return [];
  // Loaded only for disks: these modules are ~6 ms of starting `rvisor run` (node:os, the overlay
  // format and its hashing).
  const [{ openDrive, DriveSpecError }, { DiskError }, { VirtioBlockDevice }] = await Promise.all([
    import('../host/disk/drive.js'),
    import('../host/disk/raw-file.js'),
    import('../engine/devices/virtio/blk.js'),
  ]);
  const drives: Drive[] = [];
  try {
    for (const spec of specs) drives.push(await openDrive(spec));
  } catch (err) {
    await Promise.allSettled(drives.map((d) => d.backend.close()));
    if (err instanceof DriveSpecError || err instanceof DiskError) throw new UsageError(err.message);
    throw err;
  }
  drives.forEach((drive, i) => {
    const serial = drive.spec.serial ?? `rvisor-vd${String.fromCharCode(97 + i)}`;
    machine.attachVirtio(new VirtioBlockDevice({ backend: drive.backend, serial, log }));
  });
  return drives;
}

/** Open the host side of each --nic and attach a virtio network card for each, in order. */
async function attachNics(
  machine: Machine,
  nicTexts: string[],
  vmName: string | undefined,
  log: DeviceLog,
): Promise<OpenNic[]> {
  // `none` needs nothing of the network stack, whose modules are ~13 ms of starting `rvisor run`
  // (the NAT's TCP, DHCP and DNS, node:net); any other text, `none,...` included, is parsed below.
  if (nicTexts.every((nicText) => nicText === 'none')) return [];
  const [{ NicSpecError, openNic, parseNicSpec }, { VirtioNetDevice, macFromSeed }] = await Promise.all([
    import('../host/net/nic.js'),
    import('../engine/devices/virtio/net.js'),
  ]);
  const nicSpecs: NicSpec[] = [];
  try {
    for (const nicText of nicTexts) nicSpecs.push(parseNicSpec(nicText));
  } catch (err) {
    if (err instanceof NicSpecError) throw new UsageError(err.message);
    throw err;
  }
  const nics: OpenNic[] = [];
  try {
    for (const spec of nicSpecs) {
      if (spec.kind === 'none') continue;
      const nic = await openNic(spec, log);
      nics.push(nic);
      const index = nics.length - 1;
      // Without --name, a user NIC gets QEMU's usual address and a switch port a random one (two
      // VMs on one segment must differ).
      const seed =
        vmName !== undefined
          ? `${vmName}/${index}`
          : spec.kind === 'user'
            ? undefined
            : randomBytes(8).toString('hex');
      const mac =
        spec.mac ??
        (seed === undefined ? Uint8Array.of(0x52, 0x54, 0, 0x12, 0x34, 0x56 + index) : macFromSeed(seed));
      machine.attachVirtio(new VirtioNetDevice({ mac, backend: nic.backend, log }));
    }
  } catch (err) {
    await Promise.allSettled(nics.map((n) => n.close()));
    if (err instanceof NicSpecError) throw new UsageError(err.message);
    if (err instanceof Error && /switch/.test(err.message)) throw new UsageError(err.message);
    throw err;
  }
  return nics;
}

/** Read a guest file that was read into RAM again, for a reboot (RAM is cleared first). */
function readAgain(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read the ${what} '${path}' again for the reboot: ${String(err)}`);
  }
}

function text(options: Map<string, string | true>, name: string): string | undefined {
  const v = options.get(name);
  return typeof v === 'string' ? v : undefined;
}

export async function runCommand(argv: string[]): Promise<number> {
  const { options, positional, all } = parseOptions(argv, RUN_OPTIONS);
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
  // The pages translated in earlier runs (host/jit-profile.ts): the same kernel's hot pages are
  // translated when they first run. A small file, read while the rest starts.
  const useProfile = !options.has('no-jit') && !options.has('no-jit-profile');
  const profilePath = text(options, 'jit-profile') ?? defaultJitProfilePath();
  const loadedProfile = useProfile ? await loadJitProfile(profilePath) : undefined;
  if (loadedProfile?.problem !== undefined) process.stderr.write(`rvisor: ${loadedProfile.problem}\n`);
  const bootargs = text(options, 'append') ?? DEFAULT_APPEND;
  // Reproducible runs get a fixed seed; otherwise the kernel gets real entropy. Drawn before the
  // initrd is read: its address depends on the device tree's size, which includes the seed.
  const rngSeed = icount ? new Uint8Array(64) : new Uint8Array(randomBytes(64));

  // The console needs the machine's UART and the machine needs the console's output: tie the knot.
  const sink: { console?: HostConsole } = {};
  const machine = new Machine({
    memoryBytes,
    harts,
    clock: icount ? 'icount' : 'host',
    jit: !options.has('no-jit'),
    // Pages are translated on worker threads while the guest runs on (src/host/translation-worker.ts).
    jitOptions: options.has('no-jit')
      ? undefined
      : { ...workerTranslators(), profile: loadedProfile?.profile },
    onConsoleOutput: (byte) => sink.console?.write(byte),
  });
  // The images are read on libuv's threads while V8 trains and the devices are set up; a Linux
  // Image kernel straight into its place in RAM (host/image-into-ram.ts), anything else into a
  // buffer for the loader.
  const reading = Promise.all([
    bareMetal
      ? readGuestFile(kernelPath!, 'kernel')
      : readLinuxImageIntoRam(kernelPath!, machine.ram).then(
          (inPlace) => inPlace ?? readGuestFile(kernelPath!, 'kernel'),
          () => readGuestFile(kernelPath!, 'kernel'),
        ),
    firmwarePath === undefined ? undefined : readGuestFile(firmwarePath, 'firmware'),
  ]);
  // Handled where it is awaited; until then an early failure must not count as unhandled.
  reading.catch(() => undefined);
  // Once a Linux kernel's size is known, the RAM its first allocations land in is faulted in on an
  // idle thread meanwhile (host/ram-prefault.ts); only a speed-up, so a failure is ignored.
  if (!bareMetal) {
    // (A failed read or a malformed header is reported by the boot itself.)
    reading
      .then(([kernel]) => {
        const header = parseLinuxImageHeader(kernel);
        if (header === null) return;
        const kernelEnd = header.loadOffset + header.imageSize;
        const ranges = linuxPrefaultRanges(machine.memory.ramOffset, machine.ram.size, kernelEnd);
        // The harts' state blocks (registers, TLBs) and the code index come first: the guest's
        // thread touches most of their pages within the boot (a TLB flush beyond its fill log
        // writes every entry), ~2,300 pages for 2 harts.
        return prefaultMemory(machine.memory.memory, [{ from: 0, to: machine.memory.ramOffset }, ...ranges]);
      })
      .catch(() => undefined);
  }
  // Let V8 see every instruction kind before the guest runs (engine/warm-up.ts): ~10% off a boot.
  // The devices are set up after it, while the reads finish: the interpreter's optimized code is
  // compiled on background threads from the training on (the firmware's first output waits for
  // it), and a NIC's modules would only delay that.
  warmUpInterpreter();
  // virtio devices, in slot order: disks first (so they are vda, vdb, ... in order), then the
  // console and the entropy source, then the network cards (user-mode NAT unless --nic says
  // otherwise). Guest errors are reported once per device on stderr.
  const logDevice = (message: string) =>
    process.stderr.write(`rvisor: ${message}${process.stderr.isTTY ? '\r\n' : '\n'}`);
  const drives = await attachDrives(machine, all.get('drive') ?? [], logDevice);
  let virtioConsole: VirtioConsoleDevice | undefined;
  if (options.has('virtio-console')) {
    virtioConsole = new VirtioConsoleDevice({
      output: (bytes) => bytes.forEach((byte) => sink.console?.write(byte)),
      log: logDevice,
    });
    machine.attachVirtio(virtioConsole);
  }
  if (!options.has('no-rng')) {
    // Reproducible runs get a fixed pseudo-random stream, so two runs see the same bytes.
    const entropy = icount ? deterministicEntropy() : undefined;
    machine.attachVirtio(new VirtioRngDevice({ entropy, log: logDevice }));
  }
  let nics: OpenNic[];
  try {
    nics = await attachNics(machine, all.get('nic') ?? ['user'], text(options, 'name'), logDevice);
  } catch (err) {
    await Promise.allSettled(drives.map((d) => d.backend.close()));
    throw err;
  }
  const closeDrives = () =>
    Promise.allSettled([...drives.map((d) => d.backend.close()), ...nics.map((n) => n.close())]);
  // The initrd goes below the device tree, whose size depends on every device attached above, so
  // its address is known only now: it is read straight there (bootWithFirmware then finds it in
  // place: Debian's boot took 5 ms instead of 21) unless it does not fit, or for bare metal, which
  // loads none.
  const initrdReading =
    initrdPath === undefined
      ? undefined
      : bareMetal
        ? readGuestFile(initrdPath, 'initrd')
        : readFileIntoRam(
            initrdPath,
            machine.ram,
            (size) => topOfRamLayout(machine, size, { bootargs, rngSeed }).initrdStart - machine.ram.base,
          ).then(
            (inPlace) => inPlace ?? readGuestFile(initrdPath!, 'initrd'),
            () => readGuestFile(initrdPath!, 'initrd'),
          );
  let kernel: Uint8Array;
  let firmware: Uint8Array | undefined;
  let initrd: Uint8Array | undefined;
  try {
    [[kernel, firmware], initrd] = await Promise.all([reading, initrdReading]);
  } catch (err) {
    await closeDrives();
    throw err;
  }
  const boot = (clearRam: boolean) => {
    // A reboot resets the devices, so no request of the old kernel completes into the new one.
    if (clearRam) for (const transport of machine.virtio) transport.reset();
    // Images read into RAM have been run on since (the kernel frees the initrd's pages): a
    // reboot reads their files again (as buffers, since RAM is cleared first).
    if (clearRam && kernel.buffer === machine.ram.u8.buffer) kernel = readAgain(kernelPath!, 'kernel');
    if (clearRam && initrd?.buffer === machine.ram.u8.buffer) initrd = readAgain(initrdPath!, 'initrd');
    if (firmware === undefined) {
      bootBareMetal(machine, parseBareMetalImage(kernel, RAM_BASE), clearRam);
    } else {
      bootWithFirmware(machine, { firmware, kernel, initrd, bootargs, rngSeed }, clearRam);
    }
  };
  try {
    boot(false);
  } catch (err) {
    await closeDrives();
    if (err instanceof LoaderError) throw new UsageError(`${kernelPath}: ${err.message}`);
    throw err;
  }
  const stop = { stopped: false, exitCode: 0 };
  const inputDevice = virtioConsole !== undefined && consoleIsHvc(bootargs) ? virtioConsole : machine.uart;
  const hostConsole = new HostConsole(inputDevice, {
    input: process.stdin,
    output: process.stdout,
    onQuit: () => {
      stop.stopped = true;
    },
  });
  sink.console = hostConsole;
  // A request to terminate (a service manager's SIGTERM, a closed terminal's SIGHUP, Ctrl-C when
  // the console is not a terminal; on a terminal in raw mode Ctrl-C goes to the guest) stops the
  // VM as the quit keys do: the drives are closed and the JIT profile saved. The exit status is
  // 128 + the signal's number, as a shell reports a process ended by it.
  const signals: NodeJS.Signals[] = [
    'SIGTERM',
    'SIGHUP',
    ...(process.stdin.isTTY ? [] : ['SIGINT' as const]),
  ];
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`rvisor: stopping the VM (${signal})\n`);
    stop.exitCode = 128 + osConstants.signals[signal];
    stop.stopped = true;
  };
  for (const signal of signals) process.once(signal, onSignal);
  try {
    const exit = await runVm(machine, {
      afterBurst: () => hostConsole.flush(),
      onReset: () => boot(true),
      stopSignal: stop,
    });
    if (exit.message !== undefined) process.stderr.write(`rvisor: ${exit.message}\n`);
    if (loadedProfile !== undefined && machine.jit !== undefined) {
      // Only ever a speed-up: a profile that cannot be written is reported, not fatal.
      const profile = mergeJitProfile(machine.jit.profileEntries(), loadedProfile.profile);
      await saveJitProfile(profilePath, profile).catch((err: unknown) =>
        process.stderr.write(
          `rvisor: cannot save the JIT profile ${profilePath}: ${(err as Error).message}\n`,
        ),
      );
    }
    if (options.has('jit-stats') && machine.jit !== undefined) {
      process.stderr.write(`rvisor: jit ${JSON.stringify(machine.jit.stats)}\n`);
    }
    return exit.exitCode;
  } finally {
    for (const signal of signals) process.removeListener(signal, onSignal);
    hostConsole.close();
    await closeDrives();
  }
}
