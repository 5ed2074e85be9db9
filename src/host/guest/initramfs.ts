// The initramfs rvisor boots Debian's kernel with: busybox and its applet links, the virtio
// modules, device nodes for the first console, and an /init script that loads the modules,
// prints a marker line and hands the console to an interactive shell. With root=DEVICE on the
// kernel command line, /init instead loads the file system modules, mounts that device and
// switches to it (the Debian root filesystem image of `rvisor guest rootfs`).

import { gzipSync } from 'node:zlib';
import { writeCpioNewc, type CpioEntry } from './cpio.js';

/** /init prints this line once the system is up; boot tests wait for it. */
export const INITRAMFS_READY_MARKER = 'rvisor-initramfs: ready';
/** /init prints this (followed by the device) just before it switches to a root= file system. */
export const INITRAMFS_SWITCH_MARKER = 'rvisor-initramfs: switching to root';
/** /init prints this when root= was given but could not be mounted (then it starts the shell). */
export const INITRAMFS_ROOT_FAILED_MARKER = 'rvisor-initramfs: cannot boot from root';
/** /init runs this file (when present and executable) before starting the shell. */
export const AUTORUN_PATH = '/etc/rvisor/autorun.sh';

export interface InitramfsModule {
  /** Module name, e.g. virtio_mmio; stored as /lib/modules/<version>/<name>.ko */
  name: string;
  /** The module, decompressed. */
  data: Uint8Array;
  /** Loaded only when booting from a root file system (root= on the kernel command line). */
  forRoot?: boolean;
}

export interface InitramfsArtifacts {
  /** A static riscv64 busybox. */
  busybox: Uint8Array;
  /** uname -r of the kernel the modules belong to. */
  kernelVersion: string;
  /** Modules in load order (dependencies first). */
  modules: readonly InitramfsModule[];
}

export interface InitramfsOptions {
  /** gzip the archive (default true; Debian's kernel has CONFIG_RD_GZIP). */
  compress?: boolean;
  /** Applets to link to busybox (default: the ones found in the binary, else a built-in list). */
  applets?: readonly string[];
  /** A busybox sh script that /init runs before the shell (stored at AUTORUN_PATH). */
  autorun?: string;
  /** Extra members, added after everything else. */
  extraFiles?: readonly CpioEntry[];
}

/** Applets linked when the binary's own list cannot be read; all are in Debian's busybox-static. */
// prettier-ignore
export const DEFAULT_APPLETS: readonly string[] = [
  'sh', 'ash', 'cat', 'cp', 'mv', 'rm', 'ln', 'ls', 'mkdir', 'rmdir', 'touch', 'echo', 'printf', 'test',
  '[', 'true', 'false', 'mount', 'umount', 'uname', 'hostname', 'dmesg', 'insmod', 'rmmod', 'lsmod',
  'modinfo', 'sha256sum', 'md5sum', 'dd', 'head', 'tail', 'wc', 'grep', 'sed', 'awk', 'cut', 'sort',
  'uniq', 'tr', 'od', 'hexdump', 'xxd', 'sleep', 'date', 'ps', 'kill', 'free', 'df', 'du', 'stat', 'sync',
  'poweroff', 'reboot', 'halt', 'setsid', 'cttyhack', 'stty', 'tty', 'env', 'which', 'find', 'xargs', 'vi',
  'less', 'more', 'ip', 'ifconfig', 'route', 'udhcpc', 'ping', 'wget', 'nc', 'mknod', 'chmod', 'chown',
  'readlink', 'realpath', 'basename', 'dirname', 'seq', 'yes', 'time', 'timeout', 'uptime', 'nproc', 'id',
  'whoami', 'mdev', 'switch_root', 'pivot_root', 'losetup', 'blockdev', 'mke2fs', 'fdisk', 'tar', 'gzip',
  'gunzip', 'zcat', 'xz', 'unxz', 'xzcat', 'top', 'watch', 'devmem',
];

/** Applets /init itself needs: always linked. */
const REQUIRED_APPLETS = [
  'sh',
  'mount',
  'mkdir',
  'hostname',
  'insmod',
  'uname',
  'setsid',
  'cttyhack',
  'sync',
  'poweroff',
  'switch_root',
  'findfs',
  'sleep',
  'umount',
];

/** Applets this initramfs cannot use sensibly (its /init is the script; the binary is linked itself). */
const SKIPPED_APPLETS = new Set(['busybox', 'init', 'linuxrc']);

/**
 * The applet names a busybox binary carries: busybox keeps them as one sorted, NUL-separated
 * string that starts with "[" and "[[". Returns [] when the list cannot be found.
 */
export function busyboxApplets(binary: Uint8Array): string[] {
  const start = Buffer.from(binary.buffer, binary.byteOffset, binary.byteLength).indexOf(
    '[\0[[\0',
    0,
    'latin1',
  );
  if (start < 0) return [];
  const names: string[] = [];
  let at = start;
  while (at < binary.length && names.length < 2000) {
    let end = at;
    while (end < binary.length && binary[end] !== 0) end++;
    if (end === at) break;
    const name = Buffer.from(binary.subarray(at, end)).toString('latin1');
    if (!/^[a-z0-9_.[\]-]+$/.test(name)) break;
    names.push(name);
    at = end + 1;
  }
  return names.length >= 10 ? names : [];
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The /init script. `rootModuleNames` (in load order) are loaded only when the kernel command
 * line has root=: then /init waits for that device (up to 10 s; rootwait: 60 s; rootdelay=N: N s),
 * mounts it (ro unless rw is given; rootfstype= and rootflags= as the kernel has them) and runs
 * its /sbin/init (or init=) with switch_root.
 */
export function initScript(
  kernelVersion: string,
  moduleNames: readonly string[],
  rootModuleNames: readonly string[] = [],
): string {
  for (const name of [...moduleNames, ...rootModuleNames]) {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`bad module name '${name}'`);
  }
  return `#!/bin/sh
# /init of the rvisor initramfs, run by busybox sh (written by rvisor's initramfs builder).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root
export TERM=\${TERM:-vt100}
mount -t proc proc /proc || echo "rvisor-initramfs: cannot mount /proc"
mount -t sysfs sysfs /sys || echo "rvisor-initramfs: cannot mount /sys"
mount -t devtmpfs devtmpfs /dev || echo "rvisor-initramfs: cannot mount devtmpfs on /dev"
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts 2>/dev/null
hostname rvisor

# virtio modules, dependencies first; a failure is reported and the boot goes on.
moddir=/lib/modules/${shellQuote(kernelVersion)}
loaded=
for m in ${moduleNames.join(' ')}; do
  if insmod "$moddir/$m.ko"; then
    loaded="$loaded $m"
  else
    echo "rvisor-initramfs: insmod $m failed (going on without it)"
  fi
done
echo "rvisor-initramfs: kernel $(uname -r) on $(uname -m); modules:\${loaded:- none}"

# The kernel command line: root=, rw/ro, rootwait, rootdelay=, rootfstype=, rootflags=, init=.
root= rootmode=ro rootfstype=ext4 rootflags= rootwait=10 rootinit=/sbin/init
read -r cmdline < /proc/cmdline
set -f
for arg in $cmdline; do
  case "$arg" in
    root=*) root=\${arg#root=} ;;
    rw) rootmode=rw ;;
    ro) rootmode=ro ;;
    rootwait) rootwait=60 ;;
    rootdelay=*) rootwait=\${arg#rootdelay=} ;;
    rootfstype=*) rootfstype=\${arg#rootfstype=} ;;
    rootflags=*) rootflags=\${arg#rootflags=} ;;
    init=*) rootinit=\${arg#init=} ;;
  esac
done
set +f
case "$rootwait" in ''|*[!0-9]*) rootwait=10 ;; esac

# Mount root= on /newroot and switch to it; returns only when that fails.
boot_root() {
  for m in ${rootModuleNames.join(' ')}; do
    insmod "$moddir/$m.ko" || echo "rvisor-initramfs: insmod $m failed"
  done
  dev=
  i=0
  while :; do
    case "$root" in
      LABEL=*|UUID=*) dev=$(findfs "$root" 2>/dev/null) ;;
      *) [ -b "$root" ] && dev=$root ;;
    esac
    [ -n "$dev" ] && break
    [ $i -ge "$rootwait" ] && break
    [ $i -eq 0 ] && echo "rvisor-initramfs: waiting up to $rootwait s for $root"
    sleep 1
    i=$((i + 1))
  done
  if [ -z "$dev" ]; then
    echo "${INITRAMFS_ROOT_FAILED_MARKER}=$root: no such block device after $rootwait s"
    return
  fi
  mkdir -p /newroot
  if ! mount -t "$rootfstype" -o "$rootmode\${rootflags:+,$rootflags}" "$dev" /newroot; then
    echo "${INITRAMFS_ROOT_FAILED_MARKER}=$root: mount -t $rootfstype $dev failed"
    return
  fi
  if [ ! -e "/newroot$rootinit" ] && [ ! -L "/newroot$rootinit" ]; then
    echo "${INITRAMFS_ROOT_FAILED_MARKER}=$root: it has no $rootinit"
    umount /newroot
    return
  fi
  echo "${INITRAMFS_SWITCH_MARKER} $dev ($rootfstype, $rootmode)"
  # The kernel file systems move along (the new init finds them mounted).
  for fs in /dev /proc /sys; do
    if [ -d "/newroot$fs" ]; then mount --move "$fs" "/newroot$fs"; else umount -l "$fs"; fi
  done
  exec switch_root /newroot "$rootinit"
}

if [ -n "$root" ]; then
  boot_root
  echo "rvisor-initramfs: starting the initramfs shell instead"
  [ -e /proc/self ] || mount -t proc proc /proc
else
  if [ -x ${AUTORUN_PATH} ]; then
    echo "rvisor-initramfs: running ${AUTORUN_PATH}"
    ${AUTORUN_PATH}
    echo "rvisor-initramfs: ${AUTORUN_PATH} exited with status $?"
  fi
  echo "${INITRAMFS_READY_MARKER}"
fi
# An interactive shell with the console as its controlling terminal (job control, Ctrl-C).
setsid cttyhack sh
echo "rvisor-initramfs: shell exited, powering off"
sync
poweroff -f
`;
}

/** The initramfs as a cpio "newc" archive, gzip-compressed unless options.compress is false. */
export function buildInitramfs(artifacts: InitramfsArtifacts, options: InitramfsOptions = {}): Uint8Array {
  const { kernelVersion, modules } = artifacts;
  if (!/^[A-Za-z0-9._+~-]+$/.test(kernelVersion)) throw new Error(`bad kernel version '${kernelVersion}'`);
  const detected = busyboxApplets(artifacts.busybox);
  const chosen = options.applets ?? (detected.length > 0 ? detected : DEFAULT_APPLETS);
  const applets = [...new Set([...REQUIRED_APPLETS, ...chosen])]
    .filter((a) => !SKIPPED_APPLETS.has(a) && !a.includes('/'))
    .sort();
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);

  const entries: CpioEntry[] = [];
  for (const dir of ['bin', 'dev', 'etc', 'lib', 'mnt', 'proc', 'root', 'run', 'sys', 'tmp', 'usr']) {
    entries.push({ type: 'dir', path: dir, mode: dir === 'tmp' ? 0o1777 : dir === 'root' ? 0o700 : 0o755 });
  }
  // One directory of programs, reachable under every usual name.
  entries.push({ type: 'symlink', path: 'sbin', target: 'bin' });
  entries.push({ type: 'symlink', path: 'usr/bin', target: '../bin' });
  entries.push({ type: 'symlink', path: 'usr/sbin', target: '../bin' });
  // A console and /dev/null before devtmpfs is mounted (the kernel opens /dev/console for init).
  entries.push({ type: 'char', path: 'dev/console', major: 5, minor: 1, mode: 0o600 });
  entries.push({ type: 'char', path: 'dev/null', major: 1, minor: 3, mode: 0o666 });

  entries.push({ type: 'file', path: 'bin/busybox', data: artifacts.busybox, mode: 0o755 });
  for (const applet of applets) entries.push({ type: 'symlink', path: `bin/${applet}`, target: 'busybox' });

  entries.push({ type: 'file', path: 'etc/passwd', data: text('root::0:0:root:/root:/bin/sh\n') });
  entries.push({ type: 'file', path: 'etc/group', data: text('root:x:0:\n') });
  entries.push({ type: 'file', path: 'etc/hostname', data: text('rvisor\n') });

  entries.push({ type: 'dir', path: `lib/modules/${kernelVersion}` });
  for (const module of modules) {
    entries.push({ type: 'file', path: `lib/modules/${kernelVersion}/${module.name}.ko`, data: module.data });
  }

  if (options.autorun !== undefined) {
    entries.push({ type: 'file', path: AUTORUN_PATH, data: text(options.autorun), mode: 0o755 });
  }
  const init = initScript(
    kernelVersion,
    modules.filter((m) => !m.forRoot).map((m) => m.name),
    modules.filter((m) => m.forRoot).map((m) => m.name),
  );
  entries.push({ type: 'file', path: 'init', data: text(init), mode: 0o755 });
  entries.push(...(options.extraFiles ?? []));

  const archive = writeCpioNewc(entries);
  if (options.compress === false) return archive;
  const gz = gzipSync(archive, { level: 9 });
  return new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength);
}
