// Fetching the Debian guest: download Debian trixie's riscv64 kernel, OpenSBI and busybox with a
// private apt (or take the .deb files from a folder), pick the files rvisor boots out of them,
// build the initramfs, and record everything in manifest.json. A cached guest whose manifest
// verifies is reused; everything is built in a staging folder and moved into place at the end,
// so an interrupted fetch never leaves a half-written guest behind.

import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { PrivateApt } from './apt.js';
import { DEFAULT_GUEST_NAME, GUEST_FILES, guestDir } from './cache-paths.js';
import { debianMirror } from './debian-mirror.js';
import { extractDeb, readDecompressed } from './deb-extract.js';
import { loadInitramfsArtifacts } from './guest-artifacts.js';
import { buildInitramfs } from './initramfs.js';
import { isRiscv64Elf, isRiscvImage, isStaticElf } from './kernel-image.js';
import {
  indexModuleFiles,
  moduleDepends,
  moduleLoadOrder,
  moduleName,
  readBuiltinModules,
  readModinfo,
} from './kernel-modules.js';
import {
  MANIFEST_FORMAT,
  describeFile,
  sha256Hex,
  verifyGuestDir,
  writeManifest,
  type GuestManifest,
  type ManifestModule,
} from './manifest.js';

export const GUEST_SUITE = 'trixie';
export const GUEST_ARCH = 'riscv64';
/** The metapackage that depends on the current kernel. */
export const KERNEL_METAPACKAGE = 'linux-image-riscv64';
export const FIRMWARE_PACKAGE = 'opensbi';
export const BUSYBOX_PACKAGE = 'busybox-static';
/** Modules the initramfs loads (with their dependencies); built-in ones are skipped. */
export const DEFAULT_MODULES: readonly string[] = [
  'virtio_mmio',
  'virtio_blk',
  'virtio_net',
  'virtio_console',
  'virtio_rng',
];
/**
 * Modules for an ext4 root file system (root= on the kernel command line), loaded by /init only
 * then: ext4 brings jbd2, mbcache and crc16 as dependencies; crc32c_generic is the crc32c that
 * ext4 and jbd2 ask the crypto API for (a soft dependency, so not in their depends=).
 */
export const ROOTFS_MODULES: readonly string[] = ['ext4', 'crc32c_generic'];
const FIRMWARE_IN_PACKAGE = 'usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin';

export class GuestFetchError extends Error {}

export interface FetchGuestOptions {
  /** Guest directory (default: guestDir()). */
  dir?: string;
  /** Fetch again even when the cached guest verifies. */
  force?: boolean;
  /** Archive URL (default: debianMirror()). */
  mirror?: string;
  /** Take the three .deb files from this folder instead of downloading them. */
  debsDir?: string;
  modules?: readonly string[];
  /** Modules loaded only when booting from a root file system (default ROOTFS_MODULES). */
  rootModules?: readonly string[];
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface FetchGuestResult {
  dir: string;
  manifest: GuestManifest;
  /** The cached guest verified and was kept. */
  reused: boolean;
  /** The initramfs was rebuilt (a cached one differed from what this version builds). */
  initrdRebuilt: boolean;
}

/** The kernel package a metapackage points at, from its dependency list. */
export function pickKernelPackage(depends: readonly string[]): string | null {
  return depends.find((d) => /^linux-image-\d[^\s]*-riscv64$/.test(d)) ?? null;
}

/** Requested modules a cached guest has neither as a file nor built in (it predates them). */
export function missingModules(manifest: GuestManifest, wanted: readonly string[]): string[] {
  const have = new Set([...manifest.modules.map((m) => m.name), ...manifest.builtinModules]);
  return wanted.map(moduleName).filter((name) => !have.has(name));
}

/** Rebuild the initramfs of a verified guest when this version of the builder makes a different one. */
function refreshInitrd(dir: string, manifest: GuestManifest): boolean {
  const initrd = buildInitramfs(loadInitramfsArtifacts(dir, manifest));
  const entry = manifest.files.find((f) => f.path === manifest.initrd);
  if (entry !== undefined && entry.sha256 === sha256Hex(initrd)) return false;
  writeFileSync(join(dir, manifest.initrd), initrd);
  manifest.files = manifest.files.map((f) => (f.path === manifest.initrd ? describeFile(dir, f.path) : f));
  writeManifest(dir, manifest);
  return true;
}

function findOne(dir: string, pattern: RegExp, what: string): string {
  const matches = existsSync(dir) ? readdirSync(dir).filter((f) => pattern.test(f)) : [];
  if (matches.length !== 1) {
    throw new GuestFetchError(
      `expected one ${what} in ${dir}, found ${matches.length ? matches.join(', ') : 'none'}`,
    );
  }
  return join(dir, matches[0]);
}

/** The three .deb files in a folder: kernel, firmware, busybox. */
function debsFromFolder(folder: string): Map<string, string> {
  const kernel = findOne(
    folder,
    /^linux-image-\d[^_]*-riscv64_.*_riscv64\.deb$/,
    'linux-image-<version>-riscv64 .deb',
  );
  return new Map([
    [kernel.slice(kernel.lastIndexOf('/') + 1).split('_')[0], kernel],
    [FIRMWARE_PACKAGE, findOne(folder, /^opensbi_.*\.deb$/, 'opensbi .deb')],
    [BUSYBOX_PACKAGE, findOne(folder, /^busybox-static_.*_riscv64\.deb$/, 'busybox-static riscv64 .deb')],
  ]);
}

/** Fetch (or reuse) the Debian guest; see the file comment. */
export async function fetchGuest(options: FetchGuestOptions = {}): Promise<FetchGuestResult> {
  const dir = options.dir ?? guestDir(DEFAULT_GUEST_NAME);
  const log = options.log ?? (() => {});
  if (!options.force) {
    const check = verifyGuestDir(dir);
    const missing = check.ok
      ? missingModules(check.manifest, [
          ...(options.modules ?? DEFAULT_MODULES),
          ...(options.rootModules ?? ROOTFS_MODULES),
        ])
      : [];
    if (check.ok && missing.length === 0) {
      const initrdRebuilt = refreshInitrd(dir, check.manifest);
      return { dir, manifest: check.manifest, reused: true, initrdRebuilt };
    }
    if (!check.ok && existsSync(dir)) log(`cached guest not usable (${check.reason}); fetching again`);
    if (missing.length > 0) log(`cached guest has no module ${missing.join(', ')}; fetching again`);
  }

  const stage = `${dir}.partial`;
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  try {
    return await fetchInto(dir, stage, options, log);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

async function fetchInto(
  dir: string,
  stage: string,
  options: FetchGuestOptions,
  log: (line: string) => void,
): Promise<FetchGuestResult> {
  const work = join(stage, '.work');
  const mirror = options.mirror ?? debianMirror();

  // 1. The three packages.
  const packages: { name: string; version: string }[] = [];
  let debs: Map<string, string>;
  if (options.debsDir !== undefined) {
    log(`using the .deb files in ${options.debsDir}`);
    debs = debsFromFolder(options.debsDir);
  } else {
    const apt = new PrivateApt({ root: join(work, 'apt'), mirror, suite: GUEST_SUITE, arch: GUEST_ARCH });
    log(`apt: ${apt.sourcesLine().trim()}`);
    if (apt.keyring === null)
      log('apt: no Debian keyring on this host: the archive signature is not checked');
    await apt.update();
    const kernelPackage = pickKernelPackage(await apt.depends(KERNEL_METAPACKAGE));
    if (kernelPackage === null)
      throw new GuestFetchError(`${KERNEL_METAPACKAGE} names no linux-image-<version> package`);
    const names = [kernelPackage, FIRMWARE_PACKAGE, BUSYBOX_PACKAGE];
    for (const name of names) {
      const info = await apt.show(name);
      packages.push({ name, version: info.version });
      log(`apt: ${name} ${info.version} (${info.fields.get('Size') ?? '?'} bytes)`);
    }
    debs = await apt.download(names, join(work, 'debs'));
  }

  // 2. Unpack them side by side.
  const root = join(work, 'root');
  for (const [name, deb] of debs) {
    log(`unpacking ${deb.slice(deb.lastIndexOf('/') + 1)}`);
    await extractDeb(deb, root);
    if (options.debsDir !== undefined) {
      const version = /_([^_]+)_[^_]+\.deb$/.exec(deb)?.[1]?.replace(/%3a/gi, ':') ?? 'unknown';
      packages.push({ name, version });
    }
  }

  // 3. Kernel: the flat Image is /boot/vmlinux-<version> on riscv64.
  const vmlinux = findOne(join(root, 'boot'), /^vmlinux-/, 'kernel /boot/vmlinux-*');
  const kernelVersion = vmlinux.slice(vmlinux.lastIndexOf('/vmlinux-') + '/vmlinux-'.length);
  const kernel = readFileSync(vmlinux);
  if (!isRiscvImage(kernel))
    throw new GuestFetchError(`${vmlinux} has no RISC-V Image header ("RSC\\x05" at 56)`);
  copyFileSync(vmlinux, join(stage, GUEST_FILES.kernel));
  // Debian ships a one-line placeholder System.map (the real one is in the -dbg package).
  const systemMap = join(root, 'boot', `System.map-${kernelVersion}`);
  if (existsSync(systemMap) && statSync(systemMap).size > 4096) {
    copyFileSync(systemMap, join(stage, GUEST_FILES.systemMap));
  }
  const config = join(root, 'boot', `config-${kernelVersion}`);
  if (existsSync(config)) copyFileSync(config, join(stage, GUEST_FILES.kernelConfig));

  // 4. Firmware and busybox.
  const firmware = join(root, FIRMWARE_IN_PACKAGE);
  if (!existsSync(firmware)) throw new GuestFetchError(`the opensbi package has no ${FIRMWARE_IN_PACKAGE}`);
  copyFileSync(firmware, join(stage, GUEST_FILES.firmware));
  const busyboxPath = ['bin/busybox', 'usr/bin/busybox'].map((p) => join(root, p)).find((p) => existsSync(p));
  if (busyboxPath === undefined)
    throw new GuestFetchError('the busybox-static package has no busybox binary');
  const busybox = readFileSync(busyboxPath);
  if (!isRiscv64Elf(busybox) || !isStaticElf(busybox)) {
    throw new GuestFetchError(`${busyboxPath} is not a static riscv64 ELF program`);
  }
  writeFileSync(join(stage, GUEST_FILES.busybox), busybox, { mode: 0o755 });

  // 5. Modules, decompressed here (busybox insmod gets plain .ko files), dependencies first.
  const modulesRoot = ['usr/lib/modules', 'lib/modules']
    .map((p) => join(root, p, kernelVersion))
    .find((p) => existsSync(p));
  if (modulesRoot === undefined)
    throw new GuestFetchError(`the kernel package has no modules for ${kernelVersion}`);
  const moduleFiles = indexModuleFiles(modulesRoot);
  const builtin = readBuiltinModules(modulesRoot);
  const baseWanted = (options.modules ?? DEFAULT_MODULES).map(moduleName);
  const rootWanted = (options.rootModules ?? ROOTFS_MODULES).map(moduleName);
  const wanted = [...baseWanted, ...rootWanted];
  const loaded = new Map<string, { data: Uint8Array; depends: string[]; source: string }>();
  const builtinWanted: string[] = [];
  const pending = [...wanted];
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (loaded.has(name) || builtinWanted.includes(name)) continue;
    if (builtin.has(name)) {
      builtinWanted.push(name);
      continue;
    }
    const source = moduleFiles.get(name);
    if (source === undefined)
      throw new GuestFetchError(`module ${name} is neither built in nor in ${modulesRoot}`);
    const data = await readDecompressed(join(modulesRoot, source));
    const depends = moduleDepends(readModinfo(data));
    loaded.set(name, { data, depends, source });
    pending.push(...depends);
  }
  const dependsOf = (name: string): string[] | null =>
    builtin.has(name) ? null : (loaded.get(name)?.depends ?? []);
  // The root file system's modules load after the others, and only those the others do not need.
  const baseOrder = moduleLoadOrder(baseWanted, dependsOf);
  const order = moduleLoadOrder(wanted, dependsOf);
  const forRoot = new Set(order.filter((name) => !baseOrder.includes(name)));
  order.sort((a, b) => Number(forRoot.has(a)) - Number(forRoot.has(b)));
  mkdirSync(join(stage, GUEST_FILES.modulesDir), { recursive: true });
  const modules: ManifestModule[] = order.map((name) => {
    const module = loaded.get(name);
    if (module === undefined) throw new GuestFetchError(`module ${name} was not read`);
    const path = `${GUEST_FILES.modulesDir}/${name}.ko`;
    writeFileSync(join(stage, path), module.data);
    return {
      name,
      path,
      source: module.source,
      depends: module.depends,
      ...(forRoot.has(name) ? { forRoot: true } : {}),
    };
  });
  log(
    `modules (load order): ${baseOrder.join(' ')}; for a root file system: ${[...forRoot].join(' ') || 'none'}` +
      `${builtinWanted.length ? `; built in: ${builtinWanted.join(' ')}` : ''}`,
  );

  // 6. The initramfs.
  const initrd = buildInitramfs({
    busybox,
    kernelVersion,
    modules: modules.map((m) => ({
      name: m.name,
      data: readFileSync(join(stage, m.path)),
      ...(m.forRoot ? { forRoot: true } : {}),
    })),
  });
  writeFileSync(join(stage, GUEST_FILES.initrd), initrd);

  // 7. Manifest, then swap the staging folder into place.
  rmSync(work, { recursive: true, force: true });
  const paths = [
    GUEST_FILES.kernel,
    GUEST_FILES.firmware,
    GUEST_FILES.busybox,
    GUEST_FILES.initrd,
    ...(existsSync(join(stage, GUEST_FILES.systemMap)) ? [GUEST_FILES.systemMap] : []),
    ...(existsSync(join(stage, GUEST_FILES.kernelConfig)) ? [GUEST_FILES.kernelConfig] : []),
    ...modules.map((m) => m.path),
  ];
  const manifest: GuestManifest = {
    format: MANIFEST_FORMAT,
    name: dir.slice(dir.lastIndexOf('/') + 1),
    createdAt: new Date().toISOString(),
    distribution: {
      suite: GUEST_SUITE,
      arch: GUEST_ARCH,
      mirror: options.debsDir === undefined ? mirror : 'local .deb files',
    },
    packages,
    kernelVersion,
    kernel: GUEST_FILES.kernel,
    firmware: GUEST_FILES.firmware,
    busybox: GUEST_FILES.busybox,
    initrd: GUEST_FILES.initrd,
    ...(paths.includes(GUEST_FILES.systemMap) ? { systemMap: GUEST_FILES.systemMap } : {}),
    ...(paths.includes(GUEST_FILES.kernelConfig) ? { kernelConfig: GUEST_FILES.kernelConfig } : {}),
    modules,
    builtinModules: builtinWanted,
    files: paths.map((p) => describeFile(stage, p)),
  };
  writeManifest(stage, manifest);
  // The root filesystem image (`rvisor guest rootfs`) has its own manifest and stays.
  for (const keep of [GUEST_FILES.rootfs, GUEST_FILES.rootfsManifest]) {
    if (existsSync(join(dir, keep))) renameSync(join(dir, keep), join(stage, keep));
  }
  mkdirSync(dirname(dir), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(stage, dir);
  return { dir, manifest, reused: false, initrdRebuilt: true };
}
