// A fetched guest as the rest of rvisor uses it: the paths of its files once the manifest
// verifies, and the inputs of the initramfs builder read back from the cache.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_GUEST_NAME, GUEST_FILES, guestDir } from './cache-paths.js';
import type { InitramfsArtifacts } from './initramfs.js';
import { verifyGuestDir, type GuestManifest } from './manifest.js';

export interface GuestPaths {
  name: string;
  dir: string;
  manifest: string;
  kernelVersion: string;
  /** Flat RISC-V Linux Image. */
  kernel: string;
  /** OpenSBI fw_dynamic.bin. */
  firmware: string;
  /** gzip-compressed newc cpio initramfs. */
  initrd: string;
  busybox: string;
  systemMap?: string;
  kernelConfig?: string;
  /** Decompressed modules in load order. */
  modules: string[];
}

/** Absolute paths of a guest's files, from its manifest. */
export function guestPaths(dir: string, manifest: GuestManifest): GuestPaths {
  const abs = (p: string): string => join(dir, p);
  return {
    name: manifest.name,
    dir,
    manifest: join(dir, GUEST_FILES.manifest),
    kernelVersion: manifest.kernelVersion,
    kernel: abs(manifest.kernel),
    firmware: abs(manifest.firmware),
    initrd: abs(manifest.initrd),
    busybox: abs(manifest.busybox),
    ...(manifest.systemMap ? { systemMap: abs(manifest.systemMap) } : {}),
    ...(manifest.kernelConfig ? { kernelConfig: abs(manifest.kernelConfig) } : {}),
    modules: manifest.modules.map((m) => abs(m.path)),
  };
}

export type FindGuestResult =
  { ok: true; paths: GuestPaths; manifest: GuestManifest } | { ok: false; reason: string };

/** The cached guest's paths when its manifest verifies (every checksum matches). */
export function findGuest(dir: string = guestDir(DEFAULT_GUEST_NAME)): FindGuestResult {
  const check = verifyGuestDir(dir);
  if (!check.ok) return check;
  return { ok: true, paths: guestPaths(dir, check.manifest), manifest: check.manifest };
}

/** busybox and the modules of a fetched guest, ready for buildInitramfs. */
export function loadInitramfsArtifacts(dir: string, manifest: GuestManifest): InitramfsArtifacts {
  return {
    busybox: readFileSync(join(dir, manifest.busybox)),
    kernelVersion: manifest.kernelVersion,
    modules: manifest.modules.map((m) => ({
      name: m.name,
      data: readFileSync(join(dir, m.path)),
      ...(m.forRoot ? { forRoot: true } : {}),
    })),
  };
}
