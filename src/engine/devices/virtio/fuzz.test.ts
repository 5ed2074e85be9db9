// Property tests with a deterministic PRNG: thousands of random and hostile descriptor tables
// (loops, addresses outside RAM, huge lengths, wrong directions, indirect tables inside indirect
// tables, bad indexes) and random register writes, against every device. Properties: no
// exception escapes, nothing is written past the end of RAM (a guard region follows it in the
// same buffer), no internal error is reported, and each queue either returns every chain it was
// given or the device flagged DEVICE_NEEDS_RESET.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBlockBackend } from '../../block-backend.js';
import { MMIO_CONFIG, MMIO_QUEUE_NOTIFY } from './mmio.js';
import {
  STATUS_DEVICE_NEEDS_RESET,
  VIRTIO_F_EVENT_IDX,
  VIRTIO_F_INDIRECT_DESC,
  VIRTIO_F_VERSION_1,
  featureBit,
  type VirtioDevice,
} from './device.js';
import { VirtioRngDevice } from './rng.js';
import { VirtioConsoleDevice } from './console.js';
import {
  VirtioBlockDevice,
  VIRTIO_BLK_T_DISCARD,
  VIRTIO_BLK_T_GET_ID,
  VIRTIO_BLK_T_WRITE_ZEROES,
} from './blk.js';
import { VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE } from './queue.js';
import { TestDriver, prng, ramWithGuard, TEST_RAM_BASE, type BufferSpec } from './test-support.js';

const RAM_SIZE = 64 * 1024;
const ITERATIONS = 3000;
/** Well-formed chains point into an area apart from the rings (a driver that let the device
 * overwrite its own rings would break them, which is its own business). */
const DATA_AREA = 16 * 1024;

type Random = () => number;
const int = (r: Random, n: number) => Math.floor(r() * n);
const pick = <T>(r: Random, items: readonly T[]): T => items[int(r, items.length)];

/** An address that is usually inside RAM, sometimes straddling its end or far outside. */
function randomAddress(r: Random): number {
  switch (int(r, 8)) {
    case 0:
      return int(r, TEST_RAM_BASE); // below RAM
    case 1:
      return TEST_RAM_BASE + RAM_SIZE - int(r, 64); // at the very end
    case 2:
      return TEST_RAM_BASE + RAM_SIZE + int(r, 1 << 20); // just above
    case 3:
      return int(r, 2 ** 32) * 2 ** 32 + int(r, 2 ** 32); // any 64-bit value
    default:
      return TEST_RAM_BASE + int(r, RAM_SIZE);
  }
}

function randomLength(r: Random): number {
  switch (int(r, 8)) {
    case 0:
      return 0;
    case 1:
      return 0xffff_ffff;
    case 2:
      return int(r, RAM_SIZE * 2);
    case 3:
      return 16 * (1 + int(r, 8)); // looks like an indirect table
    default:
      return 1 + int(r, 600);
  }
}

function randomFlags(r: Random): number {
  if (r() < 0.1) return int(r, 0x10000); // garbage bits too
  return (
    (r() < 0.5 ? VIRTQ_DESC_F_NEXT : 0) |
    (r() < 0.5 ? VIRTQ_DESC_F_WRITE : 0) |
    (r() < 0.15 ? VIRTQ_DESC_F_INDIRECT : 0)
  );
}

/** Fill a descriptor table of `entries` with random, mostly plausible, often hostile descriptors. */
function randomTable(d: TestDriver, r: Random, table: number, entries: number, nested: number[]): void {
  for (let i = 0; i < entries; i++) {
    let flags = randomFlags(r);
    let address = randomAddress(r);
    let length = randomLength(r);
    if (flags & VIRTQ_DESC_F_INDIRECT && nested.length > 0 && r() < 0.7) {
      // Point at a real table in RAM (possibly one that contains indirect descriptors itself).
      address = pick(r, nested);
      length = 16 * (1 + int(r, 8));
      if (r() < 0.5) flags &= ~VIRTQ_DESC_F_NEXT;
    }
    const next = r() < 0.8 ? int(r, entries) : int(r, 0x10000);
    d.writeDescriptor(table, i, address, length, flags, next);
  }
}

/** A valid-looking blk request header in some buffer, so requests get past the header parse. */
function plantBlkHeaders(d: TestDriver, r: Random, count: number): void {
  const types = [0, 1, 4, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES, 99];
  for (let i = 0; i < count; i++) {
    const at = TEST_RAM_BASE + int(r, RAM_SIZE - 32);
    d.setU32(at, pick(r, types));
    d.setU32(at + 4, 0);
    d.setU32(at + 8, r() < 0.7 ? int(r, 16) : int(r, 2 ** 32));
    d.setU32(at + 12, r() < 0.8 ? 0 : int(r, 2 ** 32));
  }
}

/** Planted blk headers, for well-formed chains to point at. */
function plantedHeaders(d: TestDriver, r: Random, count: number): number[] {
  const at: number[] = [];
  const types = [0, 0, 1, 1, 4, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES, 99];
  for (let i = 0; i < count; i++) {
    const header = d.alloc(16 + 16, 16);
    d.setU32(header, pick(r, types));
    d.setU32(header + 4, 0);
    d.setU32(header + 8, r() < 0.9 ? int(r, 16) : int(r, 2 ** 32));
    d.setU32(header + 12, 0);
    // A discard/write-zeroes segment right after the header, for requests that read on.
    d.setU32(header + 16, int(r, 16));
    d.setU32(header + 20, 0);
    d.setU32(header + 24, int(r, 4));
    d.setU32(header + 28, r() < 0.8 ? 0 : int(r, 4));
    at.push(header);
  }
  return at;
}

/**
 * A well-formed chain (readable buffers, then writable ones, all in RAM), though its contents and
 * directions may still be wrong for the device.
 */
function plausibleChain(r: Random, headers: number[], area: number): BufferSpec[] {
  const buffers: BufferSpec[] = [];
  if (headers.length > 0 && r() < 0.9)
    buffers.push({ address: pick(r, headers), length: pick(r, [16, 32, 8]), writable: false });
  const n = int(r, 4);
  let writable = r() < 0.3;
  for (let i = 0; i < n; i++) {
    if (!writable && r() < 0.5) writable = true;
    const length = pick(r, [1, 512, 1024, 20, int(r, 2000)]);
    const address = area + int(r, DATA_AREA - length);
    buffers.push({ address, length, writable });
  }
  if (r() < 0.8) buffers.push({ address: area + int(r, DATA_AREA - 1), length: 1, writable: true });
  return buffers;
}

function makeDevice(r: Random, logs: string[]): VirtioDevice {
  const log = (m: string) => logs.push(m);
  switch (int(r, 3)) {
    case 0:
      return new VirtioRngDevice({ log, queueSize: 16 });
    case 1:
      return new VirtioConsoleDevice({ log, output: () => {}, queueSize: 16 });
    default:
      return new VirtioBlockDevice({ log, backend: new MemoryBlockBackend(8192, r() < 0.2), queueSize: 16 });
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function assertGuard(guard: Uint8Array, context: string): void {
  for (let i = 0; i < guard.length; i++) {
    if (guard[i] !== 0xa5) assert.fail(`${context}: byte ${i} past the end of RAM was written`);
  }
}

test(`${ITERATIONS} random descriptor tables: no escape, no write outside RAM, complete or NEEDS_RESET`, async () => {
  const r = prng(0x5eed_1234);
  let resets = 0;
  let completed = 0;
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const logs: string[] = [];
    const { ram, guard } = ramWithGuard(RAM_SIZE);
    // Random RAM content: stale data looks like anything.
    for (let i = 0; i < 256; i++) ram.u8[int(r, RAM_SIZE)] = int(r, 256);
    const device = makeDevice(r, logs);
    const d = new TestDriver(ram, device);
    let features = featureBit(VIRTIO_F_VERSION_1);
    if (r() < 0.8) features |= featureBit(VIRTIO_F_INDIRECT_DESC);
    if (r() < 0.5) features |= featureBit(VIRTIO_F_EVENT_IDX);
    const size = 1 << int(r, 5);
    d.start(size, features);
    const context = `iteration ${iteration} (${device.name}, queue size ${size})`;

    // Spare tables for indirect descriptors, some containing indirect descriptors themselves.
    const nested: number[] = [];
    for (let i = 0; i < 3; i++) nested.push(d.alloc(16 * 8, 16));
    for (const table of nested) randomTable(d, r, table, 8, nested);
    if (device instanceof VirtioBlockDevice) plantBlkHeaders(d, r, 8);

    // Half the runs are hostile tables; the other half well-formed chains with random contents.
    const hostile = r() < 0.5;
    const headers = device instanceof VirtioBlockDevice ? plantedHeaders(d, r, 6) : [];
    const area = d.alloc(DATA_AREA);
    for (let round = 0; round < 3; round++) {
      for (let q = 0; q < device.queueSizes.length; q++) {
        const layout = d.layout(q);
        if (hostile) {
          randomTable(d, r, layout.desc, layout.size, nested);
          const count = int(r, layout.size + 1);
          for (let i = 0; i < count; i++) d.publish(q, r() < 0.9 ? int(r, layout.size) : int(r, 0x10000));
          if (r() < 0.05) d.setU16(layout.avail + 2, int(r, 0x10000)); // a wild avail idx
        } else {
          let descriptors = 0;
          for (;;) {
            const chain = plausibleChain(r, headers, area);
            const indirect = features & featureBit(VIRTIO_F_INDIRECT_DESC) && r() < 0.3;
            const cost = indirect ? 1 : chain.length;
            if (chain.length === 0 || descriptors + cost > layout.size) break;
            if (indirect) d.addIndirectChain(q, chain);
            else d.addChain(q, chain);
            descriptors += cost;
          }
        }
        if (r() < 0.3) d.setU16(layout.avail, int(r, 4)); // flags
        d.kick(q);
        if (r() < 0.2) d.transport.write(MMIO_QUEUE_NOTIFY, int(r, 2 ** 32), 4); // nonexistent queue
      }
      if (device instanceof VirtioConsoleDevice) {
        device.receive(Uint8Array.from({ length: int(r, 300) }, () => int(r, 256)));
      }
      await settle();
    }
    await settle();
    assertGuard(guard, context);
    assert.ok(!logs.some((m) => /internal error/.test(m)), `${context}: ${logs.join('; ')}`);
    assert.ok(logs.length <= 1, `${context}: logged ${logs.length} times`);
    if (d.status() & STATUS_DEVICE_NEEDS_RESET) {
      resets++;
      continue;
    }
    // Not reset: the rings were valid, so every chain published (and not overtaken by a wild avail
    // idx) came back — except on the console's receive queue, which waits for host input.
    for (let q = 0; q < device.queueSizes.length; q++) {
      if (device instanceof VirtioConsoleDevice && q === 0) continue;
      const layout = d.layout(q);
      const availIdx = d.u16(layout.avail + 2);
      assert.equal(d.transport.queue(q).lastAvailIdx, availIdx, `${context}: queue ${q} not drained`);
      assert.equal(d.transport.queue(q).usedIdx, availIdx, `${context}: queue ${q} chains not returned`);
    }
    if (device instanceof VirtioBlockDevice) assert.equal(device.inflightCount, 0, context);
    completed++;
  }
  // Both outcomes must actually be exercised for the property to mean something.
  assert.ok(resets > ITERATIONS / 10, `only ${resets} resets`);
  assert.ok(completed > ITERATIONS / 20, `only ${completed} clean runs`);
});

test('random register writes never throw and never write outside RAM', async () => {
  const r = prng(0xc0ffee);
  for (let iteration = 0; iteration < 500; iteration++) {
    const logs: string[] = [];
    const { ram, guard } = ramWithGuard(RAM_SIZE);
    for (let i = 0; i < 512; i++) ram.u8[int(r, RAM_SIZE)] = int(r, 256);
    const device = makeDevice(r, logs);
    const d = new TestDriver(ram, device);
    if (r() < 0.5) d.start(1 << int(r, 5));
    for (let i = 0; i < 200; i++) {
      const offset = r() < 0.8 ? 4 * int(r, 0x40) : int(r, 0x200);
      const size = pick(r, [1, 2, 4, 4, 4, 8] as const);
      let value = r() < 0.5 ? int(r, 2 ** 32) : int(r, 32);
      if (offset === 0x80 || offset === 0x90 || offset === 0xa0) value = TEST_RAM_BASE + int(r, RAM_SIZE);
      if (size === 8) d.transport.write(offset, value, 4);
      else d.transport.write(offset, value, size);
      d.transport.read(r() < 0.5 ? offset : MMIO_CONFIG + int(r, 64), size === 8 ? 4 : size);
    }
    await settle();
    assertGuard(guard, `iteration ${iteration}`);
    assert.ok(!logs.some((m) => /internal error/.test(m)), logs.join('; '));
  }
});
