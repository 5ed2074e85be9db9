import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  ROOTFS_READY_MARKER,
  busyboxAppletLinks,
  fstabFile,
  groupFile,
  passwdFile,
  rootfsConfig,
  shadowFile,
} from './rootfs-config.js';
import { INITRAMFS_ROOT_FAILED_MARKER, INITRAMFS_SWITCH_MARKER, initScript } from './initramfs.js';

function syntaxError(script: string): string | null {
  const r = spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });
  return r.status === 0 ? null : r.stderr;
}

const fields = (text: string): string[][] =>
  text
    .trim()
    .split('\n')
    .map((l) => l.split(':'));

test('users: root logs in with no password, system users cannot; every group exists', () => {
  const passwd = fields(passwdFile());
  const shadow = fields(shadowFile());
  const groups = new Map(fields(groupFile()).map(([name, , gid]) => [Number(gid), name]));
  assert.deepEqual(passwd[0], ['root', 'x', '0', '0', 'root', '/root', '/bin/sh']);
  assert.deepEqual(
    shadow.map((s) => s[0]),
    passwd.map((p) => p[0]),
  );
  for (const s of shadow) {
    assert.equal(s.length, 9, s.join(':'));
    assert.equal(s[1], s[0] === 'root' ? '' : '*', s[0]);
  }
  for (const p of passwd) assert.ok(groups.has(Number(p[3])), `group ${p[3]} of ${p[0]}`);
  for (const name of ['root', 'tty', 'shadow', 'utmp', 'nogroup'])
    assert.ok([...groups.values()].includes(name));
  assert.equal(new Set(groups.keys()).size, groups.size);
});

test('fstab puts an ext4 / on /dev/vda', () => {
  const root = fstabFile()
    .split('\n')
    .filter((l) => !l.startsWith('#') && l.trim())
    .map((l) => l.split(/\s+/))
    .find((f) => f[1] === '/');
  assert.deepEqual(root?.slice(0, 3), ['/dev/vda', '/', 'ext4']);
  assert.equal(root?.[5], '1');
  assert.match(fstabFile('LABEL=rvisor-root'), /^LABEL=rvisor-root\s+\/\s+ext4/m);
});

test('the layout: files, permissions, init scripts, merged-/usr links', () => {
  const layout = rootfsConfig({ packages: [{ name: 'libc6', version: '2.41-12' }], motd: 'hello\n' });
  const file = (path: string) => layout.files.find((f) => f.path === path);
  const link = (path: string) => layout.links.find((l) => l.path === path)?.target;
  assert.deepEqual(
    [file('etc/shadow')?.mode, file('etc/shadow')?.uid ?? 0, file('etc/shadow')?.gid],
    [0o640, 0, 42],
  );
  assert.equal(file('etc/passwd')?.mode, 0o644);
  assert.equal(file('etc/hostname')?.content, 'rvisor\n');
  assert.equal(file('etc/motd')?.content, 'hello\n');
  assert.equal(file('etc/rvisor/packages')?.content, 'libc6 2.41-12\n');
  for (const path of ['etc/init.d/rcS', 'etc/init.d/rcK', 'usr/sbin/rvisor-getty']) {
    const f = file(path);
    assert.equal(f?.mode, 0o755, path);
    assert.match(f?.content ?? '', /^#!\/bin\/sh\n/, path);
    assert.equal(syntaxError(f?.content ?? ''), null, path);
  }
  // Everything inittab runs is in the image (a file, a link, or a busybox applet link).
  const inittab = file('etc/inittab')?.content ?? '';
  const applets = busyboxAppletLinks(['reboot', 'init', 'getty', 'poweroff'], () => false).map((l) => l.path);
  for (const line of inittab.split('\n').filter((l) => l.startsWith('::'))) {
    const program = line.split(':')[3].split(' ')[0].slice(1);
    assert.ok(file(program) || link(program) || applets.includes(program), `${program} from inittab`);
  }
  assert.ok(applets.includes('usr/sbin/getty'));
  assert.match(inittab, /^::sysinit:\/etc\/init\.d\/rcS$/m);
  assert.match(inittab, /^::shutdown:\/etc\/init\.d\/rcK$/m);
  assert.match(inittab, /^::respawn:\/usr\/sbin\/rvisor-getty$/m);
  const rcS = file('etc/init.d/rcS')?.content ?? '';
  assert.ok(rcS.includes(`echo "${ROOTFS_READY_MARKER}"`));
  assert.ok(rcS.includes('mount -o remount,rw /'));
  assert.ok(rcS.includes('e2fsck -p'));
  const rcK = file('etc/init.d/rcK')?.content ?? '';
  assert.ok(rcK.indexOf('kill -TERM -1') < rcK.indexOf('mount -o remount,ro /'));
  assert.match(
    file('usr/sbin/rvisor-getty')?.content ?? '',
    /exec \/usr\/sbin\/getty -L 115200 "\$tty" vt100/,
  );

  assert.equal(link('bin'), 'usr/bin');
  assert.equal(link('sbin'), 'usr/sbin');
  assert.equal(link('lib'), 'usr/lib');
  assert.equal(link('var/run'), '/run');
  assert.equal(link('usr/sbin/init'), '../bin/busybox');
  const dir = (path: string) => layout.dirs.find((d) => d.path === path)?.mode;
  assert.equal(dir('tmp'), 0o1777);
  assert.equal(dir('root'), 0o700);
  assert.throws(() => rootfsConfig({ hostname: 'a b' }), /hostname/);
  assert.deepEqual(rootfsConfig(), rootfsConfig(), 'deterministic');
});

test('busybox applet links skip programs that packages install and go to bin or sbin', () => {
  const existing = new Set(['usr/sbin/mke2fs', 'usr/bin/perl']);
  const links = busyboxAppletLinks(
    ['sh', 'mke2fs', 'perl', 'init', 'getty', 'ls', 'busybox', 'linuxrc', 'sh', '[['],
    (p) => existing.has(p),
  );
  assert.deepEqual(links, [
    { path: 'usr/bin/sh', target: 'busybox' },
    { path: 'usr/sbin/init', target: '../bin/busybox' },
    { path: 'usr/sbin/getty', target: '../bin/busybox' },
    { path: 'usr/bin/ls', target: 'busybox' },
    { path: 'usr/bin/[[', target: 'busybox' },
  ]);
});

test('/init: root= branch loads the file system modules, waits, mounts and switches root', () => {
  const script = initScript('6.12.0+t', ['virtio_mmio', 'virtio_blk'], ['jbd2', 'ext4']);
  assert.equal(syntaxError(script), null);
  assert.ok(script.includes('for m in virtio_mmio virtio_blk; do'));
  assert.ok(script.includes('for m in jbd2 ext4; do'));
  assert.ok(script.includes('root=*) root=${arg#root=} ;;'));
  assert.ok(script.includes('rw) rootmode=rw ;;'));
  assert.ok(script.includes(`echo "${INITRAMFS_SWITCH_MARKER} $dev`));
  assert.ok(script.includes(`${INITRAMFS_ROOT_FAILED_MARKER}=$root`));
  assert.ok(script.includes('exec switch_root /newroot "$rootinit"'));
  // Without root= the initramfs shell comes up as before.
  assert.ok(script.indexOf('rvisor-initramfs: ready') < script.indexOf('setsid cttyhack sh'));
  assert.throws(() => initScript('v', ['ok'], ['bad;name']), /module name/);
});

test(
  '/init decides by the command line as busybox sh runs it',
  { skip: spawnSync('sh', ['-c', 'true']).status !== 0 },
  () => {
    // Run the argument parsing part of /init against made-up command lines with the host's sh.
    const script = initScript('v', [], []);
    const parse = script.slice(
      script.indexOf('root= rootmode=ro'),
      script.indexOf('# Mount root= on /newroot'),
    );
    const run = (cmdline: string): string => {
      const r = spawnSync(
        'sh',
        [
          '-c',
          `${parse.replace('read -r cmdline < /proc/cmdline', `cmdline='${cmdline}'`)}\necho "$root|$rootmode|$rootwait|$rootfstype|$rootinit"`,
        ],
        { encoding: 'utf8' },
      );
      return r.stdout.trim();
    };
    assert.equal(run('console=ttyS0'), '|ro|10|ext4|/sbin/init');
    assert.equal(run('root=/dev/vda rw console=ttyS0'), '/dev/vda|rw|10|ext4|/sbin/init');
    assert.equal(
      run('root=LABEL=rvisor-root ro rootwait init=/bin/sh'),
      'LABEL=rvisor-root|ro|60|ext4|/bin/sh',
    );
    assert.equal(run('root=/dev/vdb rootdelay=3 rootfstype=ext2 *'), '/dev/vdb|ro|3|ext2|/sbin/init');
    assert.equal(run('rootdelay=x'), '|ro|10|ext4|/sbin/init');
  },
);
