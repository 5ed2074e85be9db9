// `rvisor guest`: fetch Debian's riscv64 kernel, OpenSBI and busybox into the cache, build the
// initramfs, build a Debian root filesystem image, and tell where the files are.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CommandError, ToolMissingError } from '../host/guest/apt.js';
import { DEFAULT_GUEST_NAME, GUEST_FILES, guestDir, rvisorCacheDir } from '../host/guest/cache-paths.js';
import { debianMirror } from '../host/guest/debian-mirror.js';
import {
  BUSYBOX_PACKAGE,
  FIRMWARE_PACKAGE,
  GuestFetchError,
  KERNEL_METAPACKAGE,
  fetchGuest,
} from '../host/guest/fetch.js';
import { findGuest, guestPaths } from '../host/guest/guest-artifacts.js';
import { RootfsError, buildRootfs, readRootfsManifest } from '../host/guest/rootfs.js';
import { PackageResolveError } from '../host/guest/rootfs-packages.js';
import { parseSize } from '../host/size.js';
import { parseOptions, UsageError, type OptionSpec } from './args.js';

const GUEST_OPTIONS: Record<string, OptionSpec> = {
  force: { value: false, help: 'fetch (or build) again even when the cached files verify' },
  debs: { value: true, help: 'take the .deb files from this folder instead of downloading' },
  size: { value: true, help: 'rootfs: image size, e.g. 1G (default 1G; the file is sparse)' },
  help: { value: false, help: 'show this help' },
};

function helpText(): string {
  return `usage: rvisor guest <command> [options]

commands:
  fetch [--force] [--debs DIR]   download Debian trixie riscv64 kernel, OpenSBI and busybox,
                                 build the initramfs, and cache them
  rootfs [--size 1G] [--force] [--debs DIR]
                                 build rootfs.ext4, a Debian root file system (busybox init,
                                 e2fsprogs, openssl, perl-base; root logs in with no password)
                                 for: rvisor run --drive file=COPY,format=raw
                                        --append "root=/dev/vda rw console=ttyS0"
  paths                          print the cached files' paths as JSON

The cache is ${guestDir(DEFAULT_GUEST_NAME)}
(set RVISOR_CACHE_DIR to move ${rvisorCacheDir()}; RVISOR_DEBIAN_MIRROR picks the Debian mirror).
`;
}

/** The folder where .deb files put there by hand are picked up. */
function handDebsDir(): string {
  return join(rvisorCacheDir(), 'guest', 'debs');
}

function byHandText(dir: string): string {
  return `To set the guest up by hand, download these Debian trixie riscv64 packages on a machine that can:
  the kernel package ${KERNEL_METAPACKAGE} depends on (linux-image-<version>-riscv64), ${FIRMWARE_PACKAGE}, ${BUSYBOX_PACKAGE}
put the three .deb files in ${handDebsDir()}/ (or any folder, with --debs FOLDER) and run 'rvisor guest fetch'.
It writes ${dir}/: ${GUEST_FILES.kernel}, ${GUEST_FILES.firmware}, ${GUEST_FILES.busybox}, ${GUEST_FILES.initrd}, ${GUEST_FILES.modulesDir}/*.ko and ${GUEST_FILES.manifest}.
`;
}

function mib(path: string): string {
  return `${(statSync(path).size / (1024 * 1024)).toFixed(1)} MiB`;
}

async function fetchSub(options: Map<string, string | true>): Promise<number> {
  const dir = guestDir(DEFAULT_GUEST_NAME);
  let debsDir = options.get('debs') as string | undefined;
  if (
    debsDir === undefined &&
    existsSync(handDebsDir()) &&
    readdirSync(handDebsDir()).some((f) => f.endsWith('.deb'))
  ) {
    debsDir = handDebsDir();
  }
  const started = performance.now();
  try {
    const result = await fetchGuest({
      dir,
      force: options.has('force'),
      debsDir,
      log: (line) => process.stderr.write(`rvisor: ${line}\n`),
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const paths = guestPaths(result.dir, result.manifest);
    const how = result.reused
      ? `already cached and verified${result.initrdRebuilt ? ' (initramfs rebuilt)' : ''}`
      : `fetched in ${seconds} s`;
    const m = result.manifest;
    process.stdout.write(
      `Debian ${m.distribution.suite} ${m.distribution.arch} guest, kernel ${m.kernelVersion}: ${how}\n` +
        `  kernel    ${paths.kernel} (${mib(paths.kernel)})\n` +
        `  firmware  ${paths.firmware} (${mib(paths.firmware)})\n` +
        `  initrd    ${paths.initrd} (${mib(paths.initrd)})\n` +
        `  busybox   ${paths.busybox}\n` +
        `  modules   ${m.modules.map((x) => x.name).join(' ')}` +
        `${m.builtinModules.length ? ` (built into the kernel: ${m.builtinModules.join(' ')})` : ''}\n` +
        `  packages  ${m.packages.map((p) => `${p.name} ${p.version}`).join(', ')}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof ToolMissingError) {
      process.stderr.write(
        `rvisor: ${err.message}\n` +
          `rvisor guest fetch needs apt-get, dpkg-deb and xz: apt-get install apt dpkg xz-utils\n\n` +
          byHandText(dir),
      );
      return 1;
    }
    if (err instanceof CommandError && /^apt-(get|cache) /.test(err.command)) {
      process.stderr.write(
        `rvisor: could not download the guest packages from ${debianMirror()} (no network, or that mirror is ` +
          `unreachable: set RVISOR_DEBIAN_MIRROR to a reachable Debian mirror)\n${err.message}\n\n` +
          byHandText(dir),
      );
      return 1;
    }
    if (err instanceof GuestFetchError || err instanceof CommandError) {
      process.stderr.write(`rvisor: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

async function rootfsSub(options: Map<string, string | true>): Promise<number> {
  const dir = guestDir(DEFAULT_GUEST_NAME);
  const sizeText = options.get('size');
  let size: number | undefined;
  if (typeof sizeText === 'string') {
    try {
      size = parseSize(sizeText);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const log = (line: string): void => void process.stderr.write(`rvisor: ${line}\n`);
  const started = performance.now();
  try {
    // The kernel and the initramfs that can mount the image (fetched once, kept after that).
    const guest = await fetchGuest({ dir, log });
    const result = await buildRootfs({
      dir,
      size,
      force: options.has('force'),
      debsDir: options.get('debs') as string | undefined,
      log,
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const m = result.manifest;
    const allocated = statSync(result.image).blocks * 512;
    process.stdout.write(
      `Debian ${m.distribution.suite} ${m.distribution.arch} root filesystem: ` +
        `${result.reused ? 'already built and verified' : `built in ${seconds} s`}\n` +
        `  image     ${result.image}\n` +
        `            ext4 "${m.label}", ${formatMiB(m.size)} (${formatMiB(allocated)} on disk, ` +
        `${formatMiB(m.contentBytes)} of files)\n` +
        `  packages  ${m.packages.length}: ${m.packages.map((p) => p.name).join(' ')}\n` +
        `  kernel    ${guest.manifest.kernelVersion}\n` +
        `  login     root, no password (console)\n` +
        `This image is the pristine copy (rebuilt when it changes): boot a copy of it, or use snapshot=on:\n` +
        `  cp --sparse=always ${result.image} my-root.ext4\n` +
        `  rvisor run --drive file=my-root.ext4,format=raw --append "root=/dev/vda rw console=ttyS0"\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof ToolMissingError) {
      process.stderr.write(
        `rvisor: ${err.message}\nrvisor guest rootfs needs apt-get, dpkg-deb, mke2fs, e2fsck and debugfs: ` +
          `apt-get install apt dpkg e2fsprogs\n`,
      );
      return 1;
    }
    if (err instanceof CommandError && /^apt-(get|cache) /.test(err.command)) {
      process.stderr.write(
        `rvisor: could not download the packages from ${debianMirror()} (no network, or that mirror is ` +
          `unreachable: set RVISOR_DEBIAN_MIRROR, or put the .deb files in a folder and use --debs)\n${err.message}\n`,
      );
      return 1;
    }
    if (
      err instanceof RootfsError ||
      err instanceof PackageResolveError ||
      err instanceof GuestFetchError ||
      err instanceof CommandError
    ) {
      process.stderr.write(`rvisor: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

function pathsSub(): number {
  const dir = guestDir(DEFAULT_GUEST_NAME);
  const found = findGuest(dir);
  if (!found.ok) {
    process.stderr.write(
      `rvisor: no usable guest in ${dir}: ${found.reason}\nrun 'rvisor guest fetch' to download it\n`,
    );
    return 1;
  }
  const rootfs = readRootfsManifest(dir) !== null ? { rootfs: join(dir, GUEST_FILES.rootfs) } : {};
  process.stdout.write(JSON.stringify({ ...found.paths, ...rootfs }, null, 2) + '\n');
  return 0;
}

/**
 * `rvisor guest fetch [--force] [--debs DIR]`, `rvisor guest rootfs [--size 1G] [--force]
 * [--debs DIR]` and `rvisor guest paths`. Returns the exit code.
 */
export async function guestCommand(argv: string[]): Promise<number> {
  const { options, positional } = parseOptions(argv, GUEST_OPTIONS);
  const [sub, ...extra] = positional;
  if (options.has('help') || sub === 'help') {
    process.stdout.write(helpText());
    return 0;
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  switch (sub) {
    case 'fetch':
      if (options.has('size')) throw new UsageError("'rvisor guest fetch' takes no --size");
      return fetchSub(options);
    case 'rootfs':
      return rootfsSub(options);
    case 'paths':
      if (options.has('force') || options.has('debs') || options.has('size'))
        throw new UsageError("'rvisor guest paths' takes no options");
      return pathsSub();
    case undefined:
      process.stderr.write(helpText());
      return 2;
    default:
      throw new UsageError(
        `unknown guest command '${sub}' (try 'rvisor guest fetch', 'rvisor guest rootfs' or 'rvisor guest paths')`,
      );
  }
}
