// virtio-blk against in-memory backends: configuration, every request type, request-level
// errors, asynchronous completion, FLUSH ordering, reset during I/O, save/restore of in-flight
// requests.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBlockBackend, type BlockBackend } from '../../block-backend.js';
import { MMIO_CONFIG, MMIO_STATUS } from './mmio.js';
import { VirtioMmioTransport } from './mmio.js';
import { VIRTIO_F_VERSION_1, featureBit } from './device.js';
import {
  BLK_MAX_DISCARD_SECTORS,
  BLK_SEG_MAX,
  BLK_SIZE_MAX,
  VIRTIO_BLK_F_DISCARD,
  VIRTIO_BLK_F_FLUSH,
  VIRTIO_BLK_F_RO,
  VIRTIO_BLK_F_WRITE_ZEROES,
  VIRTIO_BLK_S_IOERR,
  VIRTIO_BLK_S_OK,
  VIRTIO_BLK_S_UNSUPP,
  VIRTIO_BLK_T_DISCARD,
  VIRTIO_BLK_T_FLUSH,
  VIRTIO_BLK_T_GET_ID,
  VIRTIO_BLK_T_IN,
  VIRTIO_BLK_T_OUT,
  VIRTIO_BLK_T_WRITE_ZEROES,
  VirtioBlockDevice,
} from './blk.js';
import { TestDriver, TestIrq, ramWithGuard, type BufferSpec } from './test-support.js';

const DISK = 64 * 1024;

/** A backend whose operations wait until the test releases them, recording the order of events. */
class GatedBackend implements BlockBackend {
  readonly inner: MemoryBlockBackend;
  readonly events: string[] = [];
  private waiting: (() => void)[] = [];
  gated = true;

  constructor(size: number) {
    this.inner = new MemoryBlockBackend(size);
  }
  get size(): number {
    return this.inner.size;
  }
  get readOnly(): boolean {
    return false;
  }
  private async gate(what: string): Promise<void> {
    if (this.gated) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.events.push(what);
  }
  /** Let every waiting operation proceed. */
  release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    waiting.forEach((w) => w());
  }
  get pending(): number {
    return this.waiting.length;
  }
  async read(offset: number, into: Uint8Array): Promise<void> {
    await this.gate(`read ${offset}`);
    await this.inner.read(offset, into);
  }
  async write(offset: number, data: Uint8Array): Promise<void> {
    await this.gate(`write ${offset}`);
    await this.inner.write(offset, data);
  }
  async flush(): Promise<void> {
    this.events.push('flush');
  }
  async discard(offset: number, length: number): Promise<void> {
    await this.gate(`discard ${offset}`);
    await this.inner.discard(offset, length);
  }
  async writeZeroes(offset: number, length: number): Promise<void> {
    await this.gate(`zero ${offset}`);
    await this.inner.writeZeroes(offset, length);
  }
  async close(): Promise<void> {}
}

interface Setup {
  d: TestDriver;
  device: VirtioBlockDevice;
  logs: string[];
}

function setup(backend: BlockBackend = new MemoryBlockBackend(DISK), features?: bigint): Setup {
  const logs: string[] = [];
  const { ram } = ramWithGuard(1 << 20);
  const device = new VirtioBlockDevice({ backend, serial: 'rvisor-test-disk', log: (m) => logs.push(m) });
  const d = new TestDriver(ram, device);
  d.start(16, features);
  return { d, device, logs };
}

interface Request {
  head: number;
  status: number;
  data: number;
}

function header(d: TestDriver, type: number, sector: number): number {
  const at = d.alloc(16);
  d.setU32(at, type);
  d.setU32(at + 4, 0);
  d.setU32(at + 8, sector % 2 ** 32);
  d.setU32(at + 12, Math.floor(sector / 2 ** 32));
  return at;
}

/** Submit a request: header, then `out` as readable data or `inLength` writable bytes, then status. */
function submit(
  d: TestDriver,
  type: number,
  sector: number,
  options: { out?: Uint8Array; inLength?: number; noStatus?: boolean } = {},
): Request {
  const buffers: BufferSpec[] = [{ address: header(d, type, sector), length: 16, writable: false }];
  let data = 0;
  if (options.out !== undefined) {
    data = d.alloc(options.out.length);
    d.fill(data, options.out);
    buffers.push({ address: data, length: options.out.length, writable: false });
  }
  if (options.inLength !== undefined) {
    data = d.alloc(options.inLength);
    d.fill(data, new Uint8Array(options.inLength).fill(0xcc));
    buffers.push({ address: data, length: options.inLength, writable: true });
  }
  const status = d.alloc(1);
  d.fill(status, Uint8Array.of(0xff));
  if (!options.noStatus) buffers.push({ address: status, length: 1, writable: true });
  const head = d.addChain(0, buffers);
  d.kick(0);
  return { head, status, data };
}

async function settle(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function pattern(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + seed) & 0xff);
}

test('configuration space and features', () => {
  const { d } = setup();
  const config = (offset: number) => d.read(MMIO_CONFIG + offset);
  assert.equal(config(0x00), DISK / 512);
  assert.equal(config(0x08), BLK_SIZE_MAX);
  assert.equal(config(0x0c), BLK_SEG_MAX);
  assert.equal(config(0x14), 512);
  assert.equal(config(0x24), BLK_MAX_DISCARD_SECTORS);
  assert.ok(config(0x28) >= 1);
  assert.ok(config(0x30) > 0);
  const features = d.deviceFeatures();
  for (const bit of [VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_DISCARD, VIRTIO_BLK_F_WRITE_ZEROES]) {
    assert.ok(features & featureBit(bit), `feature ${bit}`);
  }
  assert.equal(features & featureBit(VIRTIO_BLK_F_RO), 0n);
  const readOnly = setup(new MemoryBlockBackend(DISK, true)).d.deviceFeatures();
  assert.ok(readOnly & featureBit(VIRTIO_BLK_F_RO));
  assert.equal(readOnly & featureBit(VIRTIO_BLK_F_DISCARD), 0n);
});

test('write, then read back; completion is asynchronous and wakes the runner', async () => {
  const { d, device } = setup();
  const backend = device.backend as MemoryBlockBackend;
  const data = pattern(1024, 3);
  const w = submit(d, VIRTIO_BLK_T_OUT, 4, { out: data });
  assert.deepEqual(d.takeUsed(0), [], 'the kick returns before the I/O completes');
  assert.equal(device.inflightCount, 1);
  await settle();
  assert.deepEqual(d.takeUsed(0), [{ id: w.head, length: 1 }]);
  assert.equal(d.bytes(w.status, 1)[0], VIRTIO_BLK_S_OK);
  assert.deepEqual(backend.bytes.subarray(2048, 3072), data);
  assert.ok(d.events >= 1, 'onDeviceEvent called');
  assert.ok(d.irq.level);

  const r = submit(d, VIRTIO_BLK_T_IN, 4, { inLength: 1024 });
  await settle();
  assert.deepEqual(d.takeUsed(0), [{ id: r.head, length: 1025 }]);
  assert.equal(d.bytes(r.status, 1)[0], VIRTIO_BLK_S_OK);
  assert.deepEqual(d.bytes(r.data, 1024), data);
});

test('any layout: header, data and status may share descriptors', async () => {
  const { d, device } = setup();
  const backend = device.backend as MemoryBlockBackend;
  backend.bytes.set(pattern(512, 9), 512);
  // One readable descriptor holding the header; one writable holding data and status together.
  const h = header(d, VIRTIO_BLK_T_IN, 1);
  const buffer = d.alloc(513);
  d.addChain(0, [
    { address: h, length: 16, writable: false },
    { address: buffer, length: 513, writable: true },
  ]);
  d.kick(0);
  await settle();
  assert.deepEqual(d.takeUsed(0)[0].length, 513);
  assert.deepEqual(d.bytes(buffer, 512), pattern(512, 9));
  assert.equal(d.bytes(buffer + 512, 1)[0], VIRTIO_BLK_S_OK);
});

test('FLUSH completes only after the writes submitted before it', async () => {
  const backend = new GatedBackend(DISK);
  const { d } = setup(backend);
  const w1 = submit(d, VIRTIO_BLK_T_OUT, 0, { out: pattern(512, 1) });
  const w2 = submit(d, VIRTIO_BLK_T_OUT, 8, { out: pattern(512, 2) });
  const f = submit(d, VIRTIO_BLK_T_FLUSH, 0);
  await settle();
  assert.deepEqual(d.takeUsed(0), [], 'nothing completes while the writes are held');
  assert.deepEqual(backend.events, []);
  backend.gated = false;
  backend.release();
  await settle();
  assert.deepEqual(backend.events, ['write 0', 'write 4096', 'flush']);
  const used = d.takeUsed(0).map((u) => u.id);
  assert.deepEqual(used, [w1.head, w2.head, f.head]);
  assert.equal(d.bytes(f.status, 1)[0], VIRTIO_BLK_S_OK);
});

test('GET_ID returns the 20-byte serial', async () => {
  const { d } = setup();
  const r = submit(d, VIRTIO_BLK_T_GET_ID, 0, { inLength: 20 });
  await settle();
  assert.equal(d.takeUsed(0)[0].length, 21);
  const id = new TextDecoder().decode(d.bytes(r.data, 20)).replace(/\0+$/, '');
  assert.equal(id, 'rvisor-test-disk');
  assert.equal(d.bytes(r.status, 1)[0], VIRTIO_BLK_S_OK);
});

function segment(sector: number, sectors: number, flags: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, sector, true);
  view.setUint32(8, sectors, true);
  view.setUint32(12, flags, true);
  return bytes;
}

test('DISCARD and WRITE_ZEROES zero their ranges; the unmap flag and limits are checked', async () => {
  const { d, device } = setup();
  const backend = device.backend as MemoryBlockBackend;
  backend.bytes.fill(0x77);
  const discard = submit(d, VIRTIO_BLK_T_DISCARD, 0, { out: segment(2, 2, 0) });
  const zeroes = submit(d, VIRTIO_BLK_T_WRITE_ZEROES, 0, {
    out: new Uint8Array([...segment(10, 1, 1), ...segment(20, 1, 0)]),
  });
  await settle();
  assert.equal(d.bytes(discard.status, 1)[0], VIRTIO_BLK_S_OK);
  assert.equal(d.bytes(zeroes.status, 1)[0], VIRTIO_BLK_S_OK);
  assert.ok(backend.bytes.subarray(1024, 2048).every((b) => b === 0));
  assert.ok(backend.bytes.subarray(10 * 512, 11 * 512).every((b) => b === 0));
  assert.ok(backend.bytes.subarray(20 * 512, 21 * 512).every((b) => b === 0));
  assert.equal(backend.bytes[1023], 0x77);
  assert.equal(backend.bytes[2048], 0x77);

  const unmapDiscard = submit(d, VIRTIO_BLK_T_DISCARD, 0, { out: segment(2, 2, 1) });
  const unknownFlag = submit(d, VIRTIO_BLK_T_WRITE_ZEROES, 0, { out: segment(2, 2, 2) });
  const beyond = submit(d, VIRTIO_BLK_T_WRITE_ZEROES, 0, { out: segment(DISK / 512, 1, 0) });
  const tooMany = submit(d, VIRTIO_BLK_T_DISCARD, 0, { out: segment(0, BLK_MAX_DISCARD_SECTORS + 1, 0) });
  const badLength = submit(d, VIRTIO_BLK_T_DISCARD, 0, { out: new Uint8Array(8) });
  await settle();
  assert.equal(d.bytes(unmapDiscard.status, 1)[0], VIRTIO_BLK_S_UNSUPP);
  assert.equal(d.bytes(unknownFlag.status, 1)[0], VIRTIO_BLK_S_UNSUPP);
  assert.equal(d.bytes(beyond.status, 1)[0], VIRTIO_BLK_S_IOERR);
  assert.equal(d.bytes(tooMany.status, 1)[0], VIRTIO_BLK_S_IOERR);
  assert.equal(d.bytes(badLength.status, 1)[0], VIRTIO_BLK_S_IOERR);
});

test('DISCARD is unsupported when the driver did not negotiate it', async () => {
  const { d } = setup(new MemoryBlockBackend(DISK), featureBit(VIRTIO_F_VERSION_1));
  const r = submit(d, VIRTIO_BLK_T_DISCARD, 0, { out: segment(0, 1, 0) });
  await settle();
  assert.equal(d.bytes(r.status, 1)[0], VIRTIO_BLK_S_UNSUPP);
});

test('bad requests fail alone with IOERR or UNSUPP', async () => {
  const { d, logs } = setup();
  const beyond = submit(d, VIRTIO_BLK_T_IN, DISK / 512, { inLength: 512 });
  const straddling = submit(d, VIRTIO_BLK_T_IN, DISK / 512 - 1, { inLength: 1024 });
  const partial = submit(d, VIRTIO_BLK_T_OUT, 0, { out: new Uint8Array(100) });
  const huge = submit(d, VIRTIO_BLK_T_IN, 2 ** 60, { inLength: 512 });
  const unknown = submit(d, 99, 0, { inLength: 16 });
  const fine = submit(d, VIRTIO_BLK_T_IN, 0, { inLength: 512 });
  await settle();
  assert.equal(d.bytes(beyond.status, 1)[0], VIRTIO_BLK_S_IOERR);
  assert.equal(d.bytes(straddling.status, 1)[0], VIRTIO_BLK_S_IOERR);
  assert.equal(d.bytes(partial.status, 1)[0], VIRTIO_BLK_S_IOERR);
  assert.equal(d.bytes(huge.status, 1)[0], VIRTIO_BLK_S_IOERR);
  assert.equal(d.bytes(unknown.status, 1)[0], VIRTIO_BLK_S_UNSUPP);
  assert.equal(d.bytes(fine.status, 1)[0], VIRTIO_BLK_S_OK);
  // A failed read leaves the guest's buffer alone.
  assert.ok(d.bytes(beyond.data, 512).every((b) => b === 0xcc));
  assert.equal(d.takeUsed(0).length, 6);
  assert.equal(logs.length, 1, 'one log line for all of them');
});

test('a request without a status byte or with a short header is returned, not fatal', async () => {
  const { d, logs } = setup();
  const noStatus = submit(d, VIRTIO_BLK_T_OUT, 0, { out: new Uint8Array(512), noStatus: true });
  const short = d.alloc(8);
  const status = d.alloc(1);
  const shortHead = d.addChain(0, [
    { address: short, length: 8, writable: false },
    { address: status, length: 1, writable: true },
  ]);
  d.kick(0);
  await settle();
  assert.deepEqual(d.takeUsed(0), [
    { id: noStatus.head, length: 0 },
    { id: shortHead, length: 1 },
  ]);
  assert.equal(d.bytes(status, 1)[0], VIRTIO_BLK_S_IOERR);
  assert.equal(logs.length, 1);
  assert.equal(d.status() & 0x40, 0);
});

test('writes to a read-only disk fail with IOERR', async () => {
  const { d, device } = setup(new MemoryBlockBackend(DISK, true));
  const w = submit(d, VIRTIO_BLK_T_OUT, 0, { out: pattern(512, 5) });
  await settle();
  assert.equal(d.bytes(w.status, 1)[0], VIRTIO_BLK_S_IOERR);
  assert.ok((device.backend as MemoryBlockBackend).bytes.every((b) => b === 0));
});

test('a backend failure becomes IOERR', async () => {
  const backend = new MemoryBlockBackend(DISK);
  backend.read = async () => {
    throw new Error('disk on fire');
  };
  const { d, logs } = setup(backend);
  const r = submit(d, VIRTIO_BLK_T_IN, 0, { inLength: 512 });
  await settle();
  assert.equal(d.bytes(r.status, 1)[0], VIRTIO_BLK_S_IOERR);
  assert.match(logs[0], /disk on fire/);
});

test('a reset during I/O: the late completion touches neither guest memory nor the rings', async () => {
  const backend = new GatedBackend(DISK);
  backend.inner.bytes.fill(0x42);
  const { d } = setup(backend);
  const r = submit(d, VIRTIO_BLK_T_IN, 0, { inLength: 512 });
  await settle();
  d.write(MMIO_STATUS, 0);
  backend.release();
  await settle();
  assert.ok(d.bytes(r.data, 512).every((b) => b === 0xcc));
  assert.equal(d.bytes(r.status, 1)[0], 0xff);
  assert.equal(d.u16(d.layout(0).used + 2), 0);
  assert.ok(!d.irq.level);
});

test('save/restore: requests in flight are submitted again and complete', async () => {
  const backend = new GatedBackend(DISK);
  backend.inner.bytes.set(pattern(512, 11), 0);
  const { d } = setup(backend);
  const r = submit(d, VIRTIO_BLK_T_IN, 0, { inLength: 512 });
  await settle();
  const state = JSON.parse(JSON.stringify(d.transport.save()));
  assert.deepEqual(state.device.inflight, [r.head]);
  // The old machine is gone; a new device over the same RAM and disk takes over.
  d.write(MMIO_STATUS, 0);
  backend.gated = false;
  backend.release();
  const device = new VirtioBlockDevice({ backend });
  const transport = new VirtioMmioTransport(device, { ram: d.ram, irq: new TestIrq() });
  transport.restore(state);
  await settle();
  assert.equal(d.u16(d.layout(0).used + 2), 1);
  assert.deepEqual(d.bytes(r.data, 512), pattern(512, 11));
  assert.equal(d.bytes(r.status, 1)[0], VIRTIO_BLK_S_OK);
});
