import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { S_IFREG, parseCpioNewc } from './cpio.js';
import { buildDeb, fakeKernelImage, fakeModule, fakeStaticRiscvElf, hasTool, xz } from './fake-packages.js';
import { fetchGuest } from './fetch.js';
import { findGuest } from './guest-artifacts.js';
import { INITRAMFS_READY_MARKER } from './initramfs.js';
import { isRiscv64Elf, isRiscvImage } from './kernel-image.js';
import { verifyGuestDir, type GuestManifest } from './manifest.js';

const KVER = '6.12.0+test-riscv64';

/** The three packages, shaped like Debian's, with tiny contents. */
function makeDebs(work: string): string {
  const debs = join(work, 'debs');
  const mods = `usr/lib/modules/${KVER}`;
  buildDeb(
    work,
    debs,
    { name: `linux-image-${KVER}`, version: '6.12.0-1', arch: 'riscv64' },
    {
      [`boot/vmlinux-${KVER}`]: fakeKernelImage(),
      [`boot/config-${KVER}`]: new TextEncoder().encode('CONFIG_VIRTIO_MMIO=m\n'),
      [`boot/System.map-${KVER}`]: new TextEncoder().encode(
        'ffffffffffffffff B The real System.map is elsewhere\n',
      ),
      [`${mods}/modules.builtin`]: new TextEncoder().encode('kernel/drivers/char/virtio_console.ko\n'),
      [`${mods}/kernel/drivers/virtio/virtio_mmio.ko.xz`]: xz(fakeModule('virtio_mmio', [])),
      [`${mods}/kernel/drivers/block/virtio_blk.ko.xz`]: xz(fakeModule('virtio_blk', [])),
      [`${mods}/kernel/drivers/net/virtio_net.ko.xz`]: xz(fakeModule('virtio_net', ['net_failover'])),
      [`${mods}/kernel/drivers/net/net_failover.ko.xz`]: xz(fakeModule('net_failover', ['failover'])),
      [`${mods}/kernel/net/core/failover.ko.xz`]: xz(fakeModule('failover', [])),
      [`${mods}/kernel/drivers/char/hw_random/virtio-rng.ko`]: fakeModule('virtio_rng', []),
      [`${mods}/kernel/sound/other.ko.xz`]: xz(fakeModule('other', [])),
      [`${mods}/kernel/fs/ext4/ext4.ko.xz`]: xz(fakeModule('ext4', ['jbd2', 'mbcache', 'crc16'])),
      [`${mods}/kernel/fs/jbd2/jbd2.ko.xz`]: xz(fakeModule('jbd2', [])),
      [`${mods}/kernel/fs/mbcache.ko.xz`]: xz(fakeModule('mbcache', [])),
      [`${mods}/kernel/lib/crc16.ko.xz`]: xz(fakeModule('crc16', [])),
      [`${mods}/kernel/crypto/crc32c_generic.ko.xz`]: xz(fakeModule('crc32c_generic', [])),
    },
  );
  buildDeb(
    work,
    debs,
    { name: 'opensbi', version: '1.6-1', arch: 'all' },
    {
      'usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin': new Uint8Array([0x6f, 0, 0, 0]),
    },
  );
  buildDeb(
    work,
    debs,
    { name: 'busybox-static', version: '1:1.37.0-6', arch: 'riscv64' },
    {
      'usr/bin/busybox': fakeStaticRiscvElf(new TextEncoder().encode('[\0[[\0cat\0sh\0\0')),
    },
  );
  return debs;
}

const offline = hasTool('dpkg-deb') && hasTool('xz') ? false : 'needs dpkg-deb (dpkg) and xz (xz-utils)';

test(
  'fetch from local .deb files: files, module order, manifest; reuse; corruption re-fetches',
  { skip: offline },
  async () => {
    const work = mkdtempSync(join(tmpdir(), 'rvisor-fetch-'));
    try {
      const debsDir = makeDebs(work);
      const dir = join(work, 'cache', 'guest', 'test-guest');
      const first = await fetchGuest({ dir, debsDir });
      assert.equal(first.reused, false);
      const m = first.manifest;
      assert.equal(m.kernelVersion, KVER);
      assert.deepEqual(
        m.modules.map((x) => x.name),
        [
          'virtio_mmio',
          'virtio_blk',
          'failover',
          'net_failover',
          'virtio_net',
          'virtio_rng',
          'jbd2',
          'mbcache',
          'crc16',
          'ext4',
          'crc32c_generic',
        ],
      );
      // The ext4 root file system's modules load only with root= on the command line.
      assert.deepEqual(
        m.modules.filter((x) => x.forRoot).map((x) => x.name),
        ['jbd2', 'mbcache', 'crc16', 'ext4', 'crc32c_generic'],
      );
      assert.deepEqual(m.builtinModules, ['virtio_console']);
      assert.deepEqual(
        m.packages.map((p) => `${p.name} ${p.version}`),
        [`linux-image-${KVER} 6.12.0-1`, 'opensbi 1.6-1', 'busybox-static 1:1.37.0-6'],
      );
      assert.equal(m.systemMap, undefined, 'the placeholder System.map is left out');
      assert.equal(m.kernelConfig, 'kernel.config');
      assert.ok(verifyGuestDir(dir).ok);
      const found = findGuest(dir);
      assert.ok(found.ok);
      if (!found.ok) return;
      assert.ok(isRiscvImage(readFileSync(found.paths.kernel)));
      assert.ok(isRiscv64Elf(readFileSync(found.paths.busybox)));
      // Modules are stored decompressed, ready for insmod.
      assert.deepEqual(
        [...readFileSync(join(dir, 'modules/virtio_net.ko')).subarray(0, 4)],
        [0x7f, 0x45, 0x4c, 0x46],
      );

      const initrd = parseCpioNewc(gunzipSync(readFileSync(found.paths.initrd)));
      const names = new Map(initrd.map((r) => [r.name, r]));
      assert.equal(names.get('init')?.mode, S_IFREG | 0o755);
      assert.ok(new TextDecoder().decode(names.get('init')?.data).includes(INITRAMFS_READY_MARKER));
      assert.ok(names.has(`lib/modules/${KVER}/net_failover.ko`));
      assert.ok(names.has('bin/cat'));
      const init = new TextDecoder().decode(names.get('init')?.data);
      assert.ok(
        init.includes('for m in virtio_mmio virtio_blk failover net_failover virtio_net virtio_rng; do'),
      );
      assert.ok(init.includes('for m in jbd2 mbcache crc16 ext4 crc32c_generic; do'));
      assert.ok(names.has(`lib/modules/${KVER}/ext4.ko`));

      const second = await fetchGuest({ dir, debsDir });
      assert.equal(second.reused, true);
      assert.equal(second.initrdRebuilt, false);

      // A guest fetched before the root file system modules existed is fetched again; a root
      // filesystem image beside it stays.
      const old = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as GuestManifest;
      old.modules = old.modules.filter((x) => !x.forRoot);
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(old));
      writeFileSync(join(dir, 'rootfs.ext4'), 'image');
      writeFileSync(join(dir, 'rootfs.json'), '{}');
      const refetchLogs: string[] = [];
      const refetched = await fetchGuest({ dir, debsDir, log: (l) => refetchLogs.push(l) });
      assert.equal(refetched.reused, false);
      assert.ok(
        refetchLogs.some((l) => /has no module ext4, crc32c_generic/.test(l)),
        refetchLogs.join('\n'),
      );
      assert.equal(readFileSync(join(dir, 'rootfs.ext4'), 'utf8'), 'image');
      assert.equal(readFileSync(join(dir, 'rootfs.json'), 'utf8'), '{}');

      // A damaged kernel: the manifest no longer verifies and the next fetch starts over.
      const image = readFileSync(join(dir, 'Image'));
      image[100] ^= 0xff;
      writeFileSync(join(dir, 'Image'), image);
      assert.equal(verifyGuestDir(dir).ok, false);
      const logs: string[] = [];
      const third = await fetchGuest({ dir, debsDir, log: (l) => logs.push(l) });
      assert.equal(third.reused, false);
      assert.ok(
        logs.some((l) => /Image does not match/.test(l)),
        logs.join('\n'),
      );
      assert.ok(verifyGuestDir(dir).ok);

      // A stale initramfs (say, from an older builder) is rebuilt in place without fetching.
      writeFileSync(join(dir, 'initrd.cpio.gz'), 'old');
      assert.equal(verifyGuestDir(dir).ok, false, 'checksum mismatch');
      const forced = await fetchGuest({ dir, debsDir, force: true });
      assert.equal(forced.reused, false);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);

test(
  'real fetch of Debian trixie riscv64 (network; RVISOR_TEST_FETCH=1)',
  {
    skip:
      process.env.RVISOR_TEST_FETCH === '1'
        ? false
        : 'set RVISOR_TEST_FETCH=1 to download ~115 MB from Debian',
    timeout: 15 * 60_000,
  },
  async () => {
    const work = mkdtempSync(join(tmpdir(), 'rvisor-fetch-net-'));
    try {
      const dir = join(work, 'guest', 'debian-trixie-riscv64');
      const result = await fetchGuest({ dir, log: (l) => console.log(l) });
      const m = result.manifest;
      assert.match(m.kernelVersion, /^6\.\d+\.\d+.*-riscv64$/);
      const found = findGuest(dir);
      assert.ok(found.ok);
      if (!found.ok) return;
      const kernel = readFileSync(found.paths.kernel);
      assert.ok(isRiscvImage(kernel));
      assert.ok(kernel.length > 10 * 1024 * 1024);
      assert.ok(readFileSync(found.paths.firmware).length > 64 * 1024);
      assert.ok(isRiscv64Elf(readFileSync(found.paths.busybox)));
      const modules = m.modules.map((x) => x.name);
      for (const name of ['virtio_mmio', 'virtio_blk', 'virtio_net', 'net_failover', 'failover']) {
        assert.ok(modules.includes(name) || m.builtinModules.includes(name), name);
      }
      assert.ok(modules.indexOf('failover') < modules.indexOf('net_failover'));
      assert.ok(modules.indexOf('net_failover') < modules.indexOf('virtio_net'));
      const initrd = parseCpioNewc(gunzipSync(readFileSync(found.paths.initrd)));
      assert.ok(initrd.some((r) => r.name === 'bin/busybox'));
      assert.ok(initrd.some((r) => r.name === 'bin/sh'));
      console.log(`kernel ${m.kernelVersion}: ${m.files.map((f) => `${f.path} ${f.size}`).join(', ')}`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
);
