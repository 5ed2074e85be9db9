import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bus } from './bus.js';
import {
  findRegion,
  PLIC_NUM_SOURCES,
  RAM_BASE,
  regionNodeName,
  UART0_BASE,
  UART0_IRQ,
  VIRT_MEMORY_MAP,
  VIRTIO_MMIO_SLOTS,
} from './memmap.js';

test('the table is sorted, non-overlapping and maps onto a bus', () => {
  const bus = new Bus();
  let end = 0;
  for (const region of VIRT_MEMORY_MAP) {
    assert.ok(region.base >= end, `${region.name} overlaps its predecessor`);
    end = region.base + region.size;
    if (region.kind !== 'ram') {
      bus.map(region.base, region.size, { name: regionNodeName(region), read: () => 0, write: () => {} });
    }
  }
  assert.equal(bus.claims(UART0_BASE, 1), true);
});

test('QEMU virt addresses and interrupts', () => {
  assert.equal(findRegion('ram').base, RAM_BASE);
  assert.equal(findRegion('uart').irq, UART0_IRQ);
  assert.equal(regionNodeName(findRegion('uart')), 'serial@10000000');
  const virtio = VIRT_MEMORY_MAP.filter((r) => r.kind === 'virtio-mmio');
  assert.equal(virtio.length, VIRTIO_MMIO_SLOTS);
  virtio.forEach((r, i) => {
    assert.equal(r.index, i);
    assert.equal(r.base, 0x1000_1000 + 0x1000 * i);
    assert.equal(r.irq, 1 + i);
  });
  const irqs = VIRT_MEMORY_MAP.flatMap((r) => (r.irq === undefined ? [] : [r.irq]));
  assert.equal(new Set(irqs).size, irqs.length, 'interrupt numbers are unique');
  assert.ok(irqs.every((irq) => irq > 0 && irq < PLIC_NUM_SOURCES));
  assert.throws(() => findRegion('virtio-mmio', VIRTIO_MMIO_SLOTS));
  assert.throws(() => ((VIRT_MEMORY_MAP[0] as { base: number }).base = 0), TypeError, 'frozen');
});
