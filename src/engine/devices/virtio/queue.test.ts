// Split virtqueue handling, driven through the transport with the entropy device (which simply
// fills writable buffers): descriptor chains, indirect tables, notification suppression, and the
// ring errors that must stop the device instead of touching memory they should not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MMIO_INTERRUPT_STATUS } from './mmio.js';
import {
  STATUS_DEVICE_NEEDS_RESET,
  VIRTIO_F_EVENT_IDX,
  VIRTIO_F_INDIRECT_DESC,
  VIRTIO_F_VERSION_1,
  featureBit,
} from './device.js';
import { VirtioRngDevice } from './rng.js';
import {
  MAX_INDIRECT_DESCRIPTORS,
  VIRTQ_DESC_F_INDIRECT,
  VIRTQ_DESC_F_NEXT,
  VIRTQ_DESC_F_WRITE,
  VRING_AVAIL_F_NO_INTERRUPT,
} from './queue.js';
import { TestDriver, ramWithGuard, TEST_RAM_BASE } from './test-support.js';

const RAM_SIZE = 1 << 20;
const ALL =
  featureBit(VIRTIO_F_VERSION_1) | featureBit(VIRTIO_F_INDIRECT_DESC) | featureBit(VIRTIO_F_EVENT_IDX);

function setup(features = ALL, size = 8): { d: TestDriver; logs: string[]; guard: Uint8Array } {
  const logs: string[] = [];
  const { ram, guard } = ramWithGuard(RAM_SIZE);
  // A counting "entropy" source makes the written bytes predictable.
  let n = 0;
  const device = new VirtioRngDevice({
    log: (m) => logs.push(m),
    entropy: (into) => into.forEach((_, i) => (into[i] = n++ & 0xff)),
  });
  const d = new TestDriver(ram, device);
  d.start(size, features);
  return { d, logs, guard };
}

function needsReset(d: TestDriver): boolean {
  return (d.status() & STATUS_DEVICE_NEEDS_RESET) !== 0;
}

test('a chain of readable and writable descriptors: only writable bytes are written, in order', () => {
  const { d } = setup();
  const header = d.alloc(16);
  const a = d.alloc(5);
  const b = d.alloc(7);
  d.fill(header, new Uint8Array(16).fill(0xee));
  const head = d.addChain(0, [
    { address: header, length: 16, writable: false },
    { address: a, length: 5, writable: true },
    { address: b, length: 7, writable: true },
  ]);
  d.kick(0);
  assert.deepEqual(d.takeUsed(0), [{ id: head, length: 12 }]);
  assert.deepEqual([...d.bytes(a, 5)], [0, 1, 2, 3, 4]);
  assert.deepEqual([...d.bytes(b, 7)], [5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual([...d.bytes(header, 16)], new Array(16).fill(0xee));
  assert.equal(d.ack(), 1);
});

test('chains are served in available-ring order, with wrap-around of the ring', () => {
  const { d } = setup(ALL, 4);
  const buf = d.alloc(4);
  for (let round = 0; round < 5; round++) {
    const heads = [0, 1, 2].map(() => d.addChain(0, [{ address: buf, length: 1, writable: true }]));
    d.kick(0);
    assert.deepEqual(
      d.takeUsed(0).map((u) => u.id),
      heads,
    );
  }
  assert.ok(!needsReset(d));
});

test('a zero-length descriptor is accepted whatever its address', () => {
  const { d, logs } = setup();
  const buf = d.alloc(4);
  d.addChain(0, [
    { address: 0xdead_0000_0000, length: 0, writable: true },
    { address: buf, length: 4, writable: true },
  ]);
  d.kick(0);
  assert.deepEqual(
    d.takeUsed(0).map((u) => u.length),
    [4],
  );
  assert.deepEqual(logs, []);
});

test('wrong direction (no writable buffer) fails only that request, logged once', () => {
  const { d, logs } = setup();
  const buf = d.alloc(8);
  d.addChain(0, [{ address: buf, length: 8, writable: false }]);
  d.addChain(0, [{ address: buf, length: 8, writable: false }]);
  d.addChain(0, [{ address: buf, length: 8, writable: true }]);
  d.kick(0);
  assert.deepEqual(
    d.takeUsed(0).map((u) => u.length),
    [0, 0, 8],
  );
  assert.ok(!needsReset(d));
  assert.equal(logs.length, 1);
});

function expectReset(d: TestDriver, logs: string[], pattern: RegExp): void {
  assert.ok(needsReset(d), 'DEVICE_NEEDS_RESET expected');
  assert.equal(d.read(MMIO_INTERRUPT_STATUS) & 2, 2, 'configuration-change interrupt expected');
  assert.equal(logs.length, 1);
  assert.match(logs[0], pattern);
  // Further kicks are ignored and logged no more.
  d.kick(0);
  assert.equal(logs.length, 1);
}

test('broken rings set DEVICE_NEEDS_RESET', async (t) => {
  await t.test('a descriptor loop', () => {
    const { d, logs } = setup();
    const q = d.layout(0);
    const buf = d.alloc(4);
    d.writeDescriptor(q.desc, 0, buf, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    d.writeDescriptor(q.desc, 1, buf, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
    d.publish(0, 0);
    d.kick(0);
    expectReset(d, logs, /loops/);
  });
  await t.test('a buffer outside RAM', () => {
    const { d, logs } = setup();
    d.addChain(0, [{ address: TEST_RAM_BASE + RAM_SIZE - 2, length: 4, writable: true }]);
    d.kick(0);
    expectReset(d, logs, /outside guest RAM/);
  });
  await t.test('a buffer below RAM', () => {
    const { d, logs } = setup();
    d.addChain(0, [{ address: 0x1000, length: 4, writable: true }]);
    d.kick(0);
    expectReset(d, logs, /outside guest RAM/);
  });
  await t.test('a buffer at a 64-bit address', () => {
    const { d, logs } = setup();
    d.addChain(0, [{ address: 2 ** 63, length: 4, writable: true }]);
    d.kick(0);
    expectReset(d, logs, /outside guest RAM/);
  });
  await t.test('a head index beyond the queue', () => {
    const { d, logs } = setup();
    d.publish(0, 8);
    d.kick(0);
    expectReset(d, logs, /descriptor index 8/);
  });
  await t.test('a next index beyond the queue', () => {
    const { d, logs } = setup();
    const q = d.layout(0);
    d.writeDescriptor(q.desc, 0, d.alloc(4), 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 200);
    d.publish(0, 0);
    d.kick(0);
    expectReset(d, logs, /next descriptor 200/);
  });
  await t.test('avail idx further ahead than the queue size', () => {
    const { d, logs } = setup();
    d.setU16(d.layout(0).avail + 2, 9);
    d.kick(0);
    expectReset(d, logs, /avail idx/);
  });
  await t.test('a readable descriptor after a writable one', () => {
    const { d, logs } = setup();
    const buf = d.alloc(8);
    d.addChain(0, [
      { address: buf, length: 4, writable: true },
      { address: buf, length: 4, writable: false },
    ]);
    d.kick(0);
    expectReset(d, logs, /device-readable descriptor follows/);
  });
});

test('EVENT_IDX: interrupts only when used idx passes used_event; avail_event follows the device', () => {
  const { d } = setup(ALL, 8);
  const q = d.layout(0);
  const buf = d.alloc(4);
  const usedEvent = q.avail + 4 + 2 * q.size;
  const availEvent = q.used + 4 + 8 * q.size;
  // The first completion always interrupts (nothing signalled yet).
  d.addChain(0, [{ address: buf, length: 4, writable: true }]);
  d.kick(0);
  assert.equal(d.ack(), 1);
  assert.equal(d.u16(availEvent), 1, 'avail_event = next entry the device will read');
  // used_event = 2: completing entry 1 (used idx 1 -> 2) does not interrupt...
  d.setU16(usedEvent, 2);
  d.addChain(0, [{ address: buf, length: 4, writable: true }]);
  d.kick(0);
  assert.equal(d.read(MMIO_INTERRUPT_STATUS), 0);
  assert.ok(!d.irq.level);
  // ...completing entry 2 (used idx 2 -> 3) does.
  d.addChain(0, [{ address: buf, length: 4, writable: true }]);
  d.kick(0);
  assert.equal(d.ack(), 1);
  assert.equal(d.u16(availEvent), 3);
  // A used_event far behind suppresses interrupts for a batch that does not cross it.
  d.setU16(usedEvent, 0xff00);
  for (let i = 0; i < 3; i++) d.addChain(0, [{ address: buf, length: 4, writable: true }]);
  d.kick(0);
  assert.equal(d.read(MMIO_INTERRUPT_STATUS), 0);
  assert.equal(d.takeUsed(0).length, 6);
});

test('VRING_AVAIL_F_NO_INTERRUPT suppresses interrupts without EVENT_IDX (and is ignored with it)', () => {
  const { d } = setup(featureBit(VIRTIO_F_VERSION_1));
  const buf = d.alloc(4);
  d.setU16(d.layout(0).avail, VRING_AVAIL_F_NO_INTERRUPT);
  d.addChain(0, [{ address: buf, length: 4, writable: true }]);
  d.kick(0);
  assert.equal(d.takeUsed(0).length, 1);
  assert.equal(d.read(MMIO_INTERRUPT_STATUS), 0);
  d.setU16(d.layout(0).avail, 0);
  d.addChain(0, [{ address: buf, length: 4, writable: true }]);
  d.kick(0);
  assert.equal(d.ack(), 1);

  const withEventIdx = setup(ALL).d;
  withEventIdx.setU16(withEventIdx.layout(0).avail, VRING_AVAIL_F_NO_INTERRUPT);
  withEventIdx.addChain(0, [{ address: withEventIdx.alloc(4), length: 4, writable: true }]);
  withEventIdx.kick(0);
  assert.equal(withEventIdx.ack(), 1, 'with EVENT_IDX the flag means nothing (2.7.10)');
});

test('indirect descriptors: a table of readable and writable buffers', () => {
  const { d, logs } = setup();
  const header = d.alloc(16);
  const a = d.alloc(3);
  const b = d.alloc(2);
  const head = d.addIndirectChain(0, [
    { address: header, length: 16, writable: false },
    { address: a, length: 3, writable: true },
    { address: b, length: 2, writable: true },
  ]);
  d.kick(0);
  assert.deepEqual(d.takeUsed(0), [{ id: head, length: 5 }]);
  assert.deepEqual([...d.bytes(a, 3), ...d.bytes(b, 2)], [0, 1, 2, 3, 4]);
  assert.deepEqual(logs, []);
});

test('indirect descriptors after direct ones (2.7.5.3.2)', () => {
  const { d } = setup();
  const q = d.layout(0);
  const a = d.alloc(2);
  const b = d.alloc(2);
  const table = d.alloc(16);
  d.writeDescriptor(table, 0, b, 2, VIRTQ_DESC_F_WRITE, 0);
  d.writeDescriptor(q.desc, 0, a, 2, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
  d.writeDescriptor(q.desc, 1, table, 16, VIRTQ_DESC_F_INDIRECT, 0);
  d.publish(0, 0);
  d.kick(0);
  assert.deepEqual(d.takeUsed(0), [{ id: 0, length: 4 }]);
  assert.deepEqual([...d.bytes(a, 2), ...d.bytes(b, 2)], [0, 1, 2, 3]);
});

test('invalid indirect descriptors set DEVICE_NEEDS_RESET', async (t) => {
  const cases: [string, RegExp, (d: TestDriver, table: number) => void, bigint?][] = [
    [
      'indirect inside indirect',
      /inside an indirect table/,
      (d, table) => {
        const inner = d.alloc(16);
        d.writeDescriptor(inner, 0, d.alloc(4), 4, VIRTQ_DESC_F_WRITE, 0);
        d.writeDescriptor(table, 0, inner, 16, VIRTQ_DESC_F_INDIRECT, 0);
      },
    ],
    [
      'without the feature',
      /without VIRTIO_F_INDIRECT_DESC/,
      (d, table) => d.writeDescriptor(table, 0, d.alloc(4), 4, VIRTQ_DESC_F_WRITE, 0),
      featureBit(VIRTIO_F_VERSION_1),
    ],
    [
      'a loop inside the table',
      /loops/,
      (d, table) => {
        const buf = d.alloc(4);
        d.writeDescriptor(table, 0, buf, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
        d.writeDescriptor(table, 1, buf, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
      },
    ],
    [
      'next beyond the table',
      /beyond its table/,
      (d, table) => d.writeDescriptor(table, 0, d.alloc(4), 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2),
    ],
  ];
  for (const [name, pattern, build, features] of cases) {
    await t.test(name, () => {
      const { d, logs } = setup(features ?? ALL);
      const table = d.alloc(32);
      build(d, table);
      d.writeDescriptor(d.layout(0).desc, 0, table, 32, VIRTQ_DESC_F_INDIRECT, 0);
      d.publish(0, 0);
      d.kick(0);
      expectReset(d, logs, pattern);
    });
  }
  const tableCases: [string, RegExp, number, number, number][] = [
    ['INDIRECT with NEXT', /with NEXT/, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 0],
    ['a length not a multiple of 16', /not a multiple/, 24, VIRTQ_DESC_F_INDIRECT, 0],
    ['an empty table', /not a multiple/, 0, VIRTQ_DESC_F_INDIRECT, 0],
    ['a table outside RAM', /outside guest RAM/, 16, VIRTQ_DESC_F_INDIRECT, 0x10],
    [
      `more than ${MAX_INDIRECT_DESCRIPTORS} entries`,
      /limit/,
      16 * (MAX_INDIRECT_DESCRIPTORS + 1),
      VIRTQ_DESC_F_INDIRECT,
      0,
    ],
  ];
  for (const [name, pattern, length, flags, address] of tableCases) {
    await t.test(name, () => {
      const { d, logs } = setup();
      const table = address || d.alloc(Math.max(length, 16));
      d.writeDescriptor(d.layout(0).desc, 0, table, length, flags, 1);
      d.publish(0, 0);
      d.kick(0);
      expectReset(d, logs, pattern);
    });
  }
});
