// virtio-blk (virtio 1.2 section 5.2): one request queue; each request is a 16-byte header
// (type, reserved, sector), data, and a trailing status byte the device writes. Requests go to a
// BlockBackend and complete asynchronously — the guest's CPU runs on while the host does the I/O —
// and FLUSH completes only after every write submitted before it. Malformed requests fail alone
// with IOERR/UNSUPP; a broken ring stops the device (DEVICE_NEEDS_RESET).

import type { BlockBackend } from '../../block-backend.js';
import {
  OnceLogger,
  VIRTIO_ID_BLOCK,
  featureBit,
  type VirtioDevice,
  type VirtioDeviceContext,
  type VirtioDeviceOptions,
} from './device.js';
import { VirtqueueError, type DescriptorChain } from './queue.js';

// Feature bits (5.2.3).
export const VIRTIO_BLK_F_SIZE_MAX = 1;
export const VIRTIO_BLK_F_SEG_MAX = 2;
export const VIRTIO_BLK_F_RO = 5;
export const VIRTIO_BLK_F_BLK_SIZE = 6;
export const VIRTIO_BLK_F_FLUSH = 9;
export const VIRTIO_BLK_F_DISCARD = 13;
export const VIRTIO_BLK_F_WRITE_ZEROES = 14;

// Request types and status values (5.2.6).
export const VIRTIO_BLK_T_IN = 0;
export const VIRTIO_BLK_T_OUT = 1;
export const VIRTIO_BLK_T_FLUSH = 4;
export const VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_T_DISCARD = 11;
export const VIRTIO_BLK_T_WRITE_ZEROES = 13;
export const VIRTIO_BLK_S_OK = 0;
export const VIRTIO_BLK_S_IOERR = 1;
export const VIRTIO_BLK_S_UNSUPP = 2;
export const VIRTIO_BLK_ID_BYTES = 20;
/** The flag of a discard/write-zeroes segment asking to deallocate. */
const DWZ_FLAG_UNMAP = 1;

export const SECTOR_SIZE = 512;
const HEADER_SIZE = 16;
const DWZ_SEGMENT_SIZE = 16;

/** Limits advertised in the configuration space (5.2.4). */
export const BLK_SIZE_MAX = 1024 * 1024;
export const BLK_SEG_MAX = 126;
export const BLK_MAX_DISCARD_SECTORS = 32768;
export const BLK_MAX_DISCARD_SEG = 8;
export const BLK_DISCARD_SECTOR_ALIGNMENT = 8;
export const BLK_MAX_WRITE_ZEROES_SECTORS = 32768;
export const BLK_MAX_WRITE_ZEROES_SEG = 8;
/** Largest data transfer accepted in one request (size_max × seg_max, rounded down). */
export const BLK_MAX_REQUEST_BYTES = 64 * 1024 * 1024;

// Configuration space offsets (struct virtio_blk_config).
const CONFIG_CAPACITY = 0x00;
const CONFIG_SIZE_MAX = 0x08;
const CONFIG_SEG_MAX = 0x0c;
const CONFIG_BLK_SIZE = 0x14;
const CONFIG_NUM_QUEUES = 0x22;
const CONFIG_MAX_DISCARD_SECTORS = 0x24;
const CONFIG_MAX_DISCARD_SEG = 0x28;
const CONFIG_DISCARD_SECTOR_ALIGNMENT = 0x2c;
const CONFIG_MAX_WRITE_ZEROES_SECTORS = 0x30;
const CONFIG_MAX_WRITE_ZEROES_SEG = 0x34;
const CONFIG_WRITE_ZEROES_MAY_UNMAP = 0x38;
const CONFIG_SIZE = 0x3c;

export interface VirtioBlockOptions extends VirtioDeviceOptions {
  backend: BlockBackend;
  /** The serial GET_ID returns (at most 20 bytes of ASCII). */
  serial?: string;
  queueSize?: number;
}

export interface VirtioBlockState {
  /** Heads of requests not completed when saved; restore submits them again. */
  inflight: number[];
}

/** A request's outcome: the status byte and the data for the writable buffers, if any. */
interface Outcome {
  status: number;
  data?: Uint8Array;
}

const ok = (data?: Uint8Array): Outcome => ({ status: VIRTIO_BLK_S_OK, data });
const ioError: Outcome = { status: VIRTIO_BLK_S_IOERR };
const unsupported: Outcome = { status: VIRTIO_BLK_S_UNSUPP };

export class VirtioBlockDevice implements VirtioDevice {
  readonly name = 'virtio-blk';
  readonly deviceId = VIRTIO_ID_BLOCK;
  readonly deviceFeatures: bigint;
  readonly queueSizes: readonly number[];
  readonly logger: OnceLogger;
  readonly backend: BlockBackend;
  private readonly serial: Uint8Array;
  private readonly config: DataView;
  private context: VirtioDeviceContext | undefined;
  /** Bumped at reset: completions of an older generation are dropped, not written to the guest. */
  private generation = 0;
  private readonly inflight = new Set<number>();
  /** Writes (OUT, DISCARD, WRITE_ZEROES) not settled yet: the barrier a FLUSH waits for. */
  private readonly pendingWrites = new Set<Promise<unknown>>();

  constructor(options: VirtioBlockOptions) {
    const backend = options.backend;
    if (backend.size <= 0 || backend.size % SECTOR_SIZE !== 0) {
      throw new RangeError(`disk size ${backend.size} is not a positive multiple of ${SECTOR_SIZE}`);
    }
    this.backend = backend;
    this.logger = new OnceLogger(this.name, options.log);
    this.queueSizes = [options.queueSize ?? 128];
    this.serial = new Uint8Array(VIRTIO_BLK_ID_BYTES);
    this.serial.set(new TextEncoder().encode(options.serial ?? '').subarray(0, VIRTIO_BLK_ID_BYTES));
    let features =
      featureBit(VIRTIO_BLK_F_SIZE_MAX) |
      featureBit(VIRTIO_BLK_F_SEG_MAX) |
      featureBit(VIRTIO_BLK_F_BLK_SIZE) |
      featureBit(VIRTIO_BLK_F_FLUSH);
    if (backend.readOnly) features |= featureBit(VIRTIO_BLK_F_RO);
    else features |= featureBit(VIRTIO_BLK_F_DISCARD) | featureBit(VIRTIO_BLK_F_WRITE_ZEROES);
    this.deviceFeatures = features;
    this.config = this.buildConfig();
  }

  private buildConfig(): DataView {
    const c = new DataView(new ArrayBuffer(CONFIG_SIZE));
    const sectors = this.backend.size / SECTOR_SIZE;
    c.setUint32(CONFIG_CAPACITY, sectors % 0x1_0000_0000, true);
    c.setUint32(CONFIG_CAPACITY + 4, Math.floor(sectors / 0x1_0000_0000), true);
    c.setUint32(CONFIG_SIZE_MAX, BLK_SIZE_MAX, true);
    c.setUint32(CONFIG_SEG_MAX, BLK_SEG_MAX, true);
    c.setUint32(CONFIG_BLK_SIZE, SECTOR_SIZE, true);
    c.setUint16(CONFIG_NUM_QUEUES, 1, true);
    c.setUint32(CONFIG_MAX_DISCARD_SECTORS, BLK_MAX_DISCARD_SECTORS, true);
    c.setUint32(CONFIG_MAX_DISCARD_SEG, BLK_MAX_DISCARD_SEG, true);
    c.setUint32(CONFIG_DISCARD_SECTOR_ALIGNMENT, BLK_DISCARD_SECTOR_ALIGNMENT, true);
    c.setUint32(CONFIG_MAX_WRITE_ZEROES_SECTORS, BLK_MAX_WRITE_ZEROES_SECTORS, true);
    c.setUint32(CONFIG_MAX_WRITE_ZEROES_SEG, BLK_MAX_WRITE_ZEROES_SEG, true);
    c.setUint8(CONFIG_WRITE_ZEROES_MAY_UNMAP, 0);
    return c;
  }

  bind(context: VirtioDeviceContext): void {
    this.context = context;
  }

  readConfig(offset: number, size: 1 | 2 | 4): number {
    if (offset < 0 || offset + size > CONFIG_SIZE) return 0;
    if (size === 1) return this.config.getUint8(offset);
    if (size === 2) return this.config.getUint16(offset, true);
    return this.config.getUint32(offset, true);
  }

  writeConfig(): void {
    // Nothing is writable without VIRTIO_BLK_F_CONFIG_WCE.
  }

  /** Requests submitted and not completed yet. */
  get inflightCount(): number {
    return this.inflight.size;
  }

  queueNotify(queue: number): void {
    const context = this.context;
    if (context === undefined || queue !== 0) return;
    const q = context.queue(0);
    for (let chain = q.pop(); chain !== undefined; chain = q.pop()) this.submit(chain);
  }

  /** Parse a request and start it; its completion comes later, from a resolved promise. */
  private submit(chain: DescriptorChain): void {
    const generation = this.generation;
    this.inflight.add(chain.head);
    let work: Promise<Outcome>;
    try {
      work = this.start(chain);
    } catch (err) {
      work = Promise.reject(err);
    }
    work.then(
      (outcome) => this.complete(chain, generation, outcome),
      (err: unknown) => {
        this.logger.report(`I/O error: ${err instanceof Error ? err.message : String(err)}`);
        this.complete(chain, generation, ioError);
      },
    );
  }

  private complete(chain: DescriptorChain, generation: number, outcome: Outcome): void {
    const context = this.context;
    if (generation !== this.generation || context === undefined) return; // reset meanwhile
    this.inflight.delete(chain.head);
    const q = context.queue(0);
    if (!q.ready) return;
    try {
      // Guest memory is written only here, after the generation check: no DMA after a reset.
      // The status byte is the last writable byte (5.2.6); without one the driver learns nothing.
      const statusAt = chain.writableLength - 1;
      let written = 0;
      if (statusAt >= 0) {
        if (outcome.data !== undefined) written = chain.write(0, outcome.data.subarray(0, statusAt));
        chain.writeByte(statusAt, outcome.status);
        written++;
      }
      q.pushUsed(chain.head, written);
      context.notifyUsed(0);
    } catch (err) {
      context.needsReset(err instanceof VirtqueueError ? err.message : String(err));
    }
    context.deviceEvent();
  }

  private start(chain: DescriptorChain): Promise<Outcome> {
    const header = new Uint8Array(HEADER_SIZE);
    if (chain.read(0, header) < HEADER_SIZE)
      return this.reject('request header is not 16 device-readable bytes');
    if (chain.writableLength < 1) return this.reject('request without a device-writable status byte');
    const view = new DataView(header.buffer);
    const type = view.getUint32(0, true);
    const sector = view.getUint32(8, true) + view.getUint32(12, true) * 0x1_0000_0000;
    switch (type) {
      case VIRTIO_BLK_T_IN:
        return this.read(chain, sector);
      case VIRTIO_BLK_T_OUT:
        return this.write(chain, sector);
      case VIRTIO_BLK_T_FLUSH:
        return this.flush();
      case VIRTIO_BLK_T_GET_ID:
        return Promise.resolve(ok(this.serial));
      case VIRTIO_BLK_T_DISCARD:
      case VIRTIO_BLK_T_WRITE_ZEROES:
        return this.discardOrWriteZeroes(chain, type);
      default:
        return Promise.resolve(unsupported);
    }
  }

  /** Fail one request, logging (once) what the guest got wrong. */
  private reject(problem: string): Promise<Outcome> {
    this.logger.report(problem);
    return Promise.resolve(ioError);
  }

  /** Byte range of a transfer, or undefined when it is not whole sectors inside the disk. */
  private range(sector: number, length: number): number | undefined {
    if (length % SECTOR_SIZE !== 0 || length > BLK_MAX_REQUEST_BYTES) return undefined;
    const offset = sector * SECTOR_SIZE;
    if (!Number.isSafeInteger(offset) || offset + length > this.backend.size) return undefined;
    return offset;
  }

  private async read(chain: DescriptorChain, sector: number): Promise<Outcome> {
    const length = chain.writableLength - 1;
    const offset = this.range(sector, length);
    if (offset === undefined) return this.reject(`read of ${length} bytes at sector ${sector} is invalid`);
    const data = new Uint8Array(length);
    await this.backend.read(offset, data);
    return ok(data);
  }

  private write(chain: DescriptorChain, sector: number): Promise<Outcome> {
    const length = chain.readableLength - HEADER_SIZE;
    const offset = this.range(sector, length);
    if (offset === undefined) return this.reject(`write of ${length} bytes at sector ${sector} is invalid`);
    if (this.backend.readOnly) return Promise.resolve(ioError);
    // The data is copied out at submission: the guest may reuse nothing until completion anyway.
    const data = new Uint8Array(length);
    chain.read(HEADER_SIZE, data);
    return this.trackWrite(this.backend.write(offset, data)).then(() => ok());
  }

  private async flush(): Promise<Outcome> {
    // 5.2.6.2: FLUSH covers every write completed before it; ours waits for those submitted before.
    await Promise.allSettled([...this.pendingWrites]);
    await this.backend.flush();
    return ok();
  }

  private discardOrWriteZeroes(chain: DescriptorChain, type: number): Promise<Outcome> {
    const discard = type === VIRTIO_BLK_T_DISCARD;
    const feature = discard ? VIRTIO_BLK_F_DISCARD : VIRTIO_BLK_F_WRITE_ZEROES;
    if (!this.context?.hasFeature(feature)) return Promise.resolve(unsupported);
    const length = chain.readableLength - HEADER_SIZE;
    const maxSegments = discard ? BLK_MAX_DISCARD_SEG : BLK_MAX_WRITE_ZEROES_SEG;
    const maxSectors = discard ? BLK_MAX_DISCARD_SECTORS : BLK_MAX_WRITE_ZEROES_SECTORS;
    if (length <= 0 || length % DWZ_SEGMENT_SIZE !== 0 || length / DWZ_SEGMENT_SIZE > maxSegments) {
      return this.reject(`${discard ? 'discard' : 'write-zeroes'} payload of ${length} bytes is invalid`);
    }
    const payload = new Uint8Array(length);
    chain.read(HEADER_SIZE, payload);
    const view = new DataView(payload.buffer);
    const ranges: [number, number][] = [];
    for (let at = 0; at < length; at += DWZ_SEGMENT_SIZE) {
      const sector = view.getUint32(at, true) + view.getUint32(at + 4, true) * 0x1_0000_0000;
      const sectors = view.getUint32(at + 8, true);
      const flags = view.getUint32(at + 12, true);
      // 5.2.6.2: unknown flags, or unmap on a discard, are UNSUPP.
      if (flags & ~DWZ_FLAG_UNMAP || (discard && flags & DWZ_FLAG_UNMAP)) return Promise.resolve(unsupported);
      const offset = sector * SECTOR_SIZE;
      const bytes = sectors * SECTOR_SIZE;
      if (sectors > maxSectors || !Number.isSafeInteger(offset) || offset + bytes > this.backend.size) {
        return this.reject(
          `${discard ? 'discard' : 'write-zeroes'} of ${sectors} sectors at ${sector} is invalid`,
        );
      }
      ranges.push([offset, bytes]);
    }
    const backend = this.backend;
    const work = (async () => {
      for (const [offset, bytes] of ranges) {
        if (discard) await backend.discard(offset, bytes);
        else await backend.writeZeroes(offset, bytes);
      }
    })();
    return this.trackWrite(work).then(() => ok());
  }

  private trackWrite(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => this.pendingWrites.delete(tracked));
    this.pendingWrites.add(tracked);
    return tracked;
  }

  reset(): void {
    this.generation++;
    this.inflight.clear();
  }

  save(): VirtioBlockState {
    return { inflight: [...this.inflight] };
  }

  restore(state: VirtioBlockState): void {
    this.reset();
    const context = this.context;
    if (context === undefined || !context.live) return;
    // The guest's descriptors are part of the restored RAM: parse and run those requests again.
    const q = context.queue(0);
    try {
      for (const head of state.inflight) this.submit(q.chainAt(head));
    } catch (err) {
      context.needsReset(err instanceof VirtqueueError ? err.message : String(err));
    }
  }
}
