// Raw image files: reads and writes at offsets, persistence, zeroing, read-only opens, errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskError, RawFileBackend } from './raw-file.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'rvisor-raw-test-'));
}

function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 13 + seed) & 0xff);
}

test('read and write at offsets; the data persists', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'disk.img');
    writeFileSync(path, pattern(64 * 1024, 1));
    const disk = await RawFileBackend.open(path);
    assert.equal(disk.size, 64 * 1024);
    assert.equal(disk.readOnly, false);
    const head = new Uint8Array(100);
    await disk.read(1000, head);
    assert.deepEqual(head, pattern(64 * 1024, 1).subarray(1000, 1100));
    await Promise.all([disk.write(512, pattern(1024, 7)), disk.write(8192, pattern(512, 9))]);
    await disk.flush();
    await disk.close();
    const bytes = readFileSync(path);
    assert.deepEqual(new Uint8Array(bytes.subarray(512, 1536)), pattern(1024, 7));
    assert.deepEqual(new Uint8Array(bytes.subarray(8192, 8704)), pattern(512, 9));
    assert.equal(bytes[511], pattern(64 * 1024, 1)[511]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('discard and write-zeroes write zeros over exactly their range', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'disk.img');
    writeFileSync(path, new Uint8Array(4 * 1024 * 1024).fill(0x5a));
    const disk = await RawFileBackend.open(path);
    await disk.discard(512, 3 * 1024 * 1024); // several zero chunks
    await disk.writeZeroes(3 * 1024 * 1024 + 1024, 512);
    await disk.close();
    const bytes = readFileSync(path);
    assert.equal(bytes[511], 0x5a);
    assert.ok(bytes.subarray(512, 512 + 3 * 1024 * 1024).every((b) => b === 0));
    assert.equal(bytes[512 + 3 * 1024 * 1024], 0x5a);
    assert.ok(bytes.subarray(3 * 1024 * 1024 + 1024, 3 * 1024 * 1024 + 1536).every((b) => b === 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the size is rounded down to whole sectors; accesses beyond it are refused', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'odd.img');
    writeFileSync(path, new Uint8Array(1500));
    const disk = await RawFileBackend.open(path);
    assert.equal(disk.size, 1024);
    await assert.rejects(disk.read(1024, new Uint8Array(1)), RangeError);
    await assert.rejects(disk.write(512, new Uint8Array(1024)), RangeError);
    await disk.close();
    writeFileSync(join(dir, 'tiny.img'), new Uint8Array(100));
    await assert.rejects(RawFileBackend.open(join(dir, 'tiny.img')), /smaller than one 512-byte sector/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('read-only: reads work, writes are refused, the file is untouched', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'ro.img');
    writeFileSync(path, pattern(4096, 3));
    const disk = await RawFileBackend.open(path, { readOnly: true });
    assert.equal(disk.readOnly, true);
    const into = new Uint8Array(4096);
    await disk.read(0, into);
    assert.deepEqual(into, pattern(4096, 3));
    await assert.rejects(disk.write(0, new Uint8Array(512)), /read-only/);
    await assert.rejects(disk.writeZeroes(0, 512), /read-only/);
    await disk.flush();
    await disk.close();
    assert.deepEqual(new Uint8Array(readFileSync(path)), pattern(4096, 3));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('clear errors for missing files and directories', async () => {
  const dir = tempDir();
  try {
    await assert.rejects(RawFileBackend.open(join(dir, 'missing.img')), (err: unknown) => {
      assert.ok(err instanceof DiskError);
      assert.match(err.message, /cannot open '.*missing\.img': no such file/);
      return true;
    });
    await assert.rejects(RawFileBackend.open(dir, { readOnly: true }), DiskError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
