// virtio-mmio transport: register semantics, feature negotiation, reset, interrupts, queue
// configuration checks, save/restore, and the machine's slot wiring.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MMIO_CONFIG,
  MMIO_CONFIG_GENERATION,
  MMIO_DEVICE_FEATURES,
  MMIO_DEVICE_FEATURES_SEL,
  MMIO_DEVICE_ID,
  MMIO_DRIVER_FEATURES,
  MMIO_DRIVER_FEATURES_SEL,
  MMIO_INTERRUPT_STATUS,
  MMIO_MAGIC,
  MMIO_MAGIC_VALUE,
  MMIO_QUEUE_NUM,
  MMIO_QUEUE_NUM_MAX,
  MMIO_QUEUE_READY,
  MMIO_QUEUE_RESET,
  MMIO_QUEUE_SEL,
  MMIO_SHM_BASE_HIGH,
  MMIO_SHM_BASE_LOW,
  MMIO_SHM_LEN_HIGH,
  MMIO_SHM_LEN_LOW,
  MMIO_SHM_SEL,
  MMIO_STATUS,
  MMIO_VENDOR_ID,
  MMIO_VERSION,
  MMIO_VENDOR_RVISOR,
  INTERRUPT_CONFIG_CHANGE,
  INTERRUPT_USED_BUFFER,
  VirtioMmioTransport,
} from './mmio.js';
import {
  STATUS_ACKNOWLEDGE,
  STATUS_DEVICE_NEEDS_RESET,
  STATUS_DRIVER,
  STATUS_DRIVER_OK,
  STATUS_FEATURES_OK,
  VIRTIO_F_EVENT_IDX,
  VIRTIO_F_INDIRECT_DESC,
  VIRTIO_F_VERSION_1,
  VIRTIO_ID_BLOCK,
  VIRTIO_ID_RNG,
  featureBit,
} from './device.js';
import { VirtioRngDevice } from './rng.js';
import { VirtioBlockDevice } from './blk.js';
import { MemoryBlockBackend } from '../../block-backend.js';
import { TestDriver, TestIrq, ramWithGuard } from './test-support.js';
import { Machine } from '../../machine.js';
import { VIRTIO_MMIO_BASE, VIRTIO_MMIO_SLOTS } from '../../memmap.js';
import { readFdt } from '../../fdt.js';

function rngDriver(logs: string[] = []): TestDriver {
  const { ram } = ramWithGuard(1 << 20);
  return new TestDriver(ram, new VirtioRngDevice({ log: (m) => logs.push(m) }));
}

test('identification registers', () => {
  const d = rngDriver();
  assert.equal(d.read(MMIO_MAGIC_VALUE), MMIO_MAGIC);
  assert.equal(d.read(MMIO_MAGIC_VALUE), 0x74726976);
  assert.equal(d.read(MMIO_VERSION), 2);
  assert.equal(d.read(MMIO_DEVICE_ID), VIRTIO_ID_RNG);
  assert.equal(d.read(MMIO_VENDOR_ID), MMIO_VENDOR_RVISOR);
  // Sub-word and misaligned register accesses read 0 and writes are ignored.
  assert.equal(d.transport.read(MMIO_MAGIC_VALUE, 1), 0);
  assert.equal(d.transport.read(MMIO_MAGIC_VALUE + 2, 4), 0);
  d.transport.write(MMIO_STATUS, STATUS_ACKNOWLEDGE, 1);
  assert.equal(d.status(), 0);
  // Write-only registers read 0.
  d.write(MMIO_QUEUE_NUM, 8);
  assert.equal(d.read(MMIO_QUEUE_NUM), 0);
  assert.equal(d.read(MMIO_DRIVER_FEATURES), 0);
});

test('device features: VERSION_1, INDIRECT_DESC and EVENT_IDX offered, by 32-bit windows', () => {
  const d = rngDriver();
  const features = d.deviceFeatures();
  assert.ok(features & featureBit(VIRTIO_F_VERSION_1));
  assert.ok(features & featureBit(VIRTIO_F_INDIRECT_DESC));
  assert.ok(features & featureBit(VIRTIO_F_EVENT_IDX));
  d.write(MMIO_DEVICE_FEATURES_SEL, 1);
  assert.equal(d.read(MMIO_DEVICE_FEATURES), 1); // bit 32
  d.write(MMIO_DEVICE_FEATURES_SEL, 2);
  assert.equal(d.read(MMIO_DEVICE_FEATURES), 0);
});

test('shared memory registers report no region; QueueReset reads 0', () => {
  const d = rngDriver();
  for (const sel of [0, 1, 255]) {
    d.write(MMIO_SHM_SEL, sel);
    assert.equal(d.read(MMIO_SHM_LEN_LOW), 0xffff_ffff);
    assert.equal(d.read(MMIO_SHM_LEN_HIGH), 0xffff_ffff);
    assert.equal(d.read(MMIO_SHM_BASE_LOW), 0);
    assert.equal(d.read(MMIO_SHM_BASE_HIGH), 0);
  }
  assert.equal(d.read(MMIO_QUEUE_RESET), 0);
});

test('QueueNumMax per queue, 0 for a queue that does not exist', () => {
  const d = rngDriver();
  d.write(MMIO_QUEUE_SEL, 0);
  assert.equal(d.read(MMIO_QUEUE_NUM_MAX), 64);
  d.write(MMIO_QUEUE_SEL, 1);
  assert.equal(d.read(MMIO_QUEUE_NUM_MAX), 0);
  d.write(MMIO_QUEUE_READY, 1); // no queue 1: ignored
  assert.equal(d.read(MMIO_QUEUE_READY), 0);
});

test('feature negotiation: VERSION_1 required, unoffered bits refused, writes only before FEATURES_OK', () => {
  const logs: string[] = [];
  const d = rngDriver(logs);
  // Legacy driver (no VERSION_1): FEATURES_OK does not stick.
  assert.equal(d.negotiate(0n) & STATUS_FEATURES_OK, 0);
  assert.equal(logs.length, 1);
  assert.match(logs[0], /VERSION_1/);
  // A bit that was never offered.
  assert.equal(d.negotiate(featureBit(VIRTIO_F_VERSION_1) | featureBit(3)) & STATUS_FEATURES_OK, 0);
  // Proper negotiation.
  const status = d.negotiate(featureBit(VIRTIO_F_VERSION_1) | featureBit(VIRTIO_F_EVENT_IDX));
  assert.equal(status, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
  assert.ok(d.transport.hasFeature(VIRTIO_F_EVENT_IDX));
  assert.ok(!d.transport.hasFeature(VIRTIO_F_INDIRECT_DESC));
  // After FEATURES_OK the accepted set is frozen.
  d.write(MMIO_DRIVER_FEATURES_SEL, 0);
  d.write(MMIO_DRIVER_FEATURES, 1 << VIRTIO_F_INDIRECT_DESC);
  assert.ok(!d.transport.hasFeature(VIRTIO_F_INDIRECT_DESC));
  // Only one log line per device, however often the guest misbehaves.
  assert.equal(logs.length, 1);
});

test('writing 0 to Status resets the device: status, features, queues, interrupts', () => {
  const d = rngDriver();
  d.start(8);
  const used = d.alloc(16);
  d.addChain(0, [{ address: used, length: 16, writable: true }]);
  d.kick(0);
  assert.equal(d.read(MMIO_INTERRUPT_STATUS), INTERRUPT_USED_BUFFER);
  assert.ok(d.irq.level);
  d.write(MMIO_STATUS, 0);
  assert.equal(d.status(), 0);
  assert.equal(d.read(MMIO_INTERRUPT_STATUS), 0);
  assert.ok(!d.irq.level);
  assert.ok(!d.transport.hasFeature(VIRTIO_F_VERSION_1));
  d.write(MMIO_QUEUE_SEL, 0);
  assert.equal(d.read(MMIO_QUEUE_READY), 0);
  assert.equal(d.transport.queue(0).size, 0);
  assert.equal(d.transport.queue(0).lastAvailIdx, 0);
});

test('interrupt status and ACK drive the line', () => {
  const d = rngDriver();
  d.start(8);
  const buf = d.alloc(8);
  d.addChain(0, [{ address: buf, length: 8, writable: true }]);
  d.kick(0);
  assert.ok(d.irq.level);
  assert.equal(d.ack(), INTERRUPT_USED_BUFFER);
  assert.ok(!d.irq.level);
  assert.equal(d.read(MMIO_INTERRUPT_STATUS), 0);
});

test('buffers made available before DRIVER_OK are served at DRIVER_OK, not before', () => {
  const d = rngDriver();
  d.negotiate();
  d.setupQueue(0, 8);
  const buf = d.alloc(8);
  d.addChain(0, [{ address: buf, length: 8, writable: true }]);
  d.kick(0);
  assert.deepEqual(d.takeUsed(0), []);
  d.driverOk();
  assert.deepEqual(d.takeUsed(0), [{ id: 0, length: 8 }]);
});

test('an impossible queue configuration sets DEVICE_NEEDS_RESET (logged once)', () => {
  for (const [what, setup] of [
    ['size not a power of 2', (d: TestDriver) => d.write(MMIO_QUEUE_NUM, 6)],
    ['size above QueueNumMax', (d: TestDriver) => d.write(MMIO_QUEUE_NUM, 128)],
    ['size 0', (d: TestDriver) => d.write(MMIO_QUEUE_NUM, 0)],
  ] as const) {
    const logs: string[] = [];
    const d = rngDriver(logs);
    d.negotiate();
    d.setupQueue(0, 8);
    d.write(MMIO_QUEUE_READY, 0);
    setup(d);
    d.write(MMIO_QUEUE_READY, 1);
    assert.ok(d.status() & STATUS_DEVICE_NEEDS_RESET, what);
    assert.equal(d.read(MMIO_QUEUE_READY), 0, what);
    assert.equal(logs.length, 1, what);
  }
  // Rings outside RAM, after DRIVER_OK: NEEDS_RESET and a configuration-change interrupt.
  const logs: string[] = [];
  const d = rngDriver(logs);
  d.negotiate();
  d.driverOk();
  d.write(MMIO_QUEUE_SEL, 0);
  d.write(MMIO_QUEUE_NUM, 8);
  d.write(0x080, 0x1000); // descriptor table below RAM
  d.write(MMIO_QUEUE_READY, 1);
  assert.ok(d.status() & STATUS_DEVICE_NEEDS_RESET);
  assert.equal(d.read(MMIO_INTERRUPT_STATUS), INTERRUPT_CONFIG_CHANGE);
  assert.ok(d.irq.level);
  assert.match(logs[0], /outside guest RAM/);
  // The driver's reset clears it.
  d.write(MMIO_STATUS, 0);
  assert.equal(d.status(), 0);
});

test('queue registers are frozen while the queue is ready', () => {
  const d = rngDriver();
  d.negotiate();
  d.setupQueue(0, 8);
  const before = d.transport.queue(0).descAddress;
  d.write(MMIO_QUEUE_NUM, 4);
  d.write(0x080, 0x1234_0000);
  assert.equal(d.transport.queue(0).size, 8);
  assert.equal(d.transport.queue(0).descAddress, before);
});

test('config space: read through offset 0x100; ConfigGeneration changes on configChanged', () => {
  const { ram } = ramWithGuard(1 << 20);
  const d = new TestDriver(ram, new VirtioBlockDevice({ backend: new MemoryBlockBackend(1 << 20) }));
  assert.equal(d.read(MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
  assert.equal(d.read(MMIO_CONFIG), (1 << 20) / 512); // capacity, low word
  assert.equal(d.read(MMIO_CONFIG + 4), 0);
  assert.equal(d.transport.read(MMIO_CONFIG, 1), 0); // 2048 = 0x800: low byte 0
  assert.equal(d.transport.read(MMIO_CONFIG + 1, 1), 8);
  assert.equal(d.transport.read(MMIO_CONFIG + 0x14, 2), 512); // blk_size
  assert.equal(d.transport.read(MMIO_CONFIG + 0x800, 4), 0); // beyond the config: 0
  const generation = d.read(MMIO_CONFIG_GENERATION);
  d.start(8);
  d.transport.configChanged();
  assert.equal(d.read(MMIO_CONFIG_GENERATION), generation + 1);
  assert.equal(d.ack(), INTERRUPT_CONFIG_CHANGE);
});

test('save/restore round-trips through JSON and the queue keeps working', () => {
  const { ram } = ramWithGuard(1 << 20);
  const d = new TestDriver(ram, new VirtioRngDevice());
  d.start(8);
  const a = d.alloc(8);
  d.addChain(0, [{ address: a, length: 8, writable: true }]);
  d.kick(0);
  d.takeUsed(0);
  const state = JSON.parse(JSON.stringify(d.transport.save()));
  const irq = new TestIrq();
  const copy = new VirtioMmioTransport(new VirtioRngDevice(), { ram, irq });
  copy.restore(state);
  assert.equal(copy.read(MMIO_STATUS, 4), d.status());
  assert.equal(copy.read(MMIO_INTERRUPT_STATUS, 4), INTERRUPT_USED_BUFFER);
  assert.ok(irq.level);
  assert.ok(copy.hasFeature(VIRTIO_F_VERSION_1));
  assert.equal(copy.queue(0).lastAvailIdx, 1);
  assert.equal(copy.queue(0).usedIdx, 1);
  // The copy serves the next request where the original left off.
  d.addChain(0, [{ address: a, length: 8, writable: true }]);
  copy.write(0x050, 0, 4);
  assert.equal(copy.queue(0).usedIdx, 2);
});

test('Machine.attachVirtio fills slots in order, wires IRQ 1+slot and lists them in the device tree', () => {
  const machine = new Machine({ memoryBytes: 1 << 22 });
  const first = machine.attachVirtio(new VirtioRngDevice());
  machine.attachVirtio(new VirtioBlockDevice({ backend: new MemoryBlockBackend(4096) }));
  assert.equal(machine.virtio[0], first);
  assert.equal(machine.bus.read(VIRTIO_MMIO_BASE, 4), MMIO_MAGIC);
  assert.equal(machine.bus.read(VIRTIO_MMIO_BASE + 0x1000 + MMIO_DEVICE_ID, 4), VIRTIO_ID_BLOCK);
  assert.equal(machine.bus.read(VIRTIO_MMIO_BASE + 0x2000, 4), undefined); // slot 2 is empty
  const soc = readFdt(machine.deviceTree()).root.find('soc');
  const nodes = soc?.children.filter((n) => n.name.startsWith('virtio_mmio@'));
  assert.deepEqual(
    nodes?.map((n) => n.name),
    ['virtio_mmio@10001000', 'virtio_mmio@10002000'],
  );
  assert.equal(nodes?.[1].getU32('interrupts'), 2);
  assert.equal(nodes?.[1].getString('compatible'), 'virtio,mmio');
  // A used-buffer interrupt reaches PLIC source 1.
  const d = { write: (o: number, v: number) => machine.bus.write(VIRTIO_MMIO_BASE + o, v, 4) };
  d.write(MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
  d.write(MMIO_DRIVER_FEATURES_SEL, 1);
  d.write(MMIO_DRIVER_FEATURES, 1);
  d.write(MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
  first.configChanged();
  assert.ok(machine.plic.isPending(1));
  for (let i = 2; i < VIRTIO_MMIO_SLOTS; i++) machine.attachVirtio(new VirtioRngDevice());
  assert.throws(() => machine.attachVirtio(new VirtioRngDevice()), /slots are in use/);
});

test('Machine.onDeviceEvent is called for work completed outside guest accesses', async () => {
  const machine = new Machine({ memoryBytes: 1 << 22 });
  let events = 0;
  machine.onDeviceEvent = () => events++;
  const transport = machine.attachVirtio(new VirtioRngDevice());
  transport.deviceEvent();
  assert.equal(events, 1);
});
