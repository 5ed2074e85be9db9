// Boot test of the Debian root filesystem image (`rvisor guest rootfs`) on rvisor's virtio-blk:
// the initramfs mounts /dev/vda and switches to it, busybox init starts a login prompt, root logs
// in, a file written and synced survives poweroff (exit status 0) and a second boot, the image is
// clean for e2fsck afterwards, and a boot with snapshot=on leaves the image byte-identical.
// Two boots of a minute or two each.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchGuest } from '../../src/host/guest/fetch.js';
import { INITRAMFS_SWITCH_MARKER } from '../../src/host/guest/initramfs.js';
import { ROOTFS_READY_MARKER } from '../../src/host/guest/rootfs-config.js';
import { buildRootfs, sha256File } from '../../src/host/guest/rootfs.js';
import { VmProcess } from '../helpers/vm-process.js';

const BOOT_TIMEOUT = 15 * 60_000;
const COMMAND_TIMEOUT = 5 * 60_000;
// busybox ash's prompt ("rvisor:~# "), then its cursor-position query (ESC [6n).
// eslint-disable-next-line no-control-regex -- the terminal escape is exactly what we match
const PROMPT = /# (\x1b\[6n)?$/;
const APPEND = 'root=/dev/vda rw console=ttyS0 quiet';

let work = '';
let image = '';

before(
  async () => {
    // The kernel/initramfs (with the ext4 modules) and the image, built once into the cache.
    await fetchGuest({ log: (l) => console.log(l) });
    const rootfs = await buildRootfs({ log: (l) => console.log(l) });
    work = mkdtempSync(join(tmpdir(), 'rvisor-rootfs-boot-'));
    image = join(work, 'root.ext4');
    // A sparse copy: the cached image stays pristine.
    if (spawnSync('cp', ['--sparse=always', rootfs.image, image]).status !== 0)
      copyFileSync(rootfs.image, image);
  },
  { timeout: 20 * 60_000 },
);

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Boot from the image, log in as root at the console prompt; returns the VM at a shell prompt. */
async function bootAndLogin(drive: string): Promise<VmProcess> {
  const vm = new VmProcess(['--drive', drive, '--append', APPEND]);
  try {
    await vm.waitFor(`${INITRAMFS_SWITCH_MARKER} /dev/vda (ext4, rw)`, BOOT_TIMEOUT);
    await vm.waitFor(ROOTFS_READY_MARKER, COMMAND_TIMEOUT);
    await vm.waitFor(/login: $/, COMMAND_TIMEOUT);
    const from = vm.output.length;
    vm.child.stdin.write('root\n');
    // root has no password: busybox login goes straight to the shell.
    const m = await vm.waitFor(new RegExp(`Password: $|${PROMPT.source}`), COMMAND_TIMEOUT, from);
    assert.ok(!m[0].startsWith('Password'), 'root should log in without a password');
    return vm;
  } catch (err) {
    vm.kill();
    throw err;
  }
}

async function powerOff(vm: VmProcess): Promise<void> {
  vm.child.stdin.write('poweroff\n');
  assert.equal(await vm.exitCode(COMMAND_TIMEOUT), 0, vm.tail());
  assert.match(vm.output, /rvisor-rootfs: stopping/);
}

function e2fsck(path: string): { status: number | null; output: string } {
  const r = spawnSync('e2fsck', ['-fn', path], { encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

const token = `written-by-rvisor-${process.pid}`;

test(
  'boot the Debian rootfs from virtio-blk, log in, write a file, poweroff; e2fsck is clean',
  { timeout: BOOT_TIMEOUT * 2 },
  async () => {
    const vm = await bootAndLogin(`file=${image},format=raw`);
    try {
      // $((...)) makes each end marker appear only in the output, never in the typed command.
      const tools = await vm.run(
        `openssl version; echo "PERL=$(perl -e 'print 1+1')"; e2fsck -V 2>&1; echo "END$((1+1))"`,
        /END2/,
        COMMAND_TIMEOUT,
      );
      assert.match(tools, /OpenSSL 3\.\d+\.\d+/);
      assert.match(tools, /PERL=2/);
      assert.match(tools, /e2fsck 1\.47\.\d+/);
      const mounts = await vm.run(`grep ' / ' /proc/mounts; id; echo "END$((2+2))"`, /END4/, COMMAND_TIMEOUT);
      assert.match(mounts, /\/dev\/vda \/ ext4 rw/);
      assert.match(mounts, /uid=0\(root\)/);
      await vm.run(`echo ${token} > /root/persist.txt; sync; echo "SYNC$((1+2))"`, /SYNC3/, COMMAND_TIMEOUT);
      await vm.waitFor(PROMPT, COMMAND_TIMEOUT, vm.output.lastIndexOf('SYNC3'));
      await powerOff(vm);
    } finally {
      vm.kill();
    }
    const fsck = e2fsck(image);
    assert.equal(fsck.status, 0, fsck.output);
  },
);

test(
  'boot again with snapshot=on: the file is there, and the image stays byte-identical',
  { timeout: BOOT_TIMEOUT * 2 },
  async () => {
    const before = await sha256File(image);
    const vm = await bootAndLogin(`file=${image},format=raw,snapshot=on`);
    try {
      const read = await vm.run(`cat /root/persist.txt; echo "READ$((2+2))"`, /READ4/, COMMAND_TIMEOUT);
      assert.ok(read.includes(`${token}\r\n`) || read.includes(`${token}\n`), read);
      // Writes go to the temporary overlay only.
      await vm.run(`echo scratch > /root/scratch.txt; sync; echo "SYNC$((1+2))"`, /SYNC3/, COMMAND_TIMEOUT);
      await vm.waitFor(PROMPT, COMMAND_TIMEOUT, vm.output.lastIndexOf('SYNC3'));
      await powerOff(vm);
    } finally {
      vm.kill();
    }
    assert.equal(await sha256File(image), before, 'snapshot=on changed the image');
    const fsck = e2fsck(image);
    assert.equal(fsck.status, 0, fsck.output);
  },
);
