// A Linux Image read straight into guest RAM (image-into-ram.ts), and the loader finding it in
// place: the same RAM contents as reading the file and copying it, without the copy.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestRam } from '../engine/memory.js';
import { placeSegments } from '../engine/loader.js';
import { readLinuxImageIntoRam } from './image-into-ram.js';

const RAM_BASE = 0x80000000;
const MiB = 1024 * 1024;

/** An Image of `size` bytes with text_offset `offset` and recognisable contents. */
function image(size: number, offset: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + 3) & 0xff;
  const view = new DataView(bytes.buffer);
  view.setBigUint64(8, BigInt(offset), true);
  view.setBigUint64(16, BigInt(size), true);
  bytes.set(new TextEncoder().encode('RISCV\0\0\0RSC\x05'), 48);
  return bytes;
}

function withFile(bytes: Uint8Array, body: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rvisor-image-'));
  const path = join(dir, 'Image');
  writeFileSync(path, bytes);
  return body(path).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('an Image lands at its text_offset (2 MiB when 0), and the loader leaves it in place', async () => {
  for (const offset of [0, 4 * MiB]) {
    const bytes = image(300_000, offset);
    await withFile(bytes, async (path) => {
      const ram = new GuestRam(RAM_BASE, 8 * MiB);
      const view = await readLinuxImageIntoRam(path, ram);
      assert.ok(view !== undefined);
      const at = offset || 2 * MiB;
      assert.equal(view.byteOffset, at);
      assert.deepEqual(view, bytes);
      assert.deepEqual(ram.u8.subarray(at, at + bytes.length), bytes);
      // Placing it (as bootWithFirmware does) changes nothing; a copy elsewhere still copies.
      placeSegments([{ paddr: RAM_BASE + at, data: view, memSize: view.length }], {
        base: RAM_BASE,
        bytes: ram.u8,
      });
      assert.deepEqual(ram.u8.subarray(at, at + bytes.length), bytes);
      placeSegments([{ paddr: RAM_BASE + 7 * MiB, data: view.subarray(0, 4096), memSize: 4096 }], {
        base: RAM_BASE,
        bytes: ram.u8,
      });
      assert.deepEqual(ram.u8.subarray(7 * MiB, 7 * MiB + 4096), bytes.subarray(0, 4096));
    });
  }
});

test('anything else is left to the caller: not an Image, or too big for RAM', async () => {
  const ram = new GuestRam(RAM_BASE, 4 * MiB);
  await withFile(new Uint8Array(100_000).fill(1), async (path) => {
    assert.equal(await readLinuxImageIntoRam(path, ram), undefined);
  });
  await withFile(image(3 * MiB, 0), async (path) => {
    assert.equal(await readLinuxImageIntoRam(path, ram), undefined, '2 MiB + 3 MiB > 4 MiB');
  });
  await withFile(new Uint8Array(10), async (path) => {
    assert.equal(await readLinuxImageIntoRam(path, ram), undefined, 'shorter than a header');
  });
  assert.ok(
    ram.u8.every((b) => b === 0),
    'RAM untouched',
  );
  await assert.rejects(readLinuxImageIntoRam('/nonexistent/rvisor/Image', ram));
});
