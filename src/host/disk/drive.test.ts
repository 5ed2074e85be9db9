// --drive specifications: parsing (QEMU syntax, errors) and opening raw, rvcow and snapshot drives.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriveSpecError, openDrive, parseDriveSpec } from './drive.js';
import { createOverlay, OverlayBackend } from './overlay.js';
import { RawFileBackend } from './raw-file.js';

test('parse: QEMU syntax with on/off switches and ",," for a comma', () => {
  assert.deepEqual(parseDriveSpec('file=disk.img,format=raw'), {
    file: 'disk.img',
    format: 'raw',
    readOnly: false,
    snapshot: false,
    serial: undefined,
  });
  const spec = parseDriveSpec('if=virtio,file=a,,b.img,format=rvcow,readonly=on,snapshot=yes,serial=abc');
  assert.equal(spec.file, 'a,b.img');
  assert.equal(spec.format, 'rvcow');
  assert.equal(spec.readOnly, true);
  assert.equal(spec.snapshot, true);
  assert.equal(spec.serial, 'abc');
  assert.equal(parseDriveSpec('file=x,format=raw,readonly=off').readOnly, false);
});

test('parse errors say what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['format=raw', /file=PATH is required/],
    ['file=x', /format= is required \(raw or rvcow\)/],
    ['file=x,format=qcow2', /unknown format 'qcow2'/],
    ['file=x,format=raw,cache=none', /unknown option 'cache'/],
    ['file=x,format=raw,readonly=maybe', /readonly=maybe: expected on or off/],
    ['file=x,format=raw,format=raw', /'format' given twice/],
    ['file=x,format=raw,if=ide', /if=ide is not supported/],
    ['file=x,,format=raw', /format= is required/],
    ['file=x,format=raw,', /empty option/],
    ['disk.img', /'disk.img' is not key=value/],
    ['file=x,format=raw,serial=123456789012345678901', /longer than 20 bytes/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseDriveSpec(text),
      (err: unknown) => {
        assert.ok(err instanceof DriveSpecError, text);
        assert.match(err.message, message, text);
        return true;
      },
    );
  }
});

test('open: raw read-write and read-only, rvcow, missing files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvisor-drive-test-'));
  try {
    const image = join(dir, 'disk.img');
    writeFileSync(image, new Uint8Array(8192).fill(1));
    const rw = await openDrive(`file=${image},format=raw`);
    assert.ok(rw.backend instanceof RawFileBackend);
    assert.equal(rw.backend.readOnly, false);
    await rw.backend.close();
    const ro = await openDrive(`file=${image},format=raw,readonly=on`);
    assert.equal(ro.backend.readOnly, true);
    await ro.backend.close();
    await createOverlay(join(dir, 'vm.rvcow'), { basePath: 'disk.img' });
    const cow = await openDrive(`file=${join(dir, 'vm.rvcow')},format=rvcow`);
    assert.ok(cow.backend instanceof OverlayBackend);
    assert.equal(cow.backend.size, 8192);
    await cow.backend.close();
    await assert.rejects(
      openDrive(`file=${join(dir, 'nope.img')},format=raw`),
      /cannot open '.*nope\.img': no such file/,
    );
    await assert.rejects(
      openDrive(`file=${join(dir, 'nope.img')},format=raw,snapshot=on`),
      /cannot open '.*nope\.img': no such file/,
    );
    // A raw image is not an overlay: format=rvcow on it is refused, never guessed.
    await assert.rejects(openDrive(`file=${image},format=rvcow`), /not a valid rvcow overlay/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('snapshot=on: the guest writes, the image stays byte-identical, nothing is left behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvisor-drive-test-'));
  const scratch = mkdtempSync(join(tmpdir(), 'rvisor-drive-scratch-'));
  try {
    const image = join(dir, 'disk.img');
    writeFileSync(image, new Uint8Array(256 * 1024).fill(7));
    const hash = () => createHash('sha256').update(readFileSync(image)).digest('hex');
    const before = hash();
    const drive = await openDrive(`file=${image},format=raw,snapshot=on`, { tempDir: scratch });
    assert.equal(drive.backend.readOnly, false);
    await drive.backend.write(0, new Uint8Array(4096).fill(9));
    await drive.backend.flush();
    const back = new Uint8Array(4096);
    await drive.backend.read(0, back);
    assert.ok(back.every((b) => b === 9));
    await drive.backend.close();
    assert.equal(hash(), before);
    assert.deepEqual(readFileSync(image).subarray(0, 4), Buffer.from([7, 7, 7, 7]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
});
