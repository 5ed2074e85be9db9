import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CpioError,
  S_IFCHR,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  parseCpioNewc,
  writeCpioNewc,
  type CpioEntry,
} from './cpio.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

const ENTRIES: CpioEntry[] = [
  { type: 'dir', path: '/bin' },
  { type: 'file', path: '/bin/tool', data: text('#!/bin/sh\necho hi\n'), mode: 0o755 },
  { type: 'symlink', path: '/bin/alias', target: 'tool' },
  { type: 'char', path: '/dev/console', major: 5, minor: 1, mode: 0o600 },
  { type: 'file', path: 'etc/empty', data: new Uint8Array(0) },
  // Name lengths 1..4 past a multiple of 4 exercise every padding case.
  { type: 'file', path: 'a', data: text('1') },
  { type: 'file', path: 'ab', data: text('12') },
  { type: 'file', path: 'abc', data: text('123') },
  { type: 'file', path: 'abcd', data: text('1234') },
];

test('newc header layout: magic, 8-hex-digit fields, NUL-terminated name, 4-byte alignment', () => {
  const archive = writeCpioNewc([{ type: 'file', path: 'x', data: text('hello') }]);
  const header = new TextDecoder().decode(archive.subarray(0, 110));
  assert.match(header, /^070701[0-9a-f]{104}$/);
  const field = (i: number): number => parseInt(header.slice(6 + 8 * i, 14 + 8 * i), 16);
  assert.equal(field(1), S_IFREG | 0o644); // mode
  assert.equal(field(6), 5); // filesize
  assert.equal(field(11), 2); // namesize "x\0"
  assert.equal(field(12), 0); // check
  // 110 + 2 = 112, already aligned: the data follows at once, padded from 117 to 120.
  assert.equal(archive[110], 'x'.charCodeAt(0));
  assert.equal(archive[111], 0);
  assert.deepEqual(archive.subarray(112, 117), text('hello'));
  assert.deepEqual([...archive.subarray(117, 120)], [0, 0, 0]);
  assert.equal(new TextDecoder().decode(archive.subarray(120, 126)), '070701');
  assert.equal(archive.length % 4, 0);
});

test('archives read back: every member, mode, device numbers and symlink targets', () => {
  const archive = writeCpioNewc(ENTRIES);
  const records = parseCpioNewc(archive);
  assert.deepEqual(
    records.map((r) => r.name),
    ['bin', 'bin/tool', 'bin/alias', 'dev', 'dev/console', 'etc', 'etc/empty', 'a', 'ab', 'abc', 'abcd'],
  );
  const byName = new Map(records.map((r) => [r.name, r]));
  assert.equal(byName.get('bin')?.mode, S_IFDIR | 0o755);
  assert.equal(byName.get('dev')?.mode, S_IFDIR | 0o755, 'missing parents are created');
  assert.equal(byName.get('bin/tool')?.mode, S_IFREG | 0o755);
  assert.equal(new TextDecoder().decode(byName.get('bin/tool')?.data), '#!/bin/sh\necho hi\n');
  const link = byName.get('bin/alias');
  assert.equal((link?.mode ?? 0) & S_IFMT, S_IFLNK);
  assert.equal(new TextDecoder().decode(link?.data), 'tool');
  const console = byName.get('dev/console');
  assert.equal(console?.mode, S_IFCHR | 0o600);
  assert.equal(console?.rdevMajor, 5);
  assert.equal(console?.rdevMinor, 1);
  assert.equal(byName.get('etc/empty')?.data.length, 0);
  for (const name of ['a', 'ab', 'abc', 'abcd'])
    assert.equal(new TextDecoder().decode(byName.get(name)?.data), '1234'.slice(0, name.length));
  for (const r of records) {
    assert.equal(r.offset % 4, 0, `${r.name} starts aligned`);
    assert.equal(r.mtime, 0);
    assert.ok(r.ino > 0);
  }
  assert.equal(new Set(records.map((r) => r.ino)).size, records.length, 'inode numbers are unique');
});

test('the archive ends with TRAILER!!! and is reproducible', () => {
  const archive = writeCpioNewc(ENTRIES);
  const tail = new TextDecoder().decode(archive.subarray(archive.length - 124));
  assert.match(tail, /^070701/);
  assert.ok(tail.includes('TRAILER!!!\0'));
  assert.deepEqual(writeCpioNewc(ENTRIES), archive);
});

test('parser rejects damaged archives', () => {
  const archive = writeCpioNewc(ENTRIES);
  assert.throws(() => parseCpioNewc(archive.subarray(0, archive.length - 124)), /TRAILER/);
  const bad = archive.slice();
  bad[0] = 0x31;
  assert.throws(() => parseCpioNewc(bad), /bad magic/);
  assert.throws(() => parseCpioNewc(archive.subarray(0, 200)), CpioError);
});

test('writer rejects duplicates, non-directory parents, and ".."', () => {
  assert.throws(
    () =>
      writeCpioNewc([
        { type: 'dir', path: 'a' },
        { type: 'dir', path: '/a/' },
      ]),
    /duplicate/,
  );
  assert.throws(
    () =>
      writeCpioNewc([
        { type: 'file', path: 'f', data: text('') },
        { type: 'dir', path: 'f/g' },
      ]),
    /not a directory/,
  );
  assert.throws(() => writeCpioNewc([{ type: 'dir', path: 'a/../b' }]), /\.\./);
  assert.throws(
    () => writeCpioNewc([{ type: 'dir', path: 'a/b' }], { createParents: false }),
    /must come before/,
  );
});

const hasCpio = spawnSync('sh', ['-c', 'command -v cpio'], { stdio: 'ignore' }).status === 0;

test(
  'GNU cpio lists the same members (cpio -t)',
  { skip: hasCpio ? false : 'cpio is not installed (apt-get install cpio)' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'rvisor-cpio-'));
    try {
      const file = join(dir, 'test.cpio');
      writeFileSync(file, writeCpioNewc(ENTRIES));
      const listed = spawnSync('cpio', ['-t', '--quiet', '-F', file], { encoding: 'utf8' });
      assert.equal(listed.status, 0, listed.stderr);
      assert.deepEqual(
        listed.stdout.trim().split('\n'),
        parseCpioNewc(writeCpioNewc(ENTRIES)).map((r) => r.name),
      );
      const verbose = spawnSync('cpio', ['-tv', '--quiet', '-F', file], { encoding: 'utf8' });
      assert.match(verbose.stdout, /^crw------- .* 5, +1 .* dev\/console$/m);
      assert.match(verbose.stdout, /^lrwxrwxrwx .* bin\/alias -> tool$/m);
      assert.match(verbose.stdout, /^-rwxr-xr-x .* bin\/tool$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
