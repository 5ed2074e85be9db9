// What every virtio device shares, whatever its transport: feature bits, status bits, the contract
// between a device model (blk, console, rng, ...) and its transport (mmio.ts), and a logger that
// reports a misbehaving guest once instead of flooding the host's log.

import type { GuestRam } from '../../memory.js';
import type { Virtqueue } from './queue.js';

// Reserved feature bits (virtio 1.2 section 6).
export const VIRTIO_F_INDIRECT_DESC = 28;
export const VIRTIO_F_EVENT_IDX = 29;
export const VIRTIO_F_VERSION_1 = 32;

// Device status bits (virtio 1.2 section 2.1).
export const STATUS_ACKNOWLEDGE = 0x01;
export const STATUS_DRIVER = 0x02;
export const STATUS_DRIVER_OK = 0x04;
export const STATUS_FEATURES_OK = 0x08;
export const STATUS_DEVICE_NEEDS_RESET = 0x40;
export const STATUS_FAILED = 0x80;

// Device types (virtio 1.2 section 5).
export const VIRTIO_ID_BLOCK = 2;
export const VIRTIO_ID_CONSOLE = 3;
export const VIRTIO_ID_RNG = 4;

/** Bit `bit` of a 64-bit feature word. */
export function featureBit(bit: number): bigint {
  return 1n << BigInt(bit);
}

/** Transport features every rvisor device offers besides its own. */
export const TRANSPORT_FEATURES =
  featureBit(VIRTIO_F_VERSION_1) | featureBit(VIRTIO_F_INDIRECT_DESC) | featureBit(VIRTIO_F_EVENT_IDX);

/** Receives one line per problem; the host prefixes it and sends it to its log. */
export type VirtioLog = (message: string) => void;

export interface VirtioDeviceOptions {
  /** Where reports about a misbehaving guest go (each device reports only its first problem). */
  log?: VirtioLog;
}

/**
 * Reports the first guest error of a device and counts the rest: a hostile or buggy guest must
 * not be able to flood the host's log.
 */
export class OnceLogger {
  /** Problems seen, including the ones not logged. */
  count = 0;

  constructor(
    private readonly name: string,
    private readonly sink: VirtioLog | undefined,
  ) {}

  report(message: string): void {
    this.count++;
    if (this.count === 1) this.sink?.(`${this.name}: ${message} (further guest errors are not logged)`);
  }
}

/** The services a transport gives the device it carries. */
export interface VirtioDeviceContext {
  readonly ram: GuestRam;
  /** Queue `index` (its configuration is the transport's; the device pops and pushes). */
  queue(index: number): Virtqueue;
  /** True when the driver accepted feature bit `bit`. */
  hasFeature(bit: number): boolean;
  /** True once features are accepted and DRIVER_OK is set, until the device needs a reset. */
  readonly live: boolean;
  /** Used buffers were added to `queue`: interrupt the driver unless it suppressed that. */
  notifyUsed(queue: number): void;
  /** The device configuration changed: bump ConfigGeneration and interrupt the driver. */
  configChanged(): void;
  /** Set DEVICE_NEEDS_RESET (a broken ring): the device stops until the driver resets it. */
  needsReset(reason: string): void;
  /** Work finished outside a guest access (I/O completion, host input): wake an idle runner. */
  deviceEvent(): void;
}

/** A virtio device model; the transport owns queues, features and status. */
export interface VirtioDevice {
  readonly name: string;
  readonly deviceId: number;
  /** Device-specific feature bits offered (the transport adds TRANSPORT_FEATURES). */
  readonly deviceFeatures: bigint;
  /** QueueNumMax of each queue; the count of entries is the number of queues. */
  readonly queueSizes: readonly number[];
  readonly logger: OnceLogger;
  /** Called once by the transport that carries the device. */
  bind(context: VirtioDeviceContext): void;
  /** Device configuration space (offsets from 0x100 of the transport). */
  readConfig(offset: number, size: 1 | 2 | 4): number;
  writeConfig(offset: number, value: number, size: 1 | 2 | 4): void;
  /** The driver made buffers available on `queue` (a kick, or DRIVER_OK with buffers waiting). */
  queueNotify(queue: number): void;
  /** Device reset (status 0): drop in-flight work, forget negotiated state. */
  reset(): void;
  /** Device-specific state as plain JSON. */
  save(): unknown;
  restore(state: unknown): void;
}
