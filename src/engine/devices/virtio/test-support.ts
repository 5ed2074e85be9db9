// A tiny virtio driver for tests: it talks to a VirtioMmioTransport through its registers and
// builds rings, descriptor chains and indirect tables in a GuestRam, the way a guest kernel would.

import { GuestRam } from '../../memory.js';
import type { IrqLine } from '../../bus.js';
import {
  MMIO_DEVICE_FEATURES,
  MMIO_DEVICE_FEATURES_SEL,
  MMIO_DRIVER_FEATURES,
  MMIO_DRIVER_FEATURES_SEL,
  MMIO_INTERRUPT_ACK,
  MMIO_INTERRUPT_STATUS,
  MMIO_QUEUE_DESC_HIGH,
  MMIO_QUEUE_DESC_LOW,
  MMIO_QUEUE_DEVICE_HIGH,
  MMIO_QUEUE_DEVICE_LOW,
  MMIO_QUEUE_DRIVER_HIGH,
  MMIO_QUEUE_DRIVER_LOW,
  MMIO_QUEUE_NOTIFY,
  MMIO_QUEUE_NUM,
  MMIO_QUEUE_READY,
  MMIO_QUEUE_SEL,
  MMIO_STATUS,
  VirtioMmioTransport,
} from './mmio.js';
import {
  STATUS_ACKNOWLEDGE,
  STATUS_DRIVER,
  STATUS_DRIVER_OK,
  STATUS_FEATURES_OK,
  type VirtioDevice,
} from './device.js';
import { VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE } from './queue.js';

export const TEST_RAM_BASE = 0x8000_0000;

/** An interrupt line that remembers its level and how often it rose. */
export class TestIrq implements IrqLine {
  level = false;
  rises = 0;
  set(level: boolean): void {
    if (level && !this.level) this.rises++;
    this.level = level;
  }
}

/** RAM followed by a guard region inside the same ArrayBuffer, to catch writes past the end. */
export function ramWithGuard(size: number, guard = 4096): { ram: GuestRam; guard: Uint8Array } {
  const buffer = new ArrayBuffer(size + guard);
  const guardBytes = new Uint8Array(buffer, size, guard).fill(0xa5);
  return { ram: new GuestRam(TEST_RAM_BASE, size, buffer), guard: guardBytes };
}

export interface BufferSpec {
  /** Guest-physical address. */
  address: number;
  length: number;
  writable: boolean;
}

interface QueueLayout {
  size: number;
  desc: number;
  avail: number;
  used: number;
  nextDesc: number;
  availIdx: number;
  usedSeen: number;
}

export class TestDriver {
  readonly irq = new TestIrq();
  readonly transport: VirtioMmioTransport;
  events = 0;
  private readonly queues: QueueLayout[] = [];
  /** Bump allocator for rings and buffers (guest-physical). */
  private nextFree: number;

  constructor(
    readonly ram: GuestRam,
    readonly device: VirtioDevice,
  ) {
    this.transport = new VirtioMmioTransport(device, {
      ram,
      irq: this.irq,
      onDeviceEvent: () => this.events++,
    });
    this.nextFree = ram.base + 0x1000;
  }

  read(offset: number): number {
    return this.transport.read(offset, 4);
  }

  write(offset: number, value: number): void {
    this.transport.write(offset, value, 4);
  }

  deviceFeatures(): bigint {
    this.write(MMIO_DEVICE_FEATURES_SEL, 0);
    const low = BigInt(this.read(MMIO_DEVICE_FEATURES));
    this.write(MMIO_DEVICE_FEATURES_SEL, 1);
    return low | (BigInt(this.read(MMIO_DEVICE_FEATURES)) << 32n);
  }

  /** Negotiate `features` (default: everything offered); returns the status read back. */
  negotiate(features?: bigint): number {
    this.write(MMIO_STATUS, 0);
    this.write(MMIO_STATUS, STATUS_ACKNOWLEDGE);
    this.write(MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    const accept = features ?? this.deviceFeatures();
    this.write(MMIO_DRIVER_FEATURES_SEL, 0);
    this.write(MMIO_DRIVER_FEATURES, Number(accept & 0xffff_ffffn));
    this.write(MMIO_DRIVER_FEATURES_SEL, 1);
    this.write(MMIO_DRIVER_FEATURES, Number(accept >> 32n));
    this.write(MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    return this.read(MMIO_STATUS);
  }

  alloc(bytes: number, align = 16): number {
    const at = Math.ceil(this.nextFree / align) * align;
    this.nextFree = at + bytes;
    if (this.nextFree > this.ram.base + this.ram.size) throw new Error('test RAM exhausted');
    return at;
  }

  /** Set up queue `index` with `size` entries and mark it ready. */
  setupQueue(index: number, size: number): void {
    const desc = this.alloc(16 * size, 16);
    const avail = this.alloc(6 + 2 * size, 2);
    const used = this.alloc(6 + 8 * size, 4);
    this.write(MMIO_QUEUE_SEL, index);
    this.write(MMIO_QUEUE_NUM, size);
    this.write(MMIO_QUEUE_DESC_LOW, desc);
    this.write(MMIO_QUEUE_DESC_HIGH, 0);
    this.write(MMIO_QUEUE_DRIVER_LOW, avail);
    this.write(MMIO_QUEUE_DRIVER_HIGH, 0);
    this.write(MMIO_QUEUE_DEVICE_LOW, used);
    this.write(MMIO_QUEUE_DEVICE_HIGH, 0);
    this.write(MMIO_QUEUE_READY, 1);
    this.queues[index] = { size, desc, avail, used, nextDesc: 0, availIdx: 0, usedSeen: 0 };
  }

  driverOk(): void {
    this.write(MMIO_STATUS, this.read(MMIO_STATUS) | STATUS_DRIVER_OK);
  }

  /** Negotiate, set up every queue with `size` entries, DRIVER_OK. */
  start(size = 16, features?: bigint): void {
    this.negotiate(features);
    this.device.queueSizes.forEach((_, i) => this.setupQueue(i, size));
    this.driverOk();
  }

  layout(queue: number): QueueLayout {
    return this.queues[queue];
  }

  u16(address: number): number {
    return this.ram.view.getUint16(address - this.ram.base, true);
  }

  u32(address: number): number {
    return this.ram.view.getUint32(address - this.ram.base, true);
  }

  setU16(address: number, value: number): void {
    this.ram.view.setUint16(address - this.ram.base, value, true);
  }

  setU32(address: number, value: number): void {
    this.ram.view.setUint32(address - this.ram.base, value >>> 0, true);
  }

  /** Write one descriptor at `table`[index]. */
  writeDescriptor(
    table: number,
    index: number,
    address: number,
    length: number,
    flags: number,
    next: number,
  ): void {
    const at = table + 16 * index;
    this.setU32(at, address % 0x1_0000_0000);
    this.setU32(at + 4, Math.floor(address / 0x1_0000_0000));
    this.setU32(at + 8, length);
    this.setU16(at + 12, flags);
    this.setU16(at + 14, next);
  }

  /** Descriptor flags for a buffer, with NEXT unless it is the last. */
  private flagsFor(buffer: BufferSpec, last: boolean): number {
    return (buffer.writable ? VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : VIRTQ_DESC_F_NEXT);
  }

  /** Make a chain available (direct descriptors, consecutive indexes); returns its head. */
  addChain(queue: number, buffers: BufferSpec[]): number {
    const q = this.queues[queue];
    const head = q.nextDesc % q.size;
    buffers.forEach((b, i) => {
      const index = (head + i) % q.size;
      const next = (head + i + 1) % q.size;
      this.writeDescriptor(
        q.desc,
        index,
        b.address,
        b.length,
        this.flagsFor(b, i === buffers.length - 1),
        next,
      );
    });
    q.nextDesc += buffers.length;
    this.publish(queue, head);
    return head;
  }

  /** Make a chain available through one indirect descriptor; returns its head. */
  addIndirectChain(queue: number, buffers: BufferSpec[]): number {
    const q = this.queues[queue];
    const table = this.alloc(16 * buffers.length, 16);
    buffers.forEach((b, i) => {
      this.writeDescriptor(table, i, b.address, b.length, this.flagsFor(b, i === buffers.length - 1), i + 1);
    });
    const head = q.nextDesc % q.size;
    this.writeDescriptor(q.desc, head, table, 16 * buffers.length, VIRTQ_DESC_F_INDIRECT, 0);
    q.nextDesc += 1;
    this.publish(queue, head);
    return head;
  }

  /** Put `head` in the available ring and advance avail->idx. */
  publish(queue: number, head: number): void {
    const q = this.queues[queue];
    this.setU16(q.avail + 4 + 2 * (q.availIdx % q.size), head);
    q.availIdx = (q.availIdx + 1) & 0xffff;
    this.setU16(q.avail + 2, q.availIdx);
  }

  kick(queue: number): void {
    this.write(MMIO_QUEUE_NOTIFY, queue);
  }

  /** Used elements added since the last call. */
  takeUsed(queue: number): { id: number; length: number }[] {
    const q = this.queues[queue];
    const usedIdx = this.u16(q.used + 2);
    const out: { id: number; length: number }[] = [];
    while (q.usedSeen !== usedIdx) {
      const at = q.used + 4 + 8 * (q.usedSeen % q.size);
      out.push({ id: this.u32(at), length: this.u32(at + 4) });
      q.usedSeen = (q.usedSeen + 1) & 0xffff;
    }
    return out;
  }

  /** Read and acknowledge the interrupt status. */
  ack(): number {
    const status = this.read(MMIO_INTERRUPT_STATUS);
    this.write(MMIO_INTERRUPT_ACK, status);
    return status;
  }

  bytes(address: number, length: number): Uint8Array {
    return this.ram.u8.slice(address - this.ram.base, address - this.ram.base + length);
  }

  fill(address: number, data: Uint8Array): void {
    this.ram.u8.set(data, address - this.ram.base);
  }

  status(): number {
    return this.read(MMIO_STATUS);
  }
}

/** A deterministic PRNG (mulberry32) for property tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
