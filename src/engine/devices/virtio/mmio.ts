// The virtio-mmio transport, version 2 (virtio 1.2 section 4.2.2): the register file through which
// a driver discovers a device, negotiates features, sets up queues and kicks them, plus the device
// configuration space at 0x100. Legacy (version 1) is not offered, so VIRTIO_F_VERSION_1 must be
// accepted. Nothing a guest writes can make this throw: device errors become DEVICE_NEEDS_RESET.

import type { AccessSize, IrqLine, MmioDevice } from '../../bus.js';
import type { GuestRam } from '../../memory.js';
import { Virtqueue, VirtqueueError, type VirtqueueState } from './queue.js';
import {
  STATUS_DEVICE_NEEDS_RESET,
  STATUS_DRIVER,
  STATUS_DRIVER_OK,
  STATUS_FEATURES_OK,
  TRANSPORT_FEATURES,
  VIRTIO_F_EVENT_IDX,
  VIRTIO_F_INDIRECT_DESC,
  VIRTIO_F_VERSION_1,
  featureBit,
  type VirtioDevice,
  type VirtioDeviceContext,
} from './device.js';

// Register offsets (4.2.2, table "MMIO Device Register Layout").
export const MMIO_MAGIC_VALUE = 0x000;
export const MMIO_VERSION = 0x004;
export const MMIO_DEVICE_ID = 0x008;
export const MMIO_VENDOR_ID = 0x00c;
export const MMIO_DEVICE_FEATURES = 0x010;
export const MMIO_DEVICE_FEATURES_SEL = 0x014;
export const MMIO_DRIVER_FEATURES = 0x020;
export const MMIO_DRIVER_FEATURES_SEL = 0x024;
export const MMIO_QUEUE_SEL = 0x030;
export const MMIO_QUEUE_NUM_MAX = 0x034;
export const MMIO_QUEUE_NUM = 0x038;
export const MMIO_QUEUE_READY = 0x044;
export const MMIO_QUEUE_NOTIFY = 0x050;
export const MMIO_INTERRUPT_STATUS = 0x060;
export const MMIO_INTERRUPT_ACK = 0x064;
export const MMIO_STATUS = 0x070;
export const MMIO_QUEUE_DESC_LOW = 0x080;
export const MMIO_QUEUE_DESC_HIGH = 0x084;
export const MMIO_QUEUE_DRIVER_LOW = 0x090;
export const MMIO_QUEUE_DRIVER_HIGH = 0x094;
export const MMIO_QUEUE_DEVICE_LOW = 0x0a0;
export const MMIO_QUEUE_DEVICE_HIGH = 0x0a4;
export const MMIO_SHM_SEL = 0x0ac;
export const MMIO_SHM_LEN_LOW = 0x0b0;
export const MMIO_SHM_LEN_HIGH = 0x0b4;
export const MMIO_SHM_BASE_LOW = 0x0b8;
export const MMIO_SHM_BASE_HIGH = 0x0bc;
export const MMIO_QUEUE_RESET = 0x0c0;
export const MMIO_CONFIG_GENERATION = 0x0fc;
export const MMIO_CONFIG = 0x100;

/** "virt" in little-endian ASCII. */
export const MMIO_MAGIC = 0x74726976;
export const MMIO_VERSION_2 = 2;
/** A vendor ID for rvisor's devices (any value is allowed; QEMU uses "QEMU"). */
export const MMIO_VENDOR_RVISOR = 0x53495652; // "RVIS"

export const INTERRUPT_USED_BUFFER = 0x1;
export const INTERRUPT_CONFIG_CHANGE = 0x2;

export interface VirtioMmioOptions {
  ram: GuestRam;
  irq: IrqLine;
  /** Called when a device finished work outside a guest access (see VirtioDeviceContext). */
  onDeviceEvent?: () => void;
}

export interface VirtioMmioState {
  status: number;
  deviceFeaturesSel: number;
  driverFeaturesSel: number;
  /** Accepted features as a hexadecimal string (64 bits do not fit a JSON number). */
  driverFeatures: string;
  queueSel: number;
  shmSel: number;
  interruptStatus: number;
  configGeneration: number;
  queues: VirtqueueState[];
  device: unknown;
}

const U32 = 0xffff_ffff;

function setLow(value: number, low: number): number {
  return Math.floor(value / 0x1_0000_0000) * 0x1_0000_0000 + (low >>> 0);
}

function setHigh(value: number, high: number): number {
  return (high >>> 0) * 0x1_0000_0000 + (value % 0x1_0000_0000);
}

export class VirtioMmioTransport implements MmioDevice, VirtioDeviceContext {
  readonly name: string;
  readonly ram: GuestRam;
  private readonly queues: Virtqueue[];
  private readonly offeredFeatures: bigint;
  private status = 0;
  private deviceFeaturesSel = 0;
  private driverFeaturesSel = 0;
  private driverFeatures = 0n;
  private queueSel = 0;
  private shmSel = 0;
  private interruptStatus = 0;
  private configGeneration = 0;
  private irqLevel = false;

  constructor(
    readonly device: VirtioDevice,
    private readonly options: VirtioMmioOptions,
  ) {
    this.name = `virtio-mmio(${device.name})`;
    this.ram = options.ram;
    this.queues = device.queueSizes.map((max) => new Virtqueue(max, options.ram));
    this.offeredFeatures = device.deviceFeatures | TRANSPORT_FEATURES;
    device.bind(this);
  }

  // --- VirtioDeviceContext -------------------------------------------------------------------

  queue(index: number): Virtqueue {
    const q = this.queues[index];
    if (q === undefined) throw new RangeError(`${this.device.name} has no queue ${index}`);
    return q;
  }

  hasFeature(bit: number): boolean {
    return (this.driverFeatures & featureBit(bit)) !== 0n;
  }

  get live(): boolean {
    const mask = STATUS_DRIVER_OK | STATUS_FEATURES_OK | STATUS_DEVICE_NEEDS_RESET;
    return (this.status & mask) === (STATUS_DRIVER_OK | STATUS_FEATURES_OK);
  }

  notifyUsed(queue: number): void {
    const q = this.queues[queue];
    if (q !== undefined && q.ready && q.needsInterrupt()) this.raise(INTERRUPT_USED_BUFFER);
  }

  configChanged(): void {
    this.configGeneration = (this.configGeneration + 1) >>> 0;
    if (this.status & STATUS_DRIVER_OK) this.raise(INTERRUPT_CONFIG_CHANGE);
  }

  needsReset(reason: string): void {
    this.device.logger.report(reason);
    if (this.status & STATUS_DEVICE_NEEDS_RESET) return;
    // 2.1.2: set DEVICE_NEEDS_RESET and, once the driver is up, send a configuration change.
    this.status |= STATUS_DEVICE_NEEDS_RESET;
    if (this.status & STATUS_DRIVER_OK) this.raise(INTERRUPT_CONFIG_CHANGE);
  }

  deviceEvent(): void {
    this.options.onDeviceEvent?.();
  }

  // --- registers -----------------------------------------------------------------------------

  read(offset: number, size: AccessSize): number {
    if (offset >= MMIO_CONFIG) {
      if (size === 8) return 0;
      try {
        return this.device.readConfig(offset - MMIO_CONFIG, size) >>> 0;
      } catch (err) {
        this.deviceFailed(err);
        return 0;
      }
    }
    // 4.2.2.2: the register file is accessed with 32-bit, aligned accesses only.
    if (size !== 4 || (offset & 3) !== 0) return 0;
    const q = this.queues[this.queueSel];
    switch (offset) {
      case MMIO_MAGIC_VALUE:
        return MMIO_MAGIC;
      case MMIO_VERSION:
        return MMIO_VERSION_2;
      case MMIO_DEVICE_ID:
        return this.device.deviceId;
      case MMIO_VENDOR_ID:
        return MMIO_VENDOR_RVISOR;
      case MMIO_DEVICE_FEATURES:
        if (this.deviceFeaturesSel > 1) return 0;
        return Number((this.offeredFeatures >> BigInt(32 * this.deviceFeaturesSel)) & 0xffff_ffffn);
      case MMIO_QUEUE_NUM_MAX:
        return q === undefined ? 0 : q.maxSize;
      case MMIO_QUEUE_READY:
        return q?.ready ? 1 : 0;
      case MMIO_INTERRUPT_STATUS:
        return this.interruptStatus;
      case MMIO_STATUS:
        return this.status;
      case MMIO_SHM_LEN_LOW:
      case MMIO_SHM_LEN_HIGH:
        return U32; // 4.2.2: no shared memory regions, so every SHMSel reads a length of -1
      case MMIO_SHM_BASE_LOW:
      case MMIO_SHM_BASE_HIGH:
        return 0;
      case MMIO_CONFIG_GENERATION:
        return this.configGeneration;
      default:
        return 0; // write-only registers, QueueReset without VIRTIO_F_RING_RESET, reserved space
    }
  }

  write(offset: number, value: number, size: AccessSize): void {
    try {
      if (offset >= MMIO_CONFIG) {
        if (size !== 8) this.device.writeConfig(offset - MMIO_CONFIG, value >>> 0, size);
        return;
      }
      if (size !== 4 || (offset & 3) !== 0) return;
      this.writeRegister(offset, value >>> 0);
    } catch (err) {
      this.deviceFailed(err);
    }
  }

  private writeRegister(offset: number, value: number): void {
    const q = this.queues[this.queueSel];
    switch (offset) {
      case MMIO_DEVICE_FEATURES_SEL:
        this.deviceFeaturesSel = value;
        return;
      case MMIO_DRIVER_FEATURES:
        // 3.1.1: features are written between DRIVER and FEATURES_OK.
        if ((this.status & (STATUS_DRIVER | STATUS_FEATURES_OK)) !== STATUS_DRIVER) return;
        if (this.driverFeaturesSel > 1) return;
        {
          const shift = BigInt(32 * this.driverFeaturesSel);
          this.driverFeatures = (this.driverFeatures & ~(0xffff_ffffn << shift)) | (BigInt(value) << shift);
        }
        return;
      case MMIO_DRIVER_FEATURES_SEL:
        this.driverFeaturesSel = value;
        return;
      case MMIO_QUEUE_SEL:
        this.queueSel = value;
        return;
      case MMIO_QUEUE_NUM:
        if (q !== undefined && !q.ready) q.size = value;
        return;
      case MMIO_QUEUE_READY:
        if (q !== undefined) this.setQueueReady(q, (value & 1) === 1);
        return;
      case MMIO_QUEUE_NOTIFY:
        // Without VIRTIO_F_NOTIFICATION_DATA the value is the queue index.
        this.kick(value);
        return;
      case MMIO_INTERRUPT_ACK:
        this.interruptStatus &= ~value;
        this.updateIrq();
        return;
      case MMIO_STATUS:
        this.writeStatus(value & 0xff);
        return;
      case MMIO_QUEUE_DESC_LOW:
      case MMIO_QUEUE_DESC_HIGH:
      case MMIO_QUEUE_DRIVER_LOW:
      case MMIO_QUEUE_DRIVER_HIGH:
      case MMIO_QUEUE_DEVICE_LOW:
      case MMIO_QUEUE_DEVICE_HIGH:
        if (q !== undefined && !q.ready) this.writeQueueAddress(q, offset, value);
        return;
      case MMIO_SHM_SEL:
        this.shmSel = value;
        return;
      default:
        return; // read-only registers, QueueReset without VIRTIO_F_RING_RESET, reserved space
    }
  }

  private writeQueueAddress(q: Virtqueue, offset: number, value: number): void {
    switch (offset) {
      case MMIO_QUEUE_DESC_LOW:
        q.descAddress = setLow(q.descAddress, value);
        break;
      case MMIO_QUEUE_DESC_HIGH:
        q.descAddress = setHigh(q.descAddress, value);
        break;
      case MMIO_QUEUE_DRIVER_LOW:
        q.driverAddress = setLow(q.driverAddress, value);
        break;
      case MMIO_QUEUE_DRIVER_HIGH:
        q.driverAddress = setHigh(q.driverAddress, value);
        break;
      case MMIO_QUEUE_DEVICE_LOW:
        q.deviceAddress = setLow(q.deviceAddress, value);
        break;
      default:
        q.deviceAddress = setHigh(q.deviceAddress, value);
        break;
    }
  }

  private setQueueReady(q: Virtqueue, ready: boolean): void {
    if (!ready) {
      q.ready = false;
      return;
    }
    if (q.ready) return;
    const problem = q.configurationError();
    if (problem !== undefined) {
      this.needsReset(`queue ${this.queues.indexOf(q)}: ${problem}`);
      return;
    }
    q.eventIdx = this.hasFeature(VIRTIO_F_EVENT_IDX);
    q.indirect = this.hasFeature(VIRTIO_F_INDIRECT_DESC);
    q.ready = true;
  }

  private writeStatus(value: number): void {
    if (value === 0) {
      this.reset();
      return;
    }
    const old = this.status;
    let status = value | (old & STATUS_DEVICE_NEEDS_RESET);
    if (status & STATUS_FEATURES_OK && !(old & STATUS_FEATURES_OK) && !this.featuresAcceptable()) {
      // 3.1.1 step 6: the driver re-reads status and finds FEATURES_OK not set.
      status &= ~STATUS_FEATURES_OK;
    }
    this.status = status;
    if (status & STATUS_DRIVER_OK && !(old & STATUS_DRIVER_OK)) {
      // Buffers made available before DRIVER_OK are served now (3.1.1 step 8).
      for (let i = 0; i < this.queues.length; i++) this.kick(i);
    }
  }

  /** VERSION_1 accepted (no legacy interface here) and nothing that was not offered. */
  private featuresAcceptable(): boolean {
    if (!this.hasFeature(VIRTIO_F_VERSION_1)) {
      this.device.logger.report('the driver did not accept VIRTIO_F_VERSION_1 (legacy is not offered)');
      return false;
    }
    if ((this.driverFeatures & ~this.offeredFeatures) !== 0n) {
      this.device.logger.report(
        `the driver accepted features never offered: 0x${this.driverFeatures.toString(16)}`,
      );
      return false;
    }
    return true;
  }

  private kick(queue: number): void {
    const q = this.queues[queue];
    if (q === undefined || !q.ready || !this.live) return;
    try {
      this.device.queueNotify(queue);
    } catch (err) {
      this.deviceFailed(err);
    }
  }

  /** A device threw: a broken ring (expected from hostile guests) or a bug; either way stop it. */
  private deviceFailed(err: unknown): void {
    if (err instanceof VirtqueueError) this.needsReset(err.message);
    else this.needsReset(`internal error: ${err instanceof Error ? err.message : String(err)}`);
  }

  /** Device reset (status 0, 4.2.2.1): everything back to its initial state. */
  reset(): void {
    this.status = 0;
    this.deviceFeaturesSel = 0;
    this.driverFeaturesSel = 0;
    this.driverFeatures = 0n;
    this.queueSel = 0;
    this.shmSel = 0;
    this.interruptStatus = 0;
    for (const q of this.queues) q.reset();
    this.updateIrq();
    try {
      this.device.reset();
    } catch (err) {
      this.device.logger.report(`reset failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private raise(bits: number): void {
    this.interruptStatus |= bits;
    this.updateIrq();
  }

  private updateIrq(): void {
    const level = this.interruptStatus !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.options.irq.set(level);
    }
  }

  /** The Status register (for tests and debugging). */
  get deviceStatus(): number {
    return this.status;
  }

  save(): VirtioMmioState {
    return {
      status: this.status,
      deviceFeaturesSel: this.deviceFeaturesSel,
      driverFeaturesSel: this.driverFeaturesSel,
      driverFeatures: this.driverFeatures.toString(16),
      queueSel: this.queueSel,
      shmSel: this.shmSel,
      interruptStatus: this.interruptStatus,
      configGeneration: this.configGeneration,
      queues: this.queues.map((q) => q.save()),
      device: this.device.save(),
    };
  }

  restore(state: VirtioMmioState): void {
    this.status = state.status;
    this.deviceFeaturesSel = state.deviceFeaturesSel;
    this.driverFeaturesSel = state.driverFeaturesSel;
    this.driverFeatures = BigInt('0x' + state.driverFeatures);
    this.queueSel = state.queueSel;
    this.shmSel = state.shmSel;
    this.interruptStatus = state.interruptStatus;
    this.configGeneration = state.configGeneration;
    this.queues.forEach((q, i) => {
      q.reset();
      const saved = state.queues[i];
      if (saved === undefined) return;
      q.restore(saved);
      q.eventIdx = this.hasFeature(VIRTIO_F_EVENT_IDX);
      q.indirect = this.hasFeature(VIRTIO_F_INDIRECT_DESC);
      // A snapshot is input too: a queue that could not have become ready stays off.
      if (q.ready && q.configurationError() !== undefined) {
        q.ready = false;
        this.needsReset(`restored queue ${i} is invalid`);
      }
    });
    this.irqLevel = this.interruptStatus !== 0;
    this.options.irq.set(this.irqLevel);
    this.device.restore(state.device);
  }
}
