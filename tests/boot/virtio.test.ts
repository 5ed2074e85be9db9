// virtio end to end, with Debian's kernel and the rvisor initramfs (which loads virtio_mmio,
// virtio_blk and virtio_rng at boot). Two boots:
//  1. raw disks: /dev/vda (read-write) and /dev/vdb (snapshot=on). The guest reads vda's first
//     4 KiB with the host's SHA-256, writes both disks with dd, syncs and powers off; the host
//     finds vda changed exactly there and vdb's image byte-identical. virtio-rng is the current
//     hw_random source; a virtio console (hvc0) beside the serial one carries output.
//  2. the shell on hvc0 (console=hvc0, input and output through virtio-console) and an rvcow
//     overlay as vda: the write lands in the overlay, the base stays untouched.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VmProcess } from '../helpers/vm-process.js';
import { defaultGuestPaths } from '../../src/cli/default-guest.js';
import { createOverlay } from '../../src/host/disk/overlay.js';
import { openDrive } from '../../src/host/disk/drive.js';

const BOOT_TIMEOUT = 15 * 60_000;
const COMMAND_TIMEOUT = 5 * 60_000;
// eslint-disable-next-line no-control-regex -- the terminal escape is exactly what we match
const PROMPT = /# (\x1b\[6n)?$/;
const DISK_SIZE = 4 * 1024 * 1024;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A disk image of random bytes, so a wrong sector or a stale read cannot match by chance. */
function makeImage(path: string): Uint8Array {
  const bytes = new Uint8Array(randomBytes(DISK_SIZE));
  writeFileSync(path, bytes);
  return bytes;
}

/** Run `command` in the guest and return its output; `$((...))` keeps the marker out of the echo. */
let marker = 0;
async function guest(vm: VmProcess, command: string): Promise<string> {
  marker++;
  const out = await vm.run(
    `${command}; echo "END$((${marker}*1000+1))"`,
    new RegExp(`END${marker * 1000 + 1}`),
    COMMAND_TIMEOUT,
  );
  return out;
}

test(
  'virtio-blk raw and snapshot=on disks, virtio-rng, virtio-console output',
  { timeout: BOOT_TIMEOUT * 2 },
  async () => {
    await defaultGuestPaths();
    const dir = mkdtempSync(join(tmpdir(), 'rvisor-virtio-boot-'));
    const vda = join(dir, 'vda.img');
    const vdb = join(dir, 'vdb.img');
    const vdaBytes = makeImage(vda);
    const vdbBytes = makeImage(vdb);
    const vm = new VmProcess([
      '--drive',
      `file=${vda},format=raw`,
      '--drive',
      `file=${vdb},format=raw,snapshot=on`,
      '--virtio-console',
      '--append',
      'console=ttyS0 quiet',
    ]);
    try {
      await vm.waitFor('rvisor-initramfs: ready', BOOT_TIMEOUT);
      await vm.waitFor(PROMPT, COMMAND_TIMEOUT);

      const devices = await guest(vm, 'ls -1 /dev/vda /dev/vdb /dev/hvc0');
      for (const dev of ['/dev/vda', '/dev/vdb', '/dev/hvc0'])
        assert.match(devices, new RegExp(`^${dev}\\r?$`, 'm'));
      const size = await guest(vm, 'cat /sys/block/vda/size /sys/block/vdb/size /sys/block/vdb/ro');
      assert.match(size, /^8192\r?\n8192\r?\n0\r?$/m);

      const head = await guest(vm, 'head -c 4096 /dev/vda | sha256sum');
      assert.match(head, new RegExp(`^${sha256(vdaBytes.subarray(0, 4096))}\\s+-`, 'm'));
      // The end of the disk too (the last sectors go through the same path at a high offset).
      const tail = await guest(
        vm,
        `dd if=/dev/vdb bs=4096 skip=${DISK_SIZE / 4096 - 1} count=1 2>/dev/null | sha256sum`,
      );
      assert.match(tail, new RegExp(`^${sha256(vdbBytes.subarray(DISK_SIZE - 4096))}\\s+-`, 'm'));

      // Writes: 8 KiB of a known pattern at 1 MiB on both disks; read back in the guest from the
      // device after dropping the page cache, so the data really went through virtio-blk.
      await guest(vm, 'printf "rvisor-%04d\\n" $(seq 1 745) | head -c 8192 > /tmp/pattern');
      await guest(vm, 'dd if=/tmp/pattern of=/dev/vda bs=4096 seek=256 conv=notrunc,fsync 2>/dev/null');
      await guest(vm, 'dd if=/tmp/pattern of=/dev/vdb bs=4096 seek=256 conv=notrunc,fsync 2>/dev/null');
      await guest(vm, 'sync; echo 3 > /proc/sys/vm/drop_caches');
      const back = await guest(
        vm,
        'dd if=/dev/vdb bs=4096 skip=256 count=2 2>/dev/null | sha256sum; sha256sum /tmp/pattern',
      );
      const sums = [...back.matchAll(/^([0-9a-f]{64})\s/gm)].map((m) => m[1]);
      assert.equal(sums.length, 2, back);
      assert.equal(sums[0], sums[1], 'the snapshot disk reads back what the guest wrote');

      // virtio-rng is the kernel's hardware RNG; reading it works.
      const rng = await guest(vm, 'cat /sys/class/misc/hw_random/rng_current; head -c 64 /dev/hwrng | wc -c');
      assert.match(rng, /^virtio_rng\.\d+\r?$/m);
      assert.match(rng, /^64\r?$/m);

      // Output written to hvc0 reaches the host through virtio-console.
      await guest(vm, 'echo "via-hvc0-$((6*7))" > /dev/hvc0');
      await vm.waitFor('via-hvc0-42', COMMAND_TIMEOUT);

      await guest(vm, 'sync');
      vm.child.stdin.write('poweroff -f\n');
      assert.equal(await vm.exitCode(COMMAND_TIMEOUT), 0);

      const pattern = new TextEncoder()
        .encode(Array.from({ length: 745 }, (_, i) => `rvisor-${String(i + 1).padStart(4, '0')}\n`).join(''))
        .subarray(0, 8192);
      const expected = vdaBytes.slice();
      expected.set(pattern, 1024 * 1024);
      const after = new Uint8Array(readFileSync(vda));
      assert.equal(sha256(after), sha256(expected), 'vda holds exactly the guest write');
      assert.equal(
        sha256(new Uint8Array(readFileSync(vdb))),
        sha256(vdbBytes),
        'snapshot=on left vdb untouched',
      );
    } finally {
      vm.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'the shell on hvc0 (virtio-console input and output); an rvcow overlay as vda',
  { timeout: BOOT_TIMEOUT * 2 },
  async () => {
    await defaultGuestPaths();
    const dir = mkdtempSync(join(tmpdir(), 'rvisor-virtio-boot-'));
    const base = join(dir, 'base.img');
    const overlay = join(dir, 'vm.rvcow');
    const baseBytes = makeImage(base);
    await createOverlay(overlay, { basePath: 'base.img' });
    // The last console= is /dev/console; the kernel starts on ttyS0 (hvc0 appears when the
    // initramfs loads virtio_mmio) and the shell then runs on hvc0, where typed input goes.
    const vm = new VmProcess([
      '--virtio-console',
      '--no-rng',
      '--drive',
      `file=${overlay},format=rvcow`,
      '--append',
      'console=ttyS0 console=hvc0 quiet',
    ]);
    try {
      await vm.waitFor('rvisor-initramfs: ready', BOOT_TIMEOUT);
      await vm.waitFor(PROMPT, COMMAND_TIMEOUT);
      const tty = await guest(vm, 'tty; ls /sys/class/misc/hw_random 2>/dev/null | wc -l');
      assert.match(tty, /^\/dev\/hvc0\r?$/m);

      const head = await guest(vm, 'head -c 4096 /dev/vda | sha256sum');
      assert.match(head, new RegExp(`^${sha256(baseBytes.subarray(0, 4096))}\\s+-`, 'm'));
      await guest(vm, 'printf "overlay-data" | dd of=/dev/vda bs=512 seek=3 conv=notrunc 2>/dev/null; sync');
      vm.child.stdin.write('poweroff -f\n');
      assert.equal(await vm.exitCode(COMMAND_TIMEOUT), 0);

      assert.equal(sha256(new Uint8Array(readFileSync(base))), sha256(baseBytes), 'the base is untouched');
      const drive = await openDrive(`file=${overlay},format=rvcow,readonly=on`);
      try {
        const bytes = new Uint8Array(4096);
        await drive.backend.read(0, bytes);
        const expected = baseBytes.slice(0, 4096);
        expected.set(new TextEncoder().encode('overlay-data'), 1536);
        assert.equal(sha256(bytes), sha256(expected));
      } finally {
        await drive.backend.close();
      }
    } finally {
      vm.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
