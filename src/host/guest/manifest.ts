// manifest.json of a fetched guest: what each file is, and its size and SHA-256, so a cached
// guest is reused only when every file still matches.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { GUEST_FILES } from './cache-paths.js';

export const MANIFEST_FORMAT = 1;

export interface ManifestFile {
  /** Relative to the guest directory. */
  path: string;
  size: number;
  sha256: string;
}

export interface ManifestModule {
  /** Module name (underscores), e.g. virtio_net. */
  name: string;
  /** Decompressed .ko, relative to the guest directory. */
  path: string;
  /** Where it came from in the package, relative to /lib/modules/<version>. */
  source: string;
  /** Direct dependencies (from the module's .modinfo). */
  depends: string[];
  /** Loaded only when booting from a root file system (root= on the kernel command line). */
  forRoot?: boolean;
}

export interface GuestManifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  createdAt: string;
  distribution: { suite: string; arch: string; mirror: string };
  packages: { name: string; version: string }[];
  /** uname -r of the kernel, e.g. 6.12.117+deb13-riscv64 */
  kernelVersion: string;
  /** Role → relative path of the main files. */
  kernel: string;
  firmware: string;
  busybox: string;
  initrd: string;
  systemMap?: string;
  kernelConfig?: string;
  /** Loadable modules in load order (dependencies first), stored decompressed. */
  modules: ManifestModule[];
  /** Requested modules that are compiled into this kernel (nothing to load). */
  builtinModules: string[];
  /** Every file of the guest with its size and checksum. */
  files: ManifestFile[];
}

export type ManifestCheck = { ok: true; manifest: GuestManifest } | { ok: false; reason: string };

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Size and checksum of one file in dir. */
export function describeFile(dir: string, path: string): ManifestFile {
  const data = readFileSync(join(dir, path));
  return { path, size: data.length, sha256: sha256Hex(data) };
}

function safeRelative(path: unknown): path is string {
  return typeof path === 'string' && path !== '' && !isAbsolute(path) && !path.split(/[\\/]/).includes('..');
}

export function writeManifest(dir: string, manifest: GuestManifest): void {
  const path = join(dir, GUEST_FILES.manifest);
  writeFileSync(path + '.tmp', JSON.stringify(manifest, null, 2) + '\n');
  renameSync(path + '.tmp', path);
}

/** Read the manifest without checking the files. */
export function readManifest(dir: string): GuestManifest | null {
  try {
    return JSON.parse(readFileSync(join(dir, GUEST_FILES.manifest), 'utf8')) as GuestManifest;
  } catch {
    return null;
  }
}

/**
 * Check a guest directory: the manifest parses, names every main file, and every listed file
 * exists with the recorded size and SHA-256.
 */
export function verifyGuestDir(dir: string): ManifestCheck {
  const manifestPath = join(dir, GUEST_FILES.manifest);
  if (!existsSync(manifestPath)) return { ok: false, reason: `no ${GUEST_FILES.manifest} in ${dir}` };
  let manifest: GuestManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as GuestManifest;
  } catch (err) {
    return { ok: false, reason: `${manifestPath} is not valid JSON (${(err as Error).message})` };
  }
  if (manifest === null || typeof manifest !== 'object' || manifest.format !== MANIFEST_FORMAT) {
    return { ok: false, reason: `${manifestPath} has an unknown format` };
  }
  if (!Array.isArray(manifest.files) || !Array.isArray(manifest.modules)) {
    return { ok: false, reason: `${manifestPath} lacks its file list` };
  }
  const listed = new Map<string, ManifestFile>();
  for (const file of manifest.files) {
    if (!safeRelative(file?.path))
      return { ok: false, reason: `bad file path in manifest: ${String(file?.path)}` };
    listed.set(file.path, file);
  }
  const required = [manifest.kernel, manifest.firmware, manifest.busybox, manifest.initrd];
  for (const module of manifest.modules) required.push(module?.path);
  for (const path of required) {
    if (!safeRelative(path) || !listed.has(path)) {
      return { ok: false, reason: `manifest does not list a checksum for ${String(path)}` };
    }
  }
  // Files whose size and stat times still match the last full check are not hashed again (as git
  // trusts its index): hashing the ~35 MB guest took ~270 ms of every `rvisor run`.
  const stamp = readStamp(dir);
  const keys: Record<string, string> = { [GUEST_FILES.manifest]: statKey(statSync(manifestPath)) };
  let hashed = false;
  for (const file of listed.values()) {
    const full = join(dir, file.path);
    let stat: Stats;
    try {
      stat = statSync(full);
    } catch {
      return { ok: false, reason: `${file.path} is missing` };
    }
    if (stat.size !== file.size)
      return { ok: false, reason: `${file.path} has ${stat.size} bytes, expected ${file.size}` };
    keys[file.path] = statKey(stat);
    if (stamp?.[GUEST_FILES.manifest] === keys[GUEST_FILES.manifest] && stamp[file.path] === keys[file.path])
      continue;
    if (sha256Hex(readFileSync(full)) !== file.sha256) {
      return { ok: false, reason: `${file.path} does not match its SHA-256 checksum` };
    }
    hashed = true;
  }
  if (hashed || stamp === undefined) writeStamp(dir, keys);
  return { ok: true, manifest };
}

/** What identifies a file's contents short of reading it: size, inode, modification and change times. */
function statKey(stat: Stats): string {
  return `${stat.size}:${stat.ino}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

/** The stat keys of the files at their last full check (verifyGuestDir), if any. */
function readStamp(dir: string): Record<string, string> | undefined {
  try {
    const stamp: unknown = JSON.parse(readFileSync(join(dir, GUEST_FILES.verified), 'utf8'));
    return stamp !== null && typeof stamp === 'object' ? (stamp as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

function writeStamp(dir: string, keys: Record<string, string>): void {
  const path = join(dir, GUEST_FILES.verified);
  try {
    writeFileSync(path + '.tmp', JSON.stringify(keys) + '\n');
    renameSync(path + '.tmp', path);
  } catch {
    // A read-only guest directory: every run checks the checksums, as before.
  }
}
