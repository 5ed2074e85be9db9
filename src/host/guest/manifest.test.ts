import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findGuest } from './guest-artifacts.js';
import {
  MANIFEST_FORMAT,
  describeFile,
  verifyGuestDir,
  writeManifest,
  type GuestManifest,
} from './manifest.js';

function reason(dir: string): string {
  const check = verifyGuestDir(dir);
  return check.ok ? 'ok' : check.reason;
}

function makeGuest(): { dir: string; manifest: GuestManifest } {
  const dir = mkdtempSync(join(tmpdir(), 'rvisor-manifest-'));
  const files: Record<string, string> = {
    Image: 'kernel',
    'fw_dynamic.bin': 'firmware',
    busybox: 'busybox',
    'initrd.cpio.gz': 'initrd',
    'modules/virtio_mmio.ko': 'module',
  };
  mkdirSync(join(dir, 'modules'));
  for (const [path, data] of Object.entries(files)) writeFileSync(join(dir, path), data);
  const manifest: GuestManifest = {
    format: MANIFEST_FORMAT,
    name: 'test-guest',
    createdAt: new Date(0).toISOString(),
    distribution: { suite: 'trixie', arch: 'riscv64', mirror: 'none' },
    packages: [],
    kernelVersion: '6.12.0-test',
    kernel: 'Image',
    firmware: 'fw_dynamic.bin',
    busybox: 'busybox',
    initrd: 'initrd.cpio.gz',
    modules: [{ name: 'virtio_mmio', path: 'modules/virtio_mmio.ko', source: 'kernel/x.ko.xz', depends: [] }],
    builtinModules: ['virtio_console'],
    files: Object.keys(files).map((p) => describeFile(dir, p)),
  };
  writeManifest(dir, manifest);
  return { dir, manifest };
}

test('a complete guest directory verifies; sizes and checksums are recorded', () => {
  const { dir } = makeGuest();
  try {
    const check = verifyGuestDir(dir);
    assert.ok(check.ok, check.ok ? '' : check.reason);
    const image = check.manifest.files.find((f) => f.path === 'Image');
    assert.equal(image?.size, 6);
    assert.equal(image?.sha256, createHash('sha256').update('kernel').digest('hex'));
    const found = findGuest(dir);
    assert.ok(found.ok);
    if (found.ok) {
      assert.equal(found.paths.kernel, join(dir, 'Image'));
      assert.deepEqual(found.paths.modules, [join(dir, 'modules/virtio_mmio.ko')]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupted file (same size) fails verification', () => {
  const { dir } = makeGuest();
  try {
    writeFileSync(join(dir, 'Image'), 'KERNEL');
    const check = verifyGuestDir(dir);
    assert.equal(check.ok, false);
    assert.match(check.ok ? '' : check.reason, /Image does not match its SHA-256/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a truncated or missing file fails verification', () => {
  const { dir } = makeGuest();
  try {
    truncateSync(join(dir, 'modules/virtio_mmio.ko'), 2);
    assert.match(reason(dir), /modules\/virtio_mmio.ko has 2 bytes, expected 6/);
    unlinkSync(join(dir, 'busybox'));
    assert.match(reason(dir), /busybox is missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing, unreadable or incomplete manifest fails verification', () => {
  const { dir, manifest } = makeGuest();
  try {
    writeManifest(dir, { ...manifest, files: manifest.files.filter((f) => f.path !== 'initrd.cpio.gz') });
    assert.match(reason(dir), /does not list a checksum for initrd/);
    writeManifest(dir, {
      ...manifest,
      files: [...manifest.files, { path: '../escape', size: 0, sha256: '' }],
    });
    assert.match(reason(dir), /bad file path/);
    writeFileSync(join(dir, 'manifest.json'), '{ not json');
    assert.match(reason(dir), /not valid JSON/);
    unlinkSync(join(dir, 'manifest.json'));
    assert.match(reason(dir), /no manifest.json/);
    assert.equal(findGuest(dir).ok, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('files unchanged since their last full check are not hashed again; changed ones are', () => {
  const { dir, manifest } = makeGuest();
  try {
    assert.equal(reason(dir), 'ok');
    assert.ok(existsSync(join(dir, 'verified.json')), 'the full check leaves its stamp');
    // Same size, same stat times: the stamp vouches for the file (this is the point of it).
    const stamp = JSON.parse(readFileSync(join(dir, 'verified.json'), 'utf8')) as Record<string, string>;
    const image = join(dir, 'Image');
    const { atime, mtime } = statSync(image);
    writeFileSync(image, 'KERNEL');
    // Rewriting a file changes its change time, which no one can set back: checked again, caught.
    utimesSync(image, atime, mtime);
    assert.notEqual(stamp.Image, undefined);
    assert.match(reason(dir), /Image does not match its SHA-256/);
    writeFileSync(image, 'kernel');
    assert.equal(reason(dir), 'ok');
    // A new manifest (a new fetch) invalidates the whole stamp.
    writeManifest(dir, { ...manifest, files: manifest.files.map((f) => ({ ...f, sha256: '0'.repeat(64) })) });
    assert.match(reason(dir), /does not match its SHA-256/);
    // A stamp that is not JSON is ignored.
    writeManifest(dir, manifest);
    writeFileSync(join(dir, 'verified.json'), 'garbage');
    assert.equal(reason(dir), 'ok');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
