import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDeb, fakeStaticRiscvElf, hasTool } from './fake-packages.js';
import {
  buildRootfs,
  makeExt4Image,
  mergeUsr,
  readRootfsManifest,
  rootfsRecipe,
  setImageOwners,
  sha256File,
  verifyRootfs,
} from './rootfs.js';

const MiB = 1024 * 1024;
const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
const tools = ['dpkg-deb', 'mke2fs', 'e2fsck', 'debugfs'].filter((t) => !hasTool(t));
const offline = tools.length === 0 ? false : `needs ${tools.join(', ')} (dpkg, e2fsprogs)`;

/** debugfs -R: one read-only command against an image. */
function debugfs(image: string, command: string): string {
  const r = spawnSync('debugfs', ['-R', command, image], { encoding: 'utf8' });
  return r.stdout;
}

/** Type, mode, owner and link target of a path in an image. */
function inode(
  image: string,
  path: string,
): { type: string; mode: number; uid: number; gid: number; link?: string } {
  const text = debugfs(image, `stat "${path}"`);
  const m = /Type: (\S+)\s+Mode:\s+(\d+)/.exec(text);
  const owner = /User:\s+(\d+)\s+Group:\s+(\d+)/.exec(text);
  if (!m || !owner) throw new Error(`no inode for ${path} in ${image}:\n${text}`);
  const link = /Fast link dest: "([^"]*)"/.exec(text)?.[1];
  return {
    type: m[1],
    mode: parseInt(m[2], 8),
    uid: Number(owner[1]),
    gid: Number(owner[2]),
    ...(link !== undefined ? { link } : {}),
  };
}

/** Stand-ins for the Debian packages, some still shipping files outside /usr. */
function makeDebs(work: string): string {
  const debs = join(work, 'debs');
  const applets = ['[', '[[', 'cat', 'getty', 'init', 'login', 'ls', 'mke2fs', 'poweroff', 'reboot', 'sh'];
  buildDeb(
    work,
    debs,
    { name: 'base-files', version: '13.8', arch: 'riscv64' },
    {
      'usr/lib/os-release': encode('PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\n'),
      'usr/share/base-files/motd': encode('Debian motd\n'),
      'etc/issue': encode('Debian GNU/Linux 13 \\n \\l\n'),
    },
  );
  buildDeb(
    work,
    debs,
    { name: 'busybox-static', version: '1:1.37.0-6', arch: 'riscv64' },
    { 'usr/bin/busybox': fakeStaticRiscvElf(encode(applets.join('\0') + '\0\0')) },
  );
  buildDeb(
    work,
    debs,
    { name: 'e2fsprogs', version: '1.47.2-3', arch: 'riscv64' },
    {
      'usr/sbin/mke2fs': encode('real mke2fs'),
      'sbin/e2fsck': encode('real e2fsck'),
      'lib/riscv64-linux-gnu/libext2fs.so.2': encode('library'),
    },
  );
  buildDeb(
    work,
    debs,
    { name: 'libc6', version: '2.41-12', arch: 'riscv64' },
    { 'usr/lib/ld-linux-riscv64-lp64d.so.1': encode('loader') },
  );
  return debs;
}

test('mergeUsr moves /bin, /sbin and /lib into /usr and leaves links', () => {
  const root = mkdtempSync(join(tmpdir(), 'rvisor-usrmerge-'));
  try {
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'lib/x'), { recursive: true });
    mkdirSync(join(root, 'usr/lib/x'), { recursive: true });
    writeFileSync(join(root, 'bin/tool'), 'tool');
    writeFileSync(join(root, 'lib/x/a'), 'a');
    writeFileSync(join(root, 'usr/lib/x/b'), 'b');
    mergeUsr(root);
    assert.equal(readFileSync(join(root, 'usr/bin/tool'), 'utf8'), 'tool');
    assert.equal(readFileSync(join(root, 'usr/lib/x/a'), 'utf8'), 'a');
    assert.equal(readFileSync(join(root, 'usr/lib/x/b'), 'utf8'), 'b');
    assert.equal(readFileSync(join(root, 'lib/x/a'), 'utf8'), 'a', 'through the link');
    assert.equal(spawnSync('readlink', [join(root, 'bin')], { encoding: 'utf8' }).stdout.trim(), 'usr/bin');
    // The same file in both places is a conflict.
    mkdirSync(join(root, 'sbin'));
    mkdirSync(join(root, 'usr/sbin'));
    writeFileSync(join(root, 'sbin/x'), '1');
    writeFileSync(join(root, 'usr/sbin/x'), '2');
    assert.throws(() => mergeUsr(root), /both exist/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('setImageOwners changes owners inside an image', { skip: offline }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'rvisor-owners-'));
  try {
    mkdirSync(join(work, 'tree/dir'), { recursive: true });
    writeFileSync(join(work, 'tree/dir/file'), 'x');
    const image = join(work, 'fs.ext4');
    await makeExt4Image(join(work, 'tree'), image, 64 * MiB, { scratch: work, label: 'test' });
    await setImageOwners(
      image,
      [
        { path: 'dir', uid: 0, gid: 0 },
        { path: 'dir/file', uid: 1000, gid: 42 },
      ],
      work,
    );
    assert.deepEqual([inode(image, '/dir/file').uid, inode(image, '/dir/file').gid], [1000, 42]);
    assert.equal(spawnSync('e2fsck', ['-fn', image]).status, 0);
    await assert.rejects(
      setImageOwners(image, [{ path: 'missing', uid: 0, gid: 0 }], work),
      /could not set owners/,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test(
  'rootfs from local .deb files: layout, owners, manifest; reuse; rebuilt when changed',
  { skip: offline },
  async () => {
    const work = mkdtempSync(join(tmpdir(), 'rvisor-rootfs-'));
    try {
      const debsDir = makeDebs(work);
      const dir = join(work, 'guest');
      const logs: string[] = [];
      const first = await buildRootfs({ dir, debsDir, size: 64 * MiB, log: (l) => logs.push(l) });
      assert.equal(first.reused, false);
      const m = first.manifest;
      assert.equal(m.size, 64 * MiB);
      assert.equal(m.label, 'rvisor-root');
      assert.equal(m.recipe, rootfsRecipe());
      assert.deepEqual(
        m.packages.map((p) => `${p.name} ${p.version}`),
        ['base-files 13.8', 'busybox-static 1:1.37.0-6', 'e2fsprogs 1.47.2-3', 'libc6 2.41-12'],
      );
      assert.equal(await sha256File(first.image), m.sha256);
      assert.deepEqual(readRootfsManifest(dir), m);
      assert.ok(
        logs.some((l) => /setuid\/setgid files: none/.test(l)),
        logs.join('\n'),
      );

      const image = first.image;
      assert.equal(spawnSync('e2fsck', ['-fn', image]).status, 0);
      assert.match(debugfs(image, 'stats'), /Filesystem volume name:\s+rvisor-root/);
      // Merged /usr, with the files that were shipped outside it moved in.
      assert.deepEqual(inode(image, '/bin'), {
        type: 'symlink',
        mode: 0o777,
        uid: 0,
        gid: 0,
        link: 'usr/bin',
      });
      assert.equal(inode(image, '/lib').link, 'usr/lib');
      assert.equal(inode(image, '/usr/sbin/e2fsck').type, 'regular');
      assert.equal(debugfs(image, 'cat /usr/sbin/e2fsck'), 'real e2fsck');
      assert.equal(inode(image, '/usr/lib/riscv64-linux-gnu/libext2fs.so.2').type, 'regular');
      assert.equal(inode(image, '/usr/lib/ld-linux-riscv64-lp64d.so.1').type, 'regular');
      // busybox applets, not over real programs.
      assert.equal(inode(image, '/usr/bin/sh').link, 'busybox');
      assert.equal(inode(image, '/usr/sbin/init').link, '../bin/busybox');
      assert.equal(inode(image, '/usr/sbin/getty').link, '../bin/busybox');
      assert.equal(inode(image, '/usr/sbin/mke2fs').type, 'regular');
      assert.equal(debugfs(image, 'cat /usr/sbin/mke2fs'), 'real mke2fs');
      // Configuration, owners and modes.
      assert.match(debugfs(image, 'cat /etc/passwd'), /^root:x:0:0:root:\/root:\/bin\/sh\n/);
      assert.match(debugfs(image, 'cat /etc/shadow'), /^root::/);
      assert.deepEqual(inode(image, '/etc/shadow'), { type: 'regular', mode: 0o640, uid: 0, gid: 42 });
      assert.equal(inode(image, '/etc/init.d/rcS').mode, 0o755);
      assert.equal(inode(image, '/tmp').mode, 0o1777);
      assert.equal(inode(image, '/root').mode, 0o700);
      assert.equal(inode(image, '/').uid, 0);
      assert.equal(debugfs(image, 'cat /etc/motd'), 'Debian motd\n');
      assert.match(
        debugfs(image, 'cat /etc/rvisor/packages'),
        /^base-files 13\.8\nbusybox-static 1:1\.37\.0-6\n/,
      );
      assert.equal(inode(image, '/var/run').link, '/run');

      // Cached: reused as long as it verifies.
      const second = await buildRootfs({ dir, debsDir });
      assert.equal(second.reused, true);
      assert.equal((await buildRootfs({ dir, debsDir, size: 64 * MiB })).reused, true);

      // A guest wrote to it: rebuilt.
      const fd = openSync(image, 'r+');
      writeSync(fd, encode('changed'), 0, 7, 8 * MiB);
      closeSync(fd);
      assert.equal((await verifyRootfs(dir)).ok, false);
      const rebuiltLogs: string[] = [];
      const third = await buildRootfs({ dir, debsDir, log: (l) => rebuiltLogs.push(l) });
      assert.equal(third.reused, false);
      assert.ok(
        rebuiltLogs.some((l) => /does not match its SHA-256/.test(l)),
        rebuiltLogs.join('\n'),
      );
      assert.equal(third.manifest.size, 64 * MiB, 'keeps the size it had');

      // Another size, or another builder version: rebuilt.
      const bigger = await buildRootfs({ dir, debsDir, size: 80 * MiB });
      assert.equal(bigger.reused, false);
      assert.equal(bigger.manifest.size, 80 * MiB);
      const manifest = JSON.parse(readFileSync(join(dir, 'rootfs.json'), 'utf8')) as { recipe: string };
      manifest.recipe = 'old';
      writeFileSync(join(dir, 'rootfs.json'), JSON.stringify(manifest));
      assert.equal((await buildRootfs({ dir, debsDir })).reused, false);

      // Missing image; bad sizes.
      rmSync(image);
      const missing = await verifyRootfs(dir);
      assert.match(missing.ok ? 'ok' : missing.reason, /rootfs\.ext4 is missing/);
      await assert.rejects(buildRootfs({ dir, debsDir, size: 10 * MiB }), /64M to 1T/);
      await assert.rejects(buildRootfs({ dir, debsDir, size: 64 * MiB + 512 }), /whole number of MiB/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);

test(
  'real Debian trixie riscv64 root filesystem (network; RVISOR_TEST_FETCH=1)',
  {
    skip:
      process.env.RVISOR_TEST_FETCH === '1'
        ? offline
        : 'set RVISOR_TEST_FETCH=1 to download ~11 MB from Debian',
    timeout: 15 * 60_000,
  },
  async () => {
    const work = mkdtempSync(join(tmpdir(), 'rvisor-rootfs-net-'));
    try {
      const dir = join(work, 'guest', 'debian-trixie-riscv64');
      const started = Date.now();
      const result = await buildRootfs({ dir, log: (l) => console.log(l) });
      console.log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const m = result.manifest;
      const names = m.packages.map((p) => p.name);
      for (const name of [
        'base-files',
        'busybox-static',
        'e2fsprogs',
        'openssl',
        'perl-base',
        'libc6',
        'libssl3t64',
      ]) {
        assert.ok(names.includes(name), name);
      }
      assert.ok(names.length < 40, `${names.length} packages`);
      assert.ok(m.contentBytes < 200 * MiB, `${m.contentBytes} bytes of files`);
      assert.equal(m.size, 1024 * MiB);
      const image = result.image;
      assert.equal(inode(image, '/lib').link, 'usr/lib');
      assert.equal(inode(image, '/usr/lib/ld-linux-riscv64-lp64d.so.1').type, 'symlink');
      for (const program of ['/usr/bin/openssl', '/usr/bin/perl', '/usr/sbin/e2fsck', '/usr/bin/busybox']) {
        assert.equal(inode(image, program).type, 'regular', program);
      }
      assert.equal(inode(image, '/usr/sbin/init').link, '../bin/busybox');
      assert.equal(inode(image, '/usr/bin/login').link, 'busybox');
      assert.match(debugfs(image, 'cat /usr/lib/os-release'), /trixie/);
      assert.equal(spawnSync('e2fsck', ['-fn', image]).status, 0);
      assert.equal((await verifyRootfs(dir)).ok, true);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);
