// The configuration the root filesystem gets in place of Debian's maintainer scripts (which never
// run: the packages are only unpacked): users and groups, fstab, busybox init's inittab with its
// start and stop scripts, a login prompt on the console, and the busybox applet links.
//
// Login policy: root has an empty password, so `root` at the console's login prompt logs straight
// in. The image is for local VMs whose only way in is their console.

/** rcS prints this once the system is up and the login prompt is about to start. */
export const ROOTFS_READY_MARKER = 'rvisor-rootfs: ready';
/** The root device the image's fstab names (the first virtio block device). */
export const ROOTFS_ROOT_DEVICE = '/dev/vda';
export const ROOTFS_HOSTNAME = 'rvisor';

/** A file the builder writes into the image (path relative to the image root). */
export interface RootfsFile {
  path: string;
  content: string;
  mode: number;
  /** Owner and group when not root (0). */
  uid?: number;
  gid?: number;
}

export interface RootfsLink {
  path: string;
  target: string;
}

export interface RootfsDir {
  path: string;
  mode: number;
}

export interface RootfsLayout {
  dirs: RootfsDir[];
  files: RootfsFile[];
  /** Symbolic links; an existing directory at the path is replaced (it must be empty). */
  links: RootfsLink[];
}

export interface RootfsConfigOptions {
  hostname?: string;
  rootDevice?: string;
  /** Installed packages, listed in /etc/rvisor/packages. */
  packages?: readonly { name: string; version: string }[];
  /** Text for /etc/motd (Debian's, from base-files, when available). */
  motd?: string;
}

const SHADOW_GID = 42;
/** Days since 1970 for the shadow "last changed" field: a fixed date keeps images reproducible. */
const SHADOW_LAST_CHANGE = 20000;

const USERS: readonly {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}[] = [
  { name: 'root', uid: 0, gid: 0, gecos: 'root', home: '/root', shell: '/bin/sh' },
  { name: 'daemon', uid: 1, gid: 1, gecos: 'daemon', home: '/usr/sbin', shell: '/usr/sbin/nologin' },
  { name: 'bin', uid: 2, gid: 2, gecos: 'bin', home: '/bin', shell: '/usr/sbin/nologin' },
  { name: 'sys', uid: 3, gid: 3, gecos: 'sys', home: '/dev', shell: '/usr/sbin/nologin' },
  {
    name: 'nobody',
    uid: 65534,
    gid: 65534,
    gecos: 'nobody',
    home: '/nonexistent',
    shell: '/usr/sbin/nologin',
  },
];

// prettier-ignore
const GROUPS: readonly [string, number][] = [
  ['root', 0], ['daemon', 1], ['bin', 2], ['sys', 3], ['adm', 4], ['tty', 5], ['disk', 6], ['lp', 7],
  ['mail', 8], ['kmem', 15], ['dialout', 20], ['cdrom', 24], ['sudo', 27], ['audio', 29], ['video', 44],
  ['shadow', SHADOW_GID], ['utmp', 43], ['plugdev', 46], ['staff', 50], ['users', 100], ['nogroup', 65534],
];

export function passwdFile(): string {
  return USERS.map((u) => `${u.name}:x:${u.uid}:${u.gid}:${u.gecos}:${u.home}:${u.shell}\n`).join('');
}

/** root's password field is empty (no password); the system users cannot log in ("*"). */
export function shadowFile(): string {
  return USERS.map(
    (u) => `${u.name}:${u.name === 'root' ? '' : '*'}:${SHADOW_LAST_CHANGE}:0:99999:7:::\n`,
  ).join('');
}

export function groupFile(): string {
  return GROUPS.map(([name, gid]) => `${name}:x:${gid}:\n`).join('');
}

export function gshadowFile(): string {
  return GROUPS.map(([name]) => `${name}:*::\n`).join('');
}

export function fstabFile(rootDevice: string = ROOTFS_ROOT_DEVICE): string {
  return `# /etc/fstab (written by rvisor's root filesystem builder)
# <file system> <mount point> <type>  <options>                   <dump> <pass>
${rootDevice}        /             ext4    errors=remount-ro           0      1
proc            /proc         proc    defaults                    0      0
sysfs           /sys          sysfs   defaults                    0      0
devpts          /dev/pts      devpts  gid=5,mode=620              0      0
tmpfs           /run          tmpfs   mode=0755,nosuid,nodev      0      0
`;
}

/** busybox init's table: rcS at start, a login prompt on the console, rcK at shutdown. */
export function inittabFile(): string {
  return `# /etc/inittab for busybox init (written by rvisor's root filesystem builder)
::sysinit:/etc/init.d/rcS
::respawn:/usr/sbin/rvisor-getty
::ctrlaltdel:/usr/sbin/reboot
::shutdown:/etc/init.d/rcK
::restart:/usr/sbin/init
`;
}

/** System start: kernel file systems, a file system check when / is read-only, then / read-write. */
export function rcSScript(): string {
  return `#!/bin/sh
# System start, run by busybox init (written by rvisor's root filesystem builder).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mounted() { grep -q "^[^ ]* $1 " /proc/mounts; }

[ -e /proc/self ] || mount -t proc proc /proc
mounted /sys || mount -t sysfs sysfs /sys
mounted /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mounted /dev/pts || mount -t devpts -o gid=5,mode=620 devpts /dev/pts
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

# Check / while it is still read-only (the initramfs mounts it so unless "rw" was given), then
# make it writable unless the kernel command line says "ro".
root=$(awk '$2 == "/" { dev = $1 } END { print dev }' /proc/mounts)
if grep -q "^[^ ]* / [^ ]* ro[ ,]" /proc/mounts; then
  if [ -b "$root" ] && [ -x /usr/sbin/e2fsck ]; then
    e2fsck -p "$root"
    status=$?
    [ $status -ge 4 ] && echo "rvisor-rootfs: e2fsck -p $root found errors it could not fix (status $status)"
  fi
  case " $(cat /proc/cmdline) " in
    *" ro "*) echo "rvisor-rootfs: / stays read-only (ro on the kernel command line)" ;;
    *) mount -o remount,rw / || echo "rvisor-rootfs: cannot remount / read-write" ;;
  esac
fi

mounted /run || mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mkdir -p /run/lock && chmod 1777 /run/lock
: > /run/utmp
hostname -F /etc/hostname
ip link set lo up 2>/dev/null
echo "${ROOTFS_READY_MARKER}"
`;
}

/** System stop (poweroff, reboot): end every process, then leave / read-only and synced. */
export function rcKScript(): string {
  return `#!/bin/sh
# System stop, run by busybox init before it powers off or reboots (written by rvisor's root
# filesystem builder): stop every process, then remount / read-only so that it is left clean.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
echo "rvisor-rootfs: stopping"
sync
kill -TERM -1 2>/dev/null
sleep 1
kill -KILL -1 2>/dev/null
sync
umount -a -r -t tmpfs,devpts 2>/dev/null
mount -o remount,ro / || echo "rvisor-rootfs: / could not be remounted read-only"
sync
`;
}

/** A login prompt on the console the kernel writes to (the last console= of the command line). */
export function gettyScript(): string {
  return `#!/bin/sh
# Run by busybox init (and started again when the session ends): a login prompt on the console.
# The tty is the kernel's console (the last entry of /sys/class/tty/console/active, as busybox's
# cttyhack picks it), ttyS0 when that cannot be read.
tty=
for c in $(cat /sys/class/tty/console/active 2>/dev/null); do tty=$c; done
case "$tty" in ''|console|tty0) tty=ttyS0 ;; esac
exec /usr/sbin/getty -L 115200 "$tty" vt100
`;
}

export function profileFile(): string {
  return `# /etc/profile: login shells (written by rvisor's root filesystem builder)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
if [ "$(id -u)" -eq 0 ]; then PS1='\\h:\\w# '; else PS1='\\h:\\w$ '; fi
export PS1
umask 022
for f in /etc/profile.d/*.sh; do [ -r "$f" ] && . "$f"; done
unset f
`;
}

/** The configuration files, extra directories and links of the image. */
export function rootfsConfig(options: RootfsConfigOptions = {}): RootfsLayout {
  const hostname = options.hostname ?? ROOTFS_HOSTNAME;
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(hostname)) throw new Error(`bad hostname '${hostname}'`);
  const rootDevice = options.rootDevice ?? ROOTFS_ROOT_DEVICE;
  if (!/^[A-Za-z0-9/=_.:-]+$/.test(rootDevice)) throw new Error(`bad root device '${rootDevice}'`);
  const packages = options.packages ?? [];
  const files: RootfsFile[] = [
    { path: 'etc/passwd', content: passwdFile(), mode: 0o644 },
    { path: 'etc/shadow', content: shadowFile(), mode: 0o640, gid: SHADOW_GID },
    { path: 'etc/group', content: groupFile(), mode: 0o644 },
    { path: 'etc/gshadow', content: gshadowFile(), mode: 0o640, gid: SHADOW_GID },
    { path: 'etc/hostname', content: `${hostname}\n`, mode: 0o644 },
    {
      path: 'etc/hosts',
      content: `127.0.0.1\tlocalhost\n127.0.1.1\t${hostname}\n::1\t\tlocalhost ip6-localhost ip6-loopback\n`,
      mode: 0o644,
    },
    { path: 'etc/fstab', content: fstabFile(rootDevice), mode: 0o644 },
    { path: 'etc/inittab', content: inittabFile(), mode: 0o644 },
    { path: 'etc/init.d/rcS', content: rcSScript(), mode: 0o755 },
    { path: 'etc/init.d/rcK', content: rcKScript(), mode: 0o755 },
    { path: 'usr/sbin/rvisor-getty', content: gettyScript(), mode: 0o755 },
    { path: 'etc/profile', content: profileFile(), mode: 0o644 },
    { path: 'etc/shells', content: '# /etc/shells: valid login shells\n/bin/sh\n/usr/bin/sh\n', mode: 0o644 },
    {
      path: 'etc/nsswitch.conf',
      content:
        'passwd: files\ngroup: files\nshadow: files\ngshadow: files\nhosts: files dns\nnetworks: files\n',
      mode: 0o644,
    },
    { path: 'etc/motd', content: options.motd ?? '', mode: 0o644 },
    {
      path: 'etc/rvisor/packages',
      content: packages.map((p) => `${p.name} ${p.version}\n`).join(''),
      mode: 0o644,
    },
    { path: 'var/log/wtmp', content: '', mode: 0o664, gid: 43 },
    { path: 'var/log/btmp', content: '', mode: 0o660, gid: 43 },
    { path: 'var/log/lastlog', content: '', mode: 0o664, gid: 43 },
  ];
  const dirs: RootfsDir[] = [
    ...['dev', 'proc', 'sys', 'run', 'mnt', 'srv', 'opt', 'media', 'home', 'etc/opt', 'var/opt'].map(
      (path) => ({
        path,
        mode: 0o755,
      }),
    ),
    { path: 'root', mode: 0o700 },
    { path: 'tmp', mode: 0o1777 },
    { path: 'var/tmp', mode: 0o1777 },
    { path: 'etc/profile.d', mode: 0o755 },
    ...['bin', 'sbin', 'lib', 'local', 'local/bin', 'local/sbin', 'local/lib', 'local/share'].map((d) => ({
      path: `usr/${d}`,
      mode: 0o755,
    })),
  ];
  const links: RootfsLink[] = [
    // The merged /usr layout Debian trixie has (base-files ships these too).
    { path: 'bin', target: 'usr/bin' },
    { path: 'sbin', target: 'usr/sbin' },
    { path: 'lib', target: 'usr/lib' },
    { path: 'var/run', target: '/run' },
    { path: 'var/lock', target: '/run/lock' },
    { path: 'etc/mtab', target: '../proc/self/mounts' },
    { path: 'usr/sbin/init', target: '../bin/busybox' },
    { path: 'etc/dpkg/origins/default', target: 'debian' },
  ];
  return { dirs, files, links };
}

/** Applets that go to /usr/sbin (system administration); the rest go to /usr/bin. */
// prettier-ignore
const SBIN_APPLETS = new Set([
  'acpid', 'adjtimex', 'arp', 'blkdiscard', 'blockdev', 'brctl', 'chroot', 'crond', 'depmod', 'devmem',
  'fdisk', 'findfs', 'freeramdisk', 'fsfreeze', 'fstrim', 'getty', 'halt', 'hwclock', 'ifconfig', 'ifdown',
  'ifup', 'init', 'insmod', 'ip', 'klogd', 'loadkmap', 'losetup', 'lsmod', 'mdev', 'mke2fs', 'mkdosfs',
  'mkswap', 'modinfo', 'modprobe', 'nameif', 'nologin', 'partprobe', 'pivot_root', 'poweroff', 'reboot',
  'rmmod', 'route', 'run-init', 'start-stop-daemon', 'sulogin', 'swapoff', 'swapon', 'switch_root',
  'sysctl', 'syslogd', 'tunctl', 'udhcpc', 'udhcpc6', 'udhcpd', 'vconfig', 'watchdog',
]);

/** Applets that would mislead in a Debian system or make no sense here. */
const SKIPPED_APPLETS = new Set(['busybox', 'linuxrc', 'dpkg', 'dpkg-deb', 'rpm', 'rpm2cpio']);

/**
 * Links to /usr/bin/busybox for its applets, skipping any name a real package already installs
 * in /usr/bin or /usr/sbin (`exists` answers for a path relative to the image root).
 */
export function busyboxAppletLinks(
  applets: readonly string[],
  exists: (path: string) => boolean,
): RootfsLink[] {
  const links: RootfsLink[] = [];
  const seen = new Set<string>();
  for (const applet of applets) {
    if (SKIPPED_APPLETS.has(applet) || seen.has(applet) || !/^[A-Za-z0-9_.[\]-]+$/.test(applet)) continue;
    seen.add(applet);
    if (exists(`usr/bin/${applet}`) || exists(`usr/sbin/${applet}`)) continue;
    links.push(
      SBIN_APPLETS.has(applet)
        ? { path: `usr/sbin/${applet}`, target: '../bin/busybox' }
        : { path: `usr/bin/${applet}`, target: 'busybox' },
    );
  }
  return links;
}
