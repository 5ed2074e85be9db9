// Split virtqueues (virtio 1.2 section 2.7): the descriptor table, the available ring the driver
// fills and the used ring the device fills, all in guest RAM. Everything read from the guest is
// checked before use — indexes against the queue size, buffers against RAM, chain lengths against
// loops — and a broken ring raises VirtqueueError, which the transport turns into
// DEVICE_NEEDS_RESET. Memory outside guest RAM is never touched.

import type { GuestRam } from '../../memory.js';

export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
export const VRING_AVAIL_F_NO_INTERRUPT = 1;
export const DESCRIPTOR_SIZE = 16;
/** 2.7: "The maximum Queue Size value is 32768". */
export const MAX_QUEUE_SIZE = 32768;
/** Longest indirect table accepted (QEMU's VIRTQUEUE_MAX_SIZE); the spec sets no limit. */
export const MAX_INDIRECT_DESCRIPTORS = 1024;

/** The guest broke the ring's rules; the device must stop until it is reset. */
export class VirtqueueError extends Error {}

/** A run of guest memory, as an offset into GuestRam (already checked to lie inside it). */
export interface Segment {
  offset: number;
  length: number;
}

/** One descriptor chain: device-readable segments first, then device-writable ones. */
export class DescriptorChain {
  readonly readable: Segment[] = [];
  readonly writable: Segment[] = [];
  readableLength = 0;
  writableLength = 0;

  constructor(
    readonly head: number,
    private readonly ram: GuestRam,
  ) {}

  /** Append a descriptor's buffer (used while walking the chain). */
  add(address: number, length: number, writable: boolean): void {
    if (!writable && this.writable.length > 0) {
      // 2.7.4.2: device-writable descriptors come after every device-readable one.
      throw new VirtqueueError('a device-readable descriptor follows a device-writable one');
    }
    if (length === 0) return; // nothing to transfer, whatever the address says
    if (!this.ram.contains(address, length)) {
      throw new VirtqueueError(`buffer 0x${address.toString(16)}+${length} lies outside guest RAM`);
    }
    const segment = { offset: address - this.ram.base, length };
    if (writable) {
      this.writable.push(segment);
      this.writableLength += length;
    } else {
      this.readable.push(segment);
      this.readableLength += length;
    }
  }

  /** Copy readable bytes from stream position `position` into `into`; returns the count copied. */
  read(position: number, into: Uint8Array): number {
    return copySegments(this.readable, position, into.length, (ramOffset, at, n) =>
      into.set(this.ram.u8.subarray(ramOffset, ramOffset + n), at),
    );
  }

  /** Copy `data` into the writable bytes from stream position `position`; returns the count. */
  write(position: number, data: Uint8Array): number {
    return copySegments(this.writable, position, data.length, (ramOffset, at, n) =>
      this.ram.write(ramOffset, data.subarray(at, at + n)),
    );
  }

  /** Writable byte `position` (for a trailing status byte); false when there is none. */
  writeByte(position: number, value: number): boolean {
    return this.write(position, Uint8Array.of(value)) === 1;
  }
}

/** Walk `segments` from stream position `position` for `length` bytes, calling `copy` per piece. */
function copySegments(
  segments: Segment[],
  position: number,
  length: number,
  copy: (ramOffset: number, at: number, n: number) => void,
): number {
  let done = 0;
  let skip = position;
  for (const s of segments) {
    if (done >= length) break;
    if (skip >= s.length) {
      skip -= s.length;
      continue;
    }
    const n = Math.min(s.length - skip, length - done);
    copy(s.offset + skip, done, n);
    done += n;
    skip = 0;
  }
  return done;
}

export interface VirtqueueState {
  size: number;
  ready: boolean;
  descAddress: number;
  driverAddress: number;
  deviceAddress: number;
  lastAvailIdx: number;
  usedIdx: number;
  signalledUsed: number;
  signalledValid: boolean;
}

export class Virtqueue {
  /** Queue Size chosen by the driver (QueueNum). */
  size = 0;
  ready = false;
  /** Guest-physical addresses of the descriptor table, available ring and used ring. */
  descAddress = 0;
  driverAddress = 0;
  deviceAddress = 0;
  /** Negotiated VIRTIO_F_EVENT_IDX / VIRTIO_F_INDIRECT_DESC (set by the transport). */
  eventIdx = false;
  indirect = false;
  /** Next available-ring entry the device will take. */
  lastAvailIdx = 0;
  /** The device's copy of used->idx (the guest cannot change what the device counts). */
  usedIdx = 0;
  /** used->idx when the driver was last interrupted (EVENT_IDX), as QEMU's signalled_used. */
  private signalledUsed = 0;
  private signalledValid = false;

  constructor(
    readonly maxSize: number,
    private readonly ram: GuestRam,
  ) {
    if (
      !Number.isInteger(maxSize) ||
      maxSize < 1 ||
      maxSize > MAX_QUEUE_SIZE ||
      (maxSize & (maxSize - 1)) !== 0
    ) {
      throw new RangeError(`queue size maximum must be a power of 2 up to ${MAX_QUEUE_SIZE}, got ${maxSize}`);
    }
  }

  reset(): void {
    this.size = 0;
    this.ready = false;
    this.descAddress = 0;
    this.driverAddress = 0;
    this.deviceAddress = 0;
    this.eventIdx = false;
    this.indirect = false;
    this.lastAvailIdx = 0;
    this.usedIdx = 0;
    this.signalledUsed = 0;
    this.signalledValid = false;
  }

  /** Why the driver's configuration cannot work, or undefined when it can (checked at QueueReady). */
  configurationError(): string | undefined {
    const size = this.size;
    // 2.7: "Queue Size value is always a power of 2" for split virtqueues.
    if (size < 1 || size > this.maxSize || (size & (size - 1)) !== 0) {
      return `queue size ${size} is not a power of 2 in 1..${this.maxSize}`;
    }
    // 2.7 table "Virtqueue Part Alignment": 16, 2 and 4 bytes.
    if (this.descAddress % 16 !== 0 || this.driverAddress % 2 !== 0 || this.deviceAddress % 4 !== 0) {
      return 'misaligned ring';
    }
    const areas: [string, number, number][] = [
      ['descriptor table', this.descAddress, DESCRIPTOR_SIZE * size],
      ['available ring', this.driverAddress, 6 + 2 * size],
      ['used ring', this.deviceAddress, 6 + 8 * size],
    ];
    for (const [what, address, length] of areas) {
      if (!this.ram.contains(address, length)) {
        return `${what} at 0x${address.toString(16)}+${length} lies outside guest RAM`;
      }
    }
    return undefined;
  }

  private u16(address: number): number {
    return this.ram.view.getUint16(address - this.ram.base, true);
  }

  private u32(address: number): number {
    return this.ram.view.getUint32(address - this.ram.base, true);
  }

  private setU16(address: number, value: number): void {
    this.ram.view.setUint16(address - this.ram.base, value, true);
    this.ram.noteWrite(address - this.ram.base, 2);
  }

  private setU32(address: number, value: number): void {
    this.ram.view.setUint32(address - this.ram.base, value >>> 0, true);
    this.ram.noteWrite(address - this.ram.base, 4);
  }

  /** True when the driver has made buffers available that the device has not taken. */
  hasAvailable(): boolean {
    return this.ready && this.u16(this.driverAddress + 2) !== this.lastAvailIdx;
  }

  /**
   * Take the next available descriptor chain, or undefined when there is none. Throws
   * VirtqueueError when the ring is broken. Only call on a ready, validated queue.
   */
  pop(): DescriptorChain | undefined {
    const availIdx = this.u16(this.driverAddress + 2);
    const pending = (availIdx - this.lastAvailIdx) & 0xffff;
    let chain: DescriptorChain | undefined;
    if (pending > this.size) {
      throw new VirtqueueError(
        `avail idx ${availIdx} is ${pending} entries ahead in a queue of ${this.size}`,
      );
    }
    if (pending > 0) {
      const head = this.u16(this.driverAddress + 4 + 2 * (this.lastAvailIdx % this.size));
      this.lastAvailIdx = (this.lastAvailIdx + 1) & 0xffff;
      chain = this.chainAt(head);
    }
    // 2.7.10: with EVENT_IDX, avail_event asks for a kick once the driver adds the next entry.
    if (this.eventIdx) this.setU16(this.deviceAddress + 4 + 8 * this.size, this.lastAvailIdx);
    return chain;
  }

  /** Walk the chain starting at descriptor `head` (2.7.5 and 2.7.5.3 for indirect tables). */
  chainAt(head: number): DescriptorChain {
    if (head >= this.size)
      throw new VirtqueueError(`descriptor index ${head} beyond queue size ${this.size}`);
    const chain = new DescriptorChain(head, this.ram);
    let table = this.descAddress;
    let tableSize = this.size;
    let inIndirect = false;
    let index = head;
    let visited = 0;
    for (;;) {
      // A chain can visit each descriptor of its table once; more means a loop (2.7.5.2).
      if (++visited > tableSize) throw new VirtqueueError('descriptor chain loops or exceeds its table');
      const at = table + DESCRIPTOR_SIZE * index;
      const address = this.u32(at) + this.u32(at + 4) * 0x1_0000_0000;
      const length = this.u32(at + 8);
      const flags = this.u16(at + 12);
      const next = this.u16(at + 14);
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        // 2.7.5.3.1: only with the feature, never nested, never combined with NEXT; the table is a
        // whole number of descriptors. Its WRITE flag is ignored.
        if (!this.indirect) throw new VirtqueueError('indirect descriptor without VIRTIO_F_INDIRECT_DESC');
        if (inIndirect) throw new VirtqueueError('indirect descriptor inside an indirect table');
        if (flags & VIRTQ_DESC_F_NEXT) throw new VirtqueueError('indirect descriptor with NEXT set');
        if (length === 0 || length % DESCRIPTOR_SIZE !== 0) {
          throw new VirtqueueError(`indirect table length ${length} is not a multiple of ${DESCRIPTOR_SIZE}`);
        }
        tableSize = length / DESCRIPTOR_SIZE;
        if (tableSize > MAX_INDIRECT_DESCRIPTORS) {
          throw new VirtqueueError(
            `indirect table of ${tableSize} descriptors (limit ${MAX_INDIRECT_DESCRIPTORS})`,
          );
        }
        if (!this.ram.contains(address, length)) {
          throw new VirtqueueError(
            `indirect table 0x${address.toString(16)}+${length} lies outside guest RAM`,
          );
        }
        table = address;
        inIndirect = true;
        index = 0;
        visited = 0;
        continue;
      }
      chain.add(address, length, (flags & VIRTQ_DESC_F_WRITE) !== 0);
      if ((flags & VIRTQ_DESC_F_NEXT) === 0) return chain;
      if (next >= tableSize)
        throw new VirtqueueError(`next descriptor ${next} beyond its table of ${tableSize}`);
      index = next;
    }
  }

  /** Return a chain to the driver: `written` bytes were written into its writable buffers. */
  pushUsed(head: number, written: number): void {
    const element = this.deviceAddress + 4 + 8 * (this.usedIdx % this.size);
    this.setU32(element, head);
    this.setU32(element + 4, written);
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    this.setU16(this.deviceAddress + 2, this.usedIdx);
  }

  /**
   * After pushUsed: should the driver be interrupted? 2.7.7.2 (NO_INTERRUPT) and 2.7.10
   * (used_event: interrupt when used idx passes the driver's event index since the last interrupt).
   */
  needsInterrupt(): boolean {
    if (!this.eventIdx) return (this.u16(this.driverAddress) & VRING_AVAIL_F_NO_INTERRUPT) === 0;
    const usedEvent = this.u16(this.driverAddress + 4 + 2 * this.size);
    const previous = this.signalledUsed;
    const valid = this.signalledValid;
    this.signalledUsed = this.usedIdx;
    this.signalledValid = true;
    // vring_need_event: (u16)(new - event - 1) < (u16)(new - old).
    return !valid || ((this.usedIdx - usedEvent - 1) & 0xffff) < ((this.usedIdx - previous) & 0xffff);
  }

  save(): VirtqueueState {
    return {
      size: this.size,
      ready: this.ready,
      descAddress: this.descAddress,
      driverAddress: this.driverAddress,
      deviceAddress: this.deviceAddress,
      lastAvailIdx: this.lastAvailIdx,
      usedIdx: this.usedIdx,
      signalledUsed: this.signalledUsed,
      signalledValid: this.signalledValid,
    };
  }

  restore(state: VirtqueueState): void {
    this.size = state.size;
    this.ready = state.ready;
    this.descAddress = state.descAddress;
    this.driverAddress = state.driverAddress;
    this.deviceAddress = state.deviceAddress;
    this.lastAvailIdx = state.lastAvailIdx & 0xffff;
    this.usedIdx = state.usedIdx & 0xffff;
    this.signalledUsed = state.signalledUsed & 0xffff;
    this.signalledValid = state.signalledValid;
  }
}
