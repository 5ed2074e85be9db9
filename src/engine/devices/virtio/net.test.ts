// virtio-net through the mmio transport with the test driver: configuration (MAC, link up),
// transmit with the 12-byte header, receive into one buffer and merged across several, back-
// pressure (frames wait for buffers, bounded), and hostile chains and frames: dropped and counted,
// never thrown, nothing written outside guest RAM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MMIO_CONFIG } from './mmio.js';
import { STATUS_DEVICE_NEEDS_RESET, VIRTIO_F_EVENT_IDX, VIRTIO_F_VERSION_1, featureBit } from './device.js';
import {
  NET_HEADER_SIZE,
  VIRTIO_NET_F_MAC,
  VIRTIO_NET_F_MRG_RXBUF,
  VIRTIO_NET_F_STATUS,
  VIRTIO_NET_F_CSUM,
  VirtioNetDevice,
  macFromSeed,
  parseMac,
  type NetworkBackend,
} from './net.js';
import { TestDriver, ramWithGuard, prng, TEST_RAM_BASE } from './test-support.js';
import { VIRTQ_DESC_F_NEXT } from './queue.js';

class LoopBackend implements NetworkBackend {
  onReceive: ((frame: Uint8Array) => void) | undefined;
  sent: Uint8Array[] = [];
  send(frame: Uint8Array): void {
    this.sent.push(frame);
  }
}

function setup(backlog?: number) {
  const { ram, guard } = ramWithGuard(256 * 1024);
  const backend = new LoopBackend();
  const device = new VirtioNetDevice({ mac: macFromSeed('vm1'), backend, receiveBacklog: backlog });
  const driver = new TestDriver(ram, device);
  return { ram, guard, backend, device, driver };
}

function frame(length: number, fill = 0x11): Uint8Array {
  const f = new Uint8Array(length).fill(fill);
  f.set([0x52, 0x54, 0, 1, 2, 3, 0x52, 0x54, 0, 4, 5, 6, 0x08, 0x00]);
  return f;
}

test('MAC derives from the seed; features and config space', () => {
  assert.deepEqual([...macFromSeed('vm1')], [...macFromSeed('vm1')]);
  assert.notDeepEqual([...macFromSeed('vm1')], [...macFromSeed('vm2')]);
  assert.deepEqual([...macFromSeed('x').subarray(0, 3)], [0x52, 0x54, 0]);
  assert.deepEqual([...parseMac('52:54:00:aa:bb:cc')!], [0x52, 0x54, 0, 0xaa, 0xbb, 0xcc]);
  assert.equal(parseMac('01:00:00:00:00:00'), undefined); // multicast
  const { driver, device } = setup();
  const features = driver.deviceFeatures();
  for (const bit of [
    VIRTIO_NET_F_MAC,
    VIRTIO_NET_F_STATUS,
    VIRTIO_NET_F_MRG_RXBUF,
    VIRTIO_F_VERSION_1,
    VIRTIO_F_EVENT_IDX,
  ]) {
    assert.ok(features & featureBit(bit), `feature ${bit}`);
  }
  assert.equal(features & featureBit(VIRTIO_NET_F_CSUM), 0n);
  const mac = [0, 1, 2, 3, 4, 5].map((i) => driver.transport.read(MMIO_CONFIG + i, 1));
  assert.deepEqual(mac, [...device.mac]);
  assert.equal(driver.transport.read(MMIO_CONFIG + 6, 2), 1); // link up
});

test('transmit: the header is stripped and the frame goes to the backend', () => {
  const { driver, backend, device } = setup();
  driver.start(16);
  const buf = driver.alloc(NET_HEADER_SIZE + 60);
  const f = frame(60, 0x42);
  driver.fill(buf + NET_HEADER_SIZE, f);
  driver.addChain(1, [{ address: buf, length: NET_HEADER_SIZE + 60, writable: false }]);
  driver.kick(1);
  assert.equal(backend.sent.length, 1);
  assert.deepEqual([...backend.sent[0]], [...f]);
  assert.equal(driver.takeUsed(1).length, 1);
  assert.equal(device.stats.txFrames, 1);
  // Header and frame in separate descriptors (as Linux sends them) work too.
  const hdr = driver.alloc(NET_HEADER_SIZE);
  const body = driver.alloc(60);
  driver.fill(body, f);
  driver.addChain(1, [
    { address: hdr, length: NET_HEADER_SIZE, writable: false },
    { address: body, length: 60, writable: false },
  ]);
  driver.kick(1);
  assert.equal(backend.sent.length, 2);
  assert.deepEqual([...backend.sent[1]], [...f]);
});

test('receive: one buffer without MRG_RXBUF; num_buffers = 1', () => {
  const { driver, backend, device } = setup();
  driver.start(16, driver.deviceFeatures() & ~featureBit(VIRTIO_NET_F_MRG_RXBUF));
  const buf = driver.alloc(2048);
  driver.addChain(0, [{ address: buf, length: 2048, writable: true }]);
  driver.kick(0);
  const f = frame(100, 0x33);
  backend.onReceive!(f);
  const used = driver.takeUsed(0);
  assert.deepEqual(
    used.map((u) => u.length),
    [NET_HEADER_SIZE + 100],
  );
  assert.deepEqual([...driver.bytes(buf + NET_HEADER_SIZE, 100)], [...f]);
  assert.equal(device.stats.rxFrames, 1);
  assert.ok(driver.irq.level);
});

test('receive: a frame merged over several small buffers (MRG_RXBUF), frames wait for buffers', () => {
  const { driver, backend, device } = setup();
  driver.start(16);
  const f = frame(1514, 0x77);
  backend.onReceive!(f); // no buffer yet: waits
  assert.equal(device.pendingReceive, 1);
  const bufs = [0, 1, 2, 3].map(() => driver.alloc(512));
  for (const b of bufs.slice(0, 2)) driver.addChain(0, [{ address: b, length: 512, writable: true }]);
  driver.kick(0);
  assert.equal(driver.takeUsed(0).length, 0); // 1024 bytes are not enough: still waiting
  for (const b of bufs.slice(2)) driver.addChain(0, [{ address: b, length: 512, writable: true }]);
  driver.kick(0);
  const used = driver.takeUsed(0);
  assert.deepEqual(
    used.map((u) => u.length),
    [512, 512, 502],
  );
  const got = new Uint8Array(1526);
  bufs.slice(0, 3).forEach((b, i) => got.set(driver.bytes(b, Math.min(512, 1526 - 512 * i)), 512 * i));
  assert.equal(got[10] | (got[11] << 8), 3); // num_buffers
  assert.deepEqual([...got.subarray(NET_HEADER_SIZE)], [...f]);
  assert.equal(device.pendingReceive, 0);
});

test('receive back-pressure is bounded: beyond the backlog frames are dropped and counted', () => {
  const { driver, backend, device } = setup(4);
  driver.start(16);
  for (let i = 0; i < 10; i++) backend.onReceive!(frame(60));
  assert.equal(device.pendingReceive, 4);
  assert.equal(device.stats.rxDropped, 6);
  backend.onReceive!(new Uint8Array(5)); // runt
  backend.onReceive!(new Uint8Array(9000)); // jumbo
  assert.equal(device.stats.rxDropped, 8);
});

test('hostile transmit chains and malformed frames: dropped, counted, no throw, no stray writes', () => {
  const { driver, backend, device, guard } = setup();
  driver.start(16);
  const buf = driver.alloc(4096);
  // Shorter than the header, header only, a runt frame, a giant frame.
  for (const length of [4, NET_HEADER_SIZE, NET_HEADER_SIZE + 5, NET_HEADER_SIZE + 4000]) {
    driver.addChain(1, [{ address: buf, length, writable: false }]);
  }
  // Writable-only chain on the transmit queue.
  driver.addChain(1, [{ address: buf, length: 100, writable: true }]);
  driver.kick(1);
  assert.equal(backend.sent.length, 0);
  assert.equal(device.stats.txDropped, 5);
  assert.equal(driver.takeUsed(1).length, 5);
  assert.equal(driver.status() & STATUS_DEVICE_NEEDS_RESET, 0);
  // A read-only buffer on the receive queue: handed back empty; the next buffer gets the frame.
  driver.addChain(0, [{ address: buf, length: 2048, writable: false }]);
  const good = driver.alloc(2048);
  driver.addChain(0, [{ address: good, length: 2048, writable: true }]);
  driver.kick(0);
  backend.onReceive!(frame(60));
  assert.deepEqual(
    driver.takeUsed(0).map((u) => u.length),
    [0, NET_HEADER_SIZE + 60],
  );
  // A looping chain breaks the ring: the device asks for a reset instead of throwing.
  const q = driver.layout(1);
  const head = q.nextDesc % q.size;
  driver.writeDescriptor(q.desc, head, buf, 64, VIRTQ_DESC_F_NEXT, head);
  q.nextDesc++;
  driver.publish(1, head);
  assert.doesNotThrow(() => driver.kick(1));
  assert.ok(driver.status() & STATUS_DEVICE_NEEDS_RESET);
  assert.ok(guard.every((b) => b === 0xa5));
});

test('random descriptor tables on both queues never throw or write outside RAM', () => {
  const r = prng(1234);
  for (let round = 0; round < 300; round++) {
    const { driver, backend, guard } = setup(8);
    driver.start(8);
    for (let i = 0; i < 6; i++) {
      const queue = Math.floor(r() * 2);
      const q = driver.layout(queue);
      const head = Math.floor(r() * 10);
      const address = r() < 0.2 ? Math.floor(r() * 2 ** 40) : TEST_RAM_BASE + Math.floor(r() * 256 * 1024);
      driver.writeDescriptor(
        q.desc,
        head % 8,
        address,
        Math.floor(r() * 3000),
        Math.floor(r() * 8),
        Math.floor(r() * 10),
      );
      driver.publish(queue, head);
      assert.doesNotThrow(() => driver.kick(queue));
      assert.doesNotThrow(() => backend.onReceive!(frame(60 + Math.floor(r() * 1400))));
    }
    assert.ok(guard.every((b) => b === 0xa5));
  }
});
