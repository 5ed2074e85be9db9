// Where fetched guest software lives: <cache>/guest/<name>/, with <cache> = RVISOR_CACHE_DIR, or
// $XDG_CACHE_HOME/rvisor, or ~/.cache/rvisor.

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The Debian guest this module fetches. */
export const DEFAULT_GUEST_NAME = 'debian-trixie-riscv64';

/** File names inside a guest directory. */
export const GUEST_FILES = {
  manifest: 'manifest.json',
  /** Stat keys of the files at their last full checksum check (manifest.ts). */
  verified: 'verified.json',
  kernel: 'Image',
  firmware: 'fw_dynamic.bin',
  busybox: 'busybox',
  initrd: 'initrd.cpio.gz',
  systemMap: 'System.map',
  kernelConfig: 'kernel.config',
  modulesDir: 'modules',
  /** The Debian root filesystem image (`rvisor guest rootfs`) and its own manifest. */
  rootfs: 'rootfs.ext4',
  rootfsManifest: 'rootfs.json',
} as const;

/** rvisor's cache root. */
export function rvisorCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RVISOR_CACHE_DIR) return resolve(env.RVISOR_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return join(resolve(env.XDG_CACHE_HOME), 'rvisor');
  return join(homedir(), '.cache', 'rvisor');
}

/** The directory of one fetched guest. */
export function guestDir(name: string = DEFAULT_GUEST_NAME, env: NodeJS.ProcessEnv = process.env): string {
  return join(rvisorCacheDir(env), 'guest', name);
}
