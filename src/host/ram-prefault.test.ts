import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { linuxPrefaultRanges, prefaultMemory } from './ram-prefault.js';

const MiB = 1024 * 1024;
const PAGES_PER_MIB = MiB / 4096;

/** Page faults of the calling thread so far (Linux), or undefined. */
function threadFaults(): number | undefined {
  if (!existsSync('/proc/thread-self/stat')) return undefined;
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}

test('Linux ranges: the top of RAM downwards, then above the kernel upwards', () => {
  const ramOffset = 0x10000;
  assert.deepEqual(linuxPrefaultRanges(ramOffset, 512 * MiB, 35 * MiB + 123), [
    { from: ramOffset + 512 * MiB, to: ramOffset + 448 * MiB },
    { from: ramOffset + 36 * MiB, to: ramOffset + 68 * MiB },
  ]);
  // A small guest: an eighth at the top, a sixteenth above the kernel.
  assert.deepEqual(linuxPrefaultRanges(0, 64 * MiB, 20 * MiB), [
    { from: 64 * MiB, to: 56 * MiB },
    { from: 20 * MiB, to: 24 * MiB },
  ]);
  // No room above the kernel below the top range: the top range only.
  assert.deepEqual(linuxPrefaultRanges(0, 64 * MiB, 55 * MiB), [{ from: 64 * MiB, to: 56 * MiB }]);
});

test('prefaulting touches every page of the ranges and changes no byte', async () => {
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 256, shared: true }); // 16 MiB
  const bytes = new Uint8Array(memory.buffer);
  for (let i = 0; i < bytes.length; i += 4093) bytes[i] = (i * 7) & 0xff;
  const before = bytes.slice();
  // The guest keeps writing meanwhile: those writes stay too.
  let writes = 0;
  const writer = setInterval(() => {
    for (let page = 0; page < 16 * PAGES_PER_MIB; page += 97)
      bytes[page * 4096] = before[page * 4096] = writes & 0xff;
    writes++;
  }, 1);
  const pages = await prefaultMemory(memory, [
    { from: 8 * MiB, to: 4 * MiB },
    { from: 12 * MiB, to: 16 * MiB },
  ]);
  clearInterval(writer);
  assert.equal(pages, 8 * PAGES_PER_MIB);
  assert.ok(
    bytes.every((b, i) => b === before[i]),
    'memory unchanged but for its own writes',
  );
});

test(
  'pages prefaulted elsewhere cost the touching thread no faults',
  { skip: threadFaults() === undefined && 'needs /proc/thread-self' },
  async (t) => {
    const memory = new WebAssembly.Memory({ initial: 256, maximum: 256, shared: true });
    const words = new Int32Array(memory.buffer);
    await prefaultMemory(memory, [{ from: 8 * MiB, to: 0 }]);
    const touch = (from: number, to: number): number => {
      const start = threadFaults()!;
      for (let at = from; at < to; at += 4096) words[at >>> 2] = 1;
      return threadFaults()! - start;
    };
    const prefaulted = touch(0, 8 * MiB);
    const fresh = touch(8 * MiB, 16 * MiB);
    if (fresh < PAGES_PER_MIB * 2) {
      // The host maps fresh memory in large pages (transparent huge pages for all memory): a few
      // faults per 2 MiB, nothing for prefaulting to save.
      t.skip(`fresh memory faulted only ${fresh} times for 2048 pages`);
      return;
    }
    assert.ok(prefaulted * 10 < fresh, `prefaulted ${prefaulted} faults, fresh ${fresh}`);
  },
);

test('bad ranges are refused; a memory other threads cannot share is left alone', () => {
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 16, shared: true });
  assert.throws(() => prefaultMemory(memory, [{ from: 100, to: 4096 }]), RangeError);
  assert.throws(() => prefaultMemory(memory, [{ from: 0, to: 2 * MiB }]), RangeError);
  assert.equal(prefaultMemory(new WebAssembly.Memory({ initial: 16 }), [{ from: 0, to: 4096 }]), undefined);
});
