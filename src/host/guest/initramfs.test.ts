import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { S_IFCHR, S_IFLNK, S_IFMT, S_IFREG, parseCpioNewc, type CpioRecord } from './cpio.js';
import {
  AUTORUN_PATH,
  INITRAMFS_READY_MARKER,
  buildInitramfs,
  busyboxApplets,
  initScript,
  type InitramfsArtifacts,
} from './initramfs.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const read = (r: CpioRecord | undefined): string => new TextDecoder().decode(r?.data);

/** A stand-in busybox: some ELF-looking bytes and the applet table the way busybox stores it. */
function fakeBusybox(applets: string[]): Uint8Array {
  const table = text(applets.join('\0') + '\0\0');
  const out = new Uint8Array(256 + table.length);
  out.set([0x7f, 0x45, 0x4c, 0x46], 0);
  out.set(table, 200);
  return out;
}

const APPLETS = [
  '[',
  '[[',
  'busybox',
  'cat',
  'cttyhack',
  'echo',
  'init',
  'insmod',
  'ls',
  'mount',
  'poweroff',
  'setsid',
  'sh',
  'uname',
];

const ARTIFACTS: InitramfsArtifacts = {
  busybox: fakeBusybox(APPLETS),
  kernelVersion: '6.12.0+test-riscv64',
  modules: [
    { name: 'virtio_mmio', data: text('mmio module') },
    { name: 'failover', data: text('failover module') },
    { name: 'net_failover', data: text('net_failover module') },
    { name: 'virtio_net', data: text('net module') },
  ],
};

function members(archive: Uint8Array): Map<string, CpioRecord> {
  return new Map(parseCpioNewc(archive).map((r) => [r.name, r]));
}

test('busybox applet table is found in the binary', () => {
  assert.deepEqual(busyboxApplets(fakeBusybox(APPLETS)), APPLETS);
  assert.deepEqual(busyboxApplets(text('no table here')), []);
});

test('the initramfs is gzip-compressed newc by default, plain newc on request', () => {
  const gz = buildInitramfs(ARTIFACTS);
  assert.deepEqual([gz[0], gz[1]], [0x1f, 0x8b]);
  const plain = buildInitramfs(ARTIFACTS, { compress: false });
  assert.deepEqual(new Uint8Array(gunzipSync(gz)), plain);
  assert.equal(new TextDecoder().decode(plain.subarray(0, 6)), '070701');
  assert.deepEqual(buildInitramfs(ARTIFACTS), gz, 'reproducible');
});

test('/init is an executable busybox sh script that loads modules in order and prints the marker', () => {
  const files = members(buildInitramfs(ARTIFACTS, { compress: false }));
  const init = files.get('init');
  assert.equal(init?.mode, S_IFREG | 0o755);
  const script = read(init);
  assert.match(script, /^#!\/bin\/sh\n/);
  for (const fs of ['proc proc /proc', 'sysfs sysfs /sys', 'devtmpfs devtmpfs /dev'])
    assert.ok(script.includes(`mount -t ${fs}`), fs);
  assert.ok(script.includes('for m in virtio_mmio failover net_failover virtio_net; do'));
  assert.ok(script.includes('insmod "$moddir/$m.ko"'));
  assert.ok(script.includes(`moddir=/lib/modules/'6.12.0+test-riscv64'`));
  assert.ok(script.includes(`echo "${INITRAMFS_READY_MARKER}"`));
  assert.ok(script.indexOf(INITRAMFS_READY_MARKER) < script.indexOf('setsid cttyhack sh'));
  assert.ok(script.includes('poweroff -f'));
  assert.equal(
    script,
    initScript('6.12.0+test-riscv64', ['virtio_mmio', 'failover', 'net_failover', 'virtio_net']),
  );
});

test('busybox, applet symlinks, modules and device nodes are in place', () => {
  const files = members(buildInitramfs(ARTIFACTS, { compress: false }));
  assert.equal(files.get('bin/busybox')?.mode, S_IFREG | 0o755);
  assert.deepEqual(files.get('bin/busybox')?.data, ARTIFACTS.busybox);
  for (const applet of ['sh', 'cat', 'insmod', 'mount', 'poweroff', 'setsid', 'cttyhack', '[']) {
    const link = files.get(`bin/${applet}`);
    assert.equal((link?.mode ?? 0) & S_IFMT, S_IFLNK, applet);
    assert.equal(read(link), 'busybox');
  }
  // Applets /init needs are linked even when the binary's table lacks them; init/busybox are not.
  assert.ok(files.has('bin/hostname'));
  assert.ok(!files.has('bin/init'));
  assert.equal(read(files.get('sbin')), 'bin');
  assert.equal(read(files.get('usr/bin')), '../bin');

  const console = files.get('dev/console');
  assert.equal(console?.mode, S_IFCHR | 0o600);
  assert.deepEqual([console?.rdevMajor, console?.rdevMinor], [5, 1]);
  const devNull = files.get('dev/null');
  assert.equal(devNull?.mode, S_IFCHR | 0o666);
  assert.deepEqual([devNull?.rdevMajor, devNull?.rdevMinor], [1, 3]);

  for (const m of ARTIFACTS.modules) {
    assert.deepEqual(files.get(`lib/modules/6.12.0+test-riscv64/${m.name}.ko`)?.data, m.data);
  }
  for (const dir of ['proc', 'sys', 'tmp', 'root', 'etc']) assert.ok(files.has(dir), dir);
  assert.ok(!files.has(AUTORUN_PATH.slice(1)));
});

test('an autorun script and extra files are added', () => {
  const files = members(
    buildInitramfs(ARTIFACTS, {
      compress: false,
      autorun: 'echo hi\npoweroff -f\n',
      extraFiles: [{ type: 'file', path: '/srv/data', data: text('x') }],
    }),
  );
  const autorun = files.get(AUTORUN_PATH.slice(1));
  assert.equal(autorun?.mode, S_IFREG | 0o755);
  assert.equal(read(autorun), 'echo hi\npoweroff -f\n');
  assert.equal(read(files.get('srv/data')), 'x');
});

test('applets can be chosen; bad names are refused', () => {
  const files = members(
    buildInitramfs({ ...ARTIFACTS, busybox: text('x') }, { compress: false, applets: ['ls'] }),
  );
  assert.ok(files.has('bin/ls'));
  assert.ok(files.has('bin/sh'));
  assert.ok(!files.has('bin/cat'));
  assert.throws(() => buildInitramfs({ ...ARTIFACTS, kernelVersion: '../x' }), /kernel version/);
  assert.throws(() => initScript('v', ['a;rm']), /module name/);
});
