// Guest images read straight into guest RAM (image-into-ram.ts), and the loader finding them in
// place: the same RAM contents as reading the file and copying it, without the copy.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestRam } from '../engine/memory.js';
import { placeSegments } from '../engine/loader.js';
import { bootWithFirmware, topOfRamLayout } from '../engine/boot-linux.js';
import { readFdt } from '../engine/fdt.js';
import { Machine } from '../engine/machine.js';
import { readFileIntoRam, readLinuxImageIntoRam } from './image-into-ram.js';

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

/** `size` recognisable bytes, unlike image()'s. */
function initrdBytes(size: number): Uint8Array {
  return new Uint8Array(size).map((_, i) => (i * 13 + 5) & 0xff);
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

test('any file lands where its placement says, given its size; one that does not fit is declined', async () => {
  const bytes = initrdBytes(300_001);
  await withFile(bytes, async (path) => {
    const ram = new GuestRam(RAM_BASE, 4 * MiB);
    const sizes: number[] = [];
    const view = await readFileIntoRam(path, ram, (size) => {
      sizes.push(size);
      return 4 * MiB - size;
    });
    assert.deepEqual(sizes, [bytes.length]);
    assert.ok(view !== undefined);
    assert.equal(view.buffer, ram.u8.buffer);
    assert.equal(view.byteOffset, 4 * MiB - bytes.length);
    assert.deepEqual(view, bytes);

    const other = new GuestRam(RAM_BASE, 4 * MiB);
    for (const at of [undefined, -4096, 4 * MiB - bytes.length + 1, 0.5]) {
      assert.equal(await readFileIntoRam(path, other, () => at), undefined, `at ${at}`);
    }
    assert.ok(
      other.u8.every((b) => b === 0),
      'RAM untouched',
    );
  });
  await withFile(new Uint8Array(0), async (path) => {
    assert.equal(await readFileIntoRam(path, new GuestRam(RAM_BASE, 4 * MiB), () => 0), undefined, 'empty');
  });
});

test('an initrd read to topOfRamLayout is booted in place: not copied, and the device tree points at it', async () => {
  const bytes = initrdBytes(1_000_001);
  await withFile(bytes, async (path) => {
    // As `rvisor run`: the devices attached and the seed drawn before the initrd's address is taken.
    const machine = new Machine({ memoryBytes: 32 * MiB });
    const config = { bootargs: 'console=ttyS0', rngSeed: new Uint8Array(64).fill(9) };
    const ram = machine.ram;
    const initrd = await readFileIntoRam(
      path,
      ram,
      (size) => topOfRamLayout(machine, size, config).initrdStart - ram.base,
    );
    assert.ok(initrd !== undefined);
    // Every copy into RAM the boot makes, by size: the firmware, the device tree, nothing else.
    const copies: number[] = [];
    const set = ram.u8.set.bind(ram.u8);
    ram.u8.set = (array: ArrayLike<number>, offset?: number) => {
      copies.push(array.length);
      set(array, offset);
    };
    bootWithFirmware(machine, {
      firmware: new Uint8Array(4096),
      kernel: image(100_000, 0),
      initrd,
      ...config,
    });
    assert.ok(!copies.includes(bytes.length), `the initrd was copied (copies: ${copies.join(', ')})`);

    const start = ram.base + initrd.byteOffset - ram.byteOffset;
    assert.deepEqual(ram.u8.subarray(start - ram.base, start - ram.base + bytes.length), bytes);
    const { root } = readFdt(ram.u8.subarray(Number(machine.harts[0].regs.x[11]) - ram.base));
    const chosen = root.find('/chosen');
    assert.deepEqual(chosen?.getU64s('linux,initrd-start'), [BigInt(start)]);
    assert.deepEqual(chosen?.getU64s('linux,initrd-end'), [BigInt(start + bytes.length)]);
  });
});

test('an initrd read into RAM elsewhere is still copied to its place, intact', async () => {
  const bytes = initrdBytes(1_000_001);
  await withFile(bytes, async (path) => {
    const machine = new Machine({ memoryBytes: 32 * MiB });
    const ram = machine.ram;
    const { initrdStart } = topOfRamLayout(machine, bytes.length, {});
    // Overlapping its place: the copy must behave as memmove.
    const initrd = await readFileIntoRam(path, ram, () => initrdStart - ram.base - 4096);
    assert.ok(initrd !== undefined);
    bootWithFirmware(machine, { firmware: new Uint8Array(4096), kernel: image(100_000, 0), initrd });
    const at = initrdStart - ram.base;
    assert.deepEqual(ram.u8.subarray(at, at + bytes.length), bytes);
  });
});
